// pvs-device-list's backup events in the real runtime against the emulator: a grid outage and its return give one
// `pvs/backup` message each on the second output (never on the first, never in an output format), on the legacy API
// (the HUB+ and the SunVault report) and on the LocalAPI.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { BackupEvent } from "../../../src/model/backup-state";
import { emulatorPerTest } from "../../support/emulator-per-test";
import { helper, until } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";

type Msg = NodeMessage & { payload: BackupEvent & Record<string, unknown> };

/** Output 1 to "out" (the readings), output 2 to "events". */
const listNode = { id: "list", type: "pvs-device-list", server: "cfg", interval: 0, wires: [["out"], ["events"]] };
const EVENTS_HELPER = { id: "events", type: "helper", x: 300, y: 300, wires: [] };

/** What reaches the two outputs. */
interface Outputs {
  readings: Msg[];
  events: Msg[];
}

function collect(): Outputs {
  const got: Outputs = { readings: [], events: [] };
  helper.getNode("out").on("input", (m: unknown) => got.readings.push(m as Msg));
  helper.getNode("events").on("input", (m: unknown) => got.events.push(m as Msg));
  return got;
}

/**
 * One poll: the events it sent on output 2 (a backup event comes before the readings); `isReading` tells the
 * poll's last message on output 1 (the list, or an output format's message).
 */
async function poll(got: Outputs, isReading = (m: Msg) => m.topic === "pvs/device-list"): Promise<Msg[]> {
  const before = { readings: got.readings.length, events: got.events.length };
  helper.getNode("list").receive({});
  await until(() => got.readings.slice(before.readings).some(isReading), 10000, "the readings");
  return got.events.slice(before.events);
}

const events = (msgs: Msg[]) => msgs.filter((m) => m.topic === "pvs/backup");
const lastStatus = () =>
  ((helper.getNode("list").status as unknown as sinon.SinonSpy).lastCall?.args[0] ?? {}) as {
    fill?: string;
    text?: string;
  };

for (const api of ["legacy", "localapi"] as const) {
  describe(`pvs-device-list backup events, ${api} (real Node-RED runtime, emulator)`, function () {
    this.timeout(30000);
    const { emulator } = emulatorPerTest({ inverters: 3, storage: true, localApi: api === "localapi" });

    it("an outage and the grid's return: exactly one message each, with their times", async () => {
      await helper.load(NODE_MODULES, testFlow(emulator, [listNode, EVENTS_HELPER]));
      const got = collect();
      assert.deepStrictEqual(events(await poll(got)), [], "on the grid at deploy: nothing to tell");
      const outageAt = Date.now();
      emulator.startOutage();
      const [outage] = events(await poll(got));
      assert.ok(outage, "the outage is news");
      assert.strictEqual(outage.payload.event, "outage");
      assert.strictEqual(outage.payload.state, "backup");
      assert.strictEqual(outage.payload.basis, "grid-voltage");
      const since = Date.parse(outage.payload.since);
      assert.ok(since >= outageAt && since <= Date.now(), "since: when the poll saw it");
      if (api === "localapi") assert.strictEqual(typeof outage.payload.backupMinutes, "number");
      else assert.strictEqual(outage.payload.backupMinutes, null, "the legacy API tells no minutes: none guessed");
      assert.strictEqual(lastStatus().fill, "yellow");
      assert.match(lastStatus().text ?? "", api === "localapi" ? /status\.batteryLeft/ : /status\.onBattery/);
      assert.deepStrictEqual(events(await poll(got)), [], "still out: no second message");
      emulator.endOutage();
      const [back] = events(await poll(got));
      assert.strictEqual(back?.payload.event, "grid-back");
      assert.strictEqual(back.payload.state, "on-grid");
      assert.strictEqual(back.payload.previousSince, outage.payload.since);
      assert.strictEqual(back.payload.outageMinutes, Math.round((Date.parse(back.payload.since) - since) / 60_000));
      assert.deepStrictEqual(events(await poll(got)), []);
      assert.notStrictEqual(lastStatus().fill, "yellow");
      assert.strictEqual(events(got.events).length, got.events.length, "output 2 carries the backup events alone");
      assert.deepStrictEqual(events(got.readings), [], "output 1 carries no backup event");
      assert.ok(
        got.readings.every((m) => m.topic === "pvs/device-list"),
        "output 1: the device list only",
      );
    });

    it("with the InfluxDB output during an outage: output 1 carries only points, the event goes out plain on 2", async () => {
      const influx = { ...listNode, output: "influx" };
      await helper.load(NODE_MODULES, testFlow(emulator, [influx, EVENTS_HELPER]));
      const got = collect();
      const isPoints = (m: Msg) => Array.isArray(m.payload);
      assert.deepStrictEqual(await poll(got, isPoints), [], "on the grid at deploy: nothing to tell");
      emulator.startOutage();
      const [outage] = await poll(got, isPoints);
      assert.strictEqual(outage?.topic, "pvs/backup");
      assert.strictEqual(outage.payload.event, "outage", "the event as it is, not InfluxDB points");
      assert.strictEqual(outage.payload.state, "backup");
      assert.deepStrictEqual(await poll(got, isPoints), [], "still out: no second message");
      assert.strictEqual(got.events.length, 1);
      assert.strictEqual(got.readings.length, 3, "one batch of points per poll");
      for (const m of got.readings) {
        assert.ok(isPoints(m), "output 1: InfluxDB points only");
        for (const point of m.payload as unknown as Array<Record<string, unknown>>)
          assert.ok(typeof point.measurement === "string" && typeof point.fields === "object", "a point");
      }
    });
  });
}
