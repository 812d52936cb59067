// pvs-live's backup events in the real runtime against the emulator: an outage and its return give one
// `pvs/backup` message each on the second output (never on the first), whatever the send option, from the telemetry
// WebSocket, livedata and the legacy list.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { BackupEvent } from "../../../src/model/backup-state";
import { EmulatorOptions, PvsEmulator } from "../../../src/emulator/server";
import { helper, until } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";
import { siteClockNearNoon } from "../../support/simulated-time";

type Msg = NodeMessage & { payload: BackupEvent & Record<string, unknown>; source?: string };

/** What reaches one helper node: "out" on output 1, "events" on output 2. */
function collect(id = "out"): Msg[] {
  const got: Msg[] = [];
  helper.getNode(id).on("input", (m: unknown) => got.push(m as Msg));
  return got;
}

/** The events helper on output 2; output 1 goes to "out" as in every test flow. */
const EVENTS_HELPER = { id: "events", type: "helper", x: 300, y: 300, wires: [] };

const events = (msgs: Msg[]) => msgs.filter((m) => m.topic === "pvs/backup");
const live = (msgs: Msg[]) => msgs.filter((m) => m.topic === "pvs/live");
const lastStatus = () =>
  ((helper.getNode("live").status as unknown as sinon.SinonSpy).lastCall?.args[0] ?? {}) as {
    fill?: string;
    text?: string;
  };

const CASES: Array<[string, EmulatorOptions, string]> = [
  ["the telemetry WebSocket", { localApi: true, telemetryEnabled: true }, "grid-flow"],
  ["livedata (a PVS6 that refuses the socket's write)", { localApi: true }, "grid-flow"],
  ["the legacy device list (the PV disconnect relay)", {}, "grid-voltage"],
];

describe("pvs-live backup events (real Node-RED runtime, emulator)", function () {
  this.timeout(40000);
  let emulator: PvsEmulator;
  afterEach(async () => {
    await helper.unload();
    await emulator?.stop();
  });

  for (const [name, options, basis] of CASES) {
    it(`${name}: one message for the outage, one for the grid's return, the status on battery meanwhile`, async () => {
      emulator = new PvsEmulator({ inverters: 4, storage: true, now: siteClockNearNoon(), ...options });
      await emulator.start();
      if (name.startsWith("livedata"))
        emulator.setFault({ kind: "status", status: 400, body: '{"status":400}', commands: ["vars:set"] });
      const node = {
        id: "live",
        type: "pvs-live",
        server: "cfg",
        send: "interval",
        every: 3600,
        interval: 1,
        wires: [["out"], ["events"]],
      };
      await helper.load(NODE_MODULES, testFlow(emulator, [node, EVENTS_HELPER]));
      const got = collect("events");
      const readings = collect("out");
      await until(() => live(readings).length >= 1, 15000, "the first values");
      assert.deepStrictEqual(got, [], "on the grid at deploy: nothing to tell");
      const outageAt = Date.now();
      emulator.startOutage();
      await until(() => events(got).length >= 1, 15000, "the outage message");
      const [outage] = events(got);
      assert.strictEqual(outage.payload.event, "outage");
      assert.strictEqual(outage.payload.basis, basis);
      assert.ok(Date.parse(outage.payload.since) >= outageAt);
      if (options.localApi) {
        assert.strictEqual(outage.payload.mid, 1, "the raw midstate, as sent");
        assert.ok((outage.payload.backupMinutes ?? -1) >= 0, "minutes left, from backupTimeRemaining");
        assert.match(lastStatus().text ?? "", /status\.batteryLeft/);
      }
      assert.strictEqual(lastStatus().fill, "yellow");
      await new Promise((r) => setTimeout(r, 2500)); // more updates during the outage: no second message
      assert.strictEqual(events(got).length, 1);
      emulator.endOutage();
      await until(() => events(got).length >= 2, 15000, "the grid-back message");
      await new Promise((r) => setTimeout(r, 2500));
      const all = events(got);
      assert.deepStrictEqual(
        all.map((m) => m.payload.event),
        ["outage", "grid-back"],
        "exactly one message each, whatever the interval setting",
      );
      assert.strictEqual(all[1].payload.previousSince, outage.payload.since);
      assert.notStrictEqual(lastStatus().fill, "yellow");
      assert.strictEqual(got.length, all.length, "output 2 carries the backup events alone");
      assert.deepStrictEqual(events(readings), [], "output 1 carries no backup event");
      assert.ok(
        readings.every((m) => m.topic === "pvs/live"),
        "output 1: readings only",
      );
    });
  }
});
