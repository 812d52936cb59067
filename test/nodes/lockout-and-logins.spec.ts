// Issue 19 in the real runtime on a fake clock, counted at the emulator: a legacy 403 lock-out holds the PVS for
// its whole wait although the look at the firmware succeeds, and a LocalAPI that rejects every session gets
// logins spaced by a back-off, not five in 40 s.
import assert from "assert";
import sinon from "sinon";
import { PvsEmulator } from "../../src/emulator/server";
import { helper } from "../support/node-red";
import { advance, fakeClock } from "../support/simulated-time";
import { NODE_MODULES, testFlow } from "../support/flows";

describe("lock-outs and rejected sessions (real runtime, fake clock)", function () {
  this.timeout(30000);
  let emulator: PvsEmulator;
  let clock: sinon.SinonFakeTimers;
  afterEach(async () => {
    clock.restore();
    await helper.unload();
    await emulator.stop();
  });

  async function start(localApi: boolean) {
    emulator = new PvsEmulator({ inverters: 3, localApi });
    await emulator.start();
    clock = fakeClock();
  }

  it("a legacy 403: no DeviceList before the lock-out wait, although supervisor/info answers meanwhile", async () => {
    await start(false);
    await helper.load(NODE_MODULES, testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 10 }], { minSpacing: 1 }));
    await advance(clock, emulator, { forMs: 30_000, until: () => emulator.count("DeviceList") >= 1, what: "a first DeviceList" });
    emulator.setFault({ kind: "status", status: 403, commands: ["DeviceList"] });
    await advance(clock, emulator, { forMs: 30_000, until: () => emulator.count("DeviceList") >= 2, what: "the DeviceList that gets 403" });
    const forbiddenAt = emulator.requests.filter((r) => r.command === "DeviceList").at(-1)?.finishedAt as number;
    emulator.setFault(null);
    await advance(clock, emulator, { forMs: 3 * 60_000, until: () => emulator.count("DeviceList") >= 3, what: "the DeviceList after the lock-out" });
    const lookedAt = emulator.requests.filter((r) => r.command === "supervisor/info" && r.startedAt > forbiddenAt);
    assert.strictEqual(lookedAt.length, 1, "one look at the firmware after the 403");
    const next = emulator.requests.filter((r) => r.command === "DeviceList").at(-1)?.startedAt as number;
    // The lock-out back-off starts at 1 minute (±10 %); the node polls every 10 s.
    assert.ok(next - forbiddenAt >= 54_000, `the next DeviceList went ${(next - forbiddenAt) / 1000} s after the 403`);
  });

  it("a LocalAPI rejecting every session: logins spaced by a back-off (30 s, doubling)", async () => {
    await start(true);
    await helper.load(NODE_MODULES, testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 10 }], { minSpacing: 1 }));
    await advance(clock, emulator, { forMs: 30_000, until: () => emulator.count("vars") >= 3, what: "a first LocalAPI poll" });
    emulator.setFault({ kind: "status", status: 401, commands: ["vars"] });
    emulator.expireSessions();
    const from = Date.now();
    await advance(clock, emulator, { forMs: 5 * 60_000 });
    const logins = emulator.requests.filter((r) => r.command === "auth:login" && r.startedAt >= from).map((r) => r.startedAt);
    // Before: 5 logins in about 40 s. Now: one re-login of the ended session, then 30 s, 60 s, 120 s… apart.
    assert.ok(logins.length >= 2 && logins.length <= 5, `${logins.length} logins in 5 min`);
    for (let i = 2; i < logins.length; i++) assert.ok(logins[i] - logins[i - 1] >= 27_000, `login ${i + 1} came ${(logins[i] - logins[i - 1]) / 1000} s after the one before`);
    assert.ok(logins.filter((t) => t - from < 40_000).length <= 2, "not five in 40 s");
  });
});
