// pvs-device-list's backup events in the real runtime against the emulator: a grid outage and its return give one
// `pvs/backup` message each, on the legacy API (the HUB+ and the SunVault report) and on the LocalAPI.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { BackupEvent } from "../../../src/model/backup-state";
import { emulatorPerTest } from "../../support/emulator-per-test";
import { helper, until } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";

type Msg = NodeMessage & { payload: BackupEvent & Record<string, unknown> };

const listNode = { id: "list", type: "pvs-device-list", server: "cfg", interval: 0 };

function collect(): Msg[] {
  const got: Msg[] = [];
  helper.getNode("out").on("input", (m: unknown) => got.push(m as Msg));
  return got;
}

/** One poll: the messages it sent (a backup event comes before the list). */
async function poll(got: Msg[]): Promise<Msg[]> {
  const before = got.length;
  const lists = () => got.slice(before).filter((m) => m.topic === "pvs/device-list").length;
  helper.getNode("list").receive({});
  await until(() => lists() === 1, 10000, "the device list");
  return got.slice(before);
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
      await helper.load(NODE_MODULES, testFlow(emulator, [listNode]));
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
    });
  });
}
