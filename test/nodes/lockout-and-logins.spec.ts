// Lock-outs and logins in the real runtime on a fake clock, counted at the emulator: a legacy 403 lock-out holds the
// PVS for its whole wait although the look at the firmware succeeds, and across a restart where a context store keeps
// it; a LocalAPI that rejects every session gets logins spaced by a back-off, not five in 40 s; one that answers empty
// now and then gets a re-login per back-off, not one per poll.
import assert from "assert";
import { cpSync, mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import path from "path";
import sinon from "sinon";
import { PvsEmulator } from "../../src/emulator/server";
import { dropLiveSiteMemories } from "../../src/node-red/site-memory-store";
import { helper } from "../support/node-red";
import { advance, fakeClock, onTheWire } from "../support/simulated-time";
import { NODE_MODULES, testFlow } from "../support/flows";
import { localApiProxy } from "../pvs/localapi-proxy";

type Runtime = { _redNodes: { loadContextsPlugin(): Promise<void>; closeContextsPlugin(): Promise<void> } };
const runtime = helper as unknown as Runtime;

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
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 10 }], { minSpacing: 1 }),
    );
    await advance(clock, emulator, {
      forMs: 30_000,
      until: () => emulator.count("DeviceList") >= 1,
      what: "a first DeviceList",
    });
    emulator.setFault({ kind: "status", status: 403, commands: ["DeviceList"] });
    await advance(clock, emulator, {
      forMs: 30_000,
      until: () => emulator.count("DeviceList") >= 2,
      what: "the DeviceList that gets 403",
    });
    const forbiddenAt = emulator.requests.filter((r) => r.command === "DeviceList").at(-1)?.finishedAt as number;
    emulator.setFault(null);
    await advance(clock, emulator, {
      forMs: 3 * 60_000,
      until: () => emulator.count("DeviceList") >= 3,
      what: "the DeviceList after the lock-out",
    });
    const lookedAt = emulator.requests.filter((r) => r.command === "supervisor/info" && r.startedAt > forbiddenAt);
    assert.strictEqual(lookedAt.length, 1, "one look at the firmware after the 403");
    const next = emulator.requests.filter((r) => r.command === "DeviceList").at(-1)?.startedAt as number;
    // The lock-out back-off starts at 1 minute (±10 %); the node polls every 10 s.
    assert.ok(next - forbiddenAt >= 54_000, `the next DeviceList went ${(next - forbiddenAt) / 1000} s after the 403`);
  });

  it("a 403 lock-out outlives a crash and restart (file context store): no DeviceList before its wait ends", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pvs-lockout-"));
    const saved = mkdtempSync(path.join(tmpdir(), "pvs-lockout-saved-"));
    try {
      await start(false);
      const settings = {
        contextStorage: { default: { module: "localfilesystem", config: { dir, flushInterval: 0 } } },
      };
      helper.settings(settings);
      const withFileStore = [() => runtime._redNodes.loadContextsPlugin(), ...NODE_MODULES];
      // No DeviceList ration: only the lock-out can hold the DeviceList after the restart.
      const flow = () =>
        testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 10 }], { minSpacing: 1 });
      await helper.load(withFileStore, flow());
      await advance(clock, emulator, {
        forMs: 30_000,
        until: () => emulator.count("DeviceList") >= 1,
        what: "a first DeviceList",
      });
      emulator.setFault({ kind: "status", status: 403, commands: ["DeviceList"] });
      await advance(clock, emulator, {
        forMs: 30_000,
        until: () => emulator.count("DeviceList") >= 2,
        what: "the DeviceList that gets 403",
      });
      const forbiddenAt = emulator.requests.filter((r) => r.command === "DeviceList").at(-1)?.finishedAt as number;
      emulator.setFault(null);
      await advance(clock, emulator, {
        forMs: 10_000,
        until: () => emulator.count("supervisor/info") >= 2 && !onTheWire(emulator),
        what: "the look at the firmware",
      });
      await advance(clock, emulator, { forMs: 2_000 });

      // A crash: no close handler runs. The store holds what was set on each change (flushed as flushInterval would).
      await runtime._redNodes.closeContextsPlugin();
      cpSync(dir, saved, { recursive: true });
      const restartAt = Date.now();
      clock.restore();
      await helper.unload();
      dropLiveSiteMemories();
      rmSync(dir, { recursive: true, force: true });
      cpSync(saved, dir, { recursive: true });
      const detections = emulator.count("supervisor/info");

      clock = fakeClock(restartAt);
      await helper.load(withFileStore, flow());
      await advance(clock, emulator, {
        forMs: 3 * 60_000,
        until: () => emulator.count("DeviceList") >= 3,
        what: "the DeviceList after the lock-out",
      });
      const next = emulator.requests.filter((r) => r.command === "DeviceList").at(-1)?.startedAt as number;
      // The lock-out back-off starts at 1 minute (±10 %); the restarted node polls at once and every 10 s.
      assert.ok(
        next - forbiddenAt >= 54_000,
        `the first DeviceList after the restart went ${(next - forbiddenAt) / 1000} s after the 403`,
      );
      assert.strictEqual(emulator.count("supervisor/info"), detections, "the restart did not detect again");
    } finally {
      helper.settings({});
      rmSync(dir, { recursive: true, force: true });
      rmSync(saved, { recursive: true, force: true });
    }
  });

  it("a LocalAPI listing no devices: its polls spaced by a growing back-off, not one every 10 s", async () => {
    await start(true);
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 10 }], { minSpacing: 1 }),
    );
    await advance(clock, emulator, {
      forMs: 30_000,
      until: () => emulator.count("vars") >= 3 && !onTheWire(emulator),
      what: "a first LocalAPI poll",
    });
    emulator.setFault({ kind: "devices", change: "empty" });
    const from = Date.now();
    await advance(clock, emulator, { forMs: 2 * 60_000 });
    // The polls that read the devices: a poll's reads come a second apart (the empty cache is filled again).
    const reads = emulator.requests
      .filter((r) => r.command === "vars" && (r.query ?? "").includes("cache=nrpvsdev") && r.startedAt >= from)
      .map((r) => r.startedAt);
    const polls = reads.filter((t, i) => i === 0 || t - reads[i - 1] > 3_000);
    const gaps = polls.slice(1).map((t, i) => t - polls[i]);
    // Before: every 10 s poll read the devices (13 in 2 min), as each answered read ended the back-off's streak.
    // Now: 5, 10, 20, 40 s (±10 %) after each empty list, on the poll's 10 s beat.
    assert.ok(
      polls.length >= 3 && polls.length <= 6,
      `${polls.length} polls read the devices in 2 min (gaps ${gaps.join(", ")} ms)`,
    );
    assert.ok((gaps.at(-1) as number) >= 36_000, `the back-off grew (gaps ${gaps.join(", ")} ms)`);
  });

  it("a LocalAPI rejecting every session: logins spaced by a back-off (30 s, doubling)", async () => {
    await start(true);
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 10 }], { minSpacing: 1 }),
    );
    await advance(clock, emulator, {
      forMs: 30_000,
      until: () => emulator.count("vars") >= 3,
      what: "a first LocalAPI poll",
    });
    emulator.setFault({ kind: "status", status: 401, commands: ["vars"] });
    emulator.expireSessions();
    const from = Date.now();
    await advance(clock, emulator, { forMs: 5 * 60_000 });
    const logins = emulator.requests
      .filter((r) => r.command === "auth:login" && r.startedAt >= from)
      .map((r) => r.startedAt);
    // Before: 5 logins in about 40 s. Now: one re-login of the ended session, then 30 s, 60 s, 120 s… apart.
    assert.ok(logins.length >= 2 && logins.length <= 5, `${logins.length} logins in 5 min`);
    for (let i = 2; i < logins.length; i++)
      assert.ok(
        logins[i] - logins[i - 1] >= 27_000,
        `login ${i + 1} came ${(logins[i] - logins[i - 1]) / 1000} s after the one before`,
      );
    assert.ok(logins.filter((t) => t - from < 40_000).length <= 2, "not five in 40 s");
  });

  it("a LocalAPI answering an empty 200 to every fourth read: a re-login per login back-off, not one per poll", async () => {
    await start(true);
    // An HTTPS server in front of the emulator's LocalAPI answers every fourth `/vars` read with an empty 200.
    const proxy = await localApiProxy(emulator.httpsPort, {
      read: (n) => (n % 4 === 0 ? { status: 200, body: "" } : null),
    });
    try {
      await helper.load(
        NODE_MODULES,
        testFlow(
          { port: emulator.port, httpsPort: proxy.port },
          [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 10 }],
          { minSpacing: 1 },
        ),
      );
      await advance(clock, emulator, { forMs: 60_000 });
      const logins = emulator.count("auth:login");
      // Before: 7 logins in six polls, none logged out. Now: the first, one re-login, one more 30 s later.
      // Six polls: devices and live each (the supervisor figures are read at most every 30 minutes).
      assert.ok(proxy.reads >= 11, `the node kept polling (${proxy.reads} reads)`);
      assert.ok(logins >= 2 && logins <= 3, `${logins} logins in 60 s`);
      assert.strictEqual(emulator.count("auth:logout"), logins - 1, "each session given up on was logged out");
      assert.ok(emulator.openSessions <= 1, `${emulator.openSessions} sessions left open on the PVS`);
    } finally {
      await helper.unload();
      await proxy.stop();
    }
  });
});
