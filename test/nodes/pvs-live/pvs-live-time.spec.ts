// pvs-live over simulated time (sinon fake timers; the runtime, the emulator and the WebSocket are real): the
// firmware's 10-minute closes, stalled sockets, back-off for refused connections, and the send options.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { EmulatorOptions, PvsEmulator } from "../../../src/emulator/server";
import { LivePayload } from "../../../src/model/live";
import { ENABLE_WAIT_MS } from "../../../src/pvs/live/feed";
import { PvsConfigNode } from "../../../src/node-red/types";
import { helper, sendsOf, settle } from "../../support/node-red";
import { FlowNode, NODE_MODULES, testFlow } from "../../support/flows";
import { fakeClock, LOAD_MOVING_AT, onTheWire, SITE_LONGITUDE } from "../../support/simulated-time";

type Msg = NodeMessage & { payload: LivePayload; source: string; at: number };

const statusTexts = (id: string) =>
  (helper.getNode(id).status as unknown as sinon.SinonSpy)
    .getCalls()
    .map((c) => (c.args[0] as { fill?: string; text?: string }) ?? {});
const spyCount = (id: string, method: "warn" | "error") =>
  (helper.getNode(id)[method] as unknown as sinon.SinonSpy).callCount;
const spyArgs = (id: string, method: "warn" | "error") =>
  (helper.getNode(id)[method] as unknown as sinon.SinonSpy).getCalls().map((c) => String(c.args[0]));
const feedOf = () => (helper.getNode("cfg") as unknown as PvsConfigNode).pvs?.liveFeed() ?? null;
const writes = (e: PvsEmulator) => e.requests.filter((r) => r.command === "vars:set").length;
/** A slow enable write: longer than the socket's reconnect wait (2 s ±20 %), shorter than the flows' 5 s time-out. */
const WRITE_TAKES_MS = 3000;
/** Where each enable write sits among the emulator's requests, and when it was received. */
const writeRecords = (e: PvsEmulator) =>
  e.requests.map((r, index) => ({ ...r, index })).filter((r) => r.command === "vars:set");

/**
 * The reconnect (upgrade `n`, from 1) was preceded by a write of its own: received after the previous upgrade,
 * answered before this one, as pypvs writes the switch before each connect.
 */
const assertWriteBefore = (e: PvsEmulator, n: number) => {
  const previous = e.upgrades[n - 1];
  const upgrade = e.upgrades[n];
  assert.ok(upgrade, `upgrade ${n} happened`);
  const own = writeRecords(e).filter((w) => w.index >= previous.afterRequests && w.index < upgrade.afterRequests);
  assert.strictEqual(
    own.length,
    1,
    `one write between upgrade ${n - 1} and upgrade ${n}: ${JSON.stringify(e.upgrades)}`,
  );
  assert.strictEqual(
    upgrade.writesAnswered,
    writeRecords(e).filter((w) => w.index < upgrade.afterRequests).length,
    "the write was answered before the upgrade request",
  );
};

describe("pvs-live over simulated time", function () {
  this.timeout(60000);
  let emulator: PvsEmulator;
  let clock: sinon.SinonFakeTimers | null = null;

  const start = async (options: EmulatorOptions, node: Record<string, unknown>, now?: number) => {
    clock = fakeClock(now);
    emulator = new PvsEmulator({
      inverters: 4,
      localApi: true,
      telemetryEnabled: true,
      telemetryCloseEveryMs: 0,
      longitude: SITE_LONGITUDE,
      ...options,
    });
    await emulator.start();
    const live: FlowNode = { id: "live", type: "pvs-live", server: "cfg", send: "update", interval: 10, ...node };
    await helper.load(NODE_MODULES, testFlow(emulator, [live]));
    return sendsOf<Msg>("live");
  };

  /** Moves simulated time in steps, giving real I/O (HTTPS, WebSocket frames) its turn after each. */
  const drive = async (forMs: number, until: () => boolean = () => false, what?: string, stepMs = 500) => {
    const end = Date.now() + forMs;
    while (!until()) {
      if (Date.now() >= end) {
        if (what) throw new Error(`${what}: not within ${forMs / 1000} simulated seconds`);
        return;
      }
      // While a request is on the wire, small steps: its answer comes over real I/O before its time-out runs out.
      await (clock as sinon.SinonFakeTimers).tickAsync(Math.min(onTheWire(emulator) ? 100 : stepMs, end - Date.now()));
      await settle(4);
    }
  };

  afterEach(async () => {
    clock?.restore();
    clock = null;
    await helper.unload();
    await emulator.stop();
  });

  const minGap = (msgs: Msg[]) => Math.min(...msgs.slice(1).map((m, i) => m.at - msgs[i].at));

  it("the firmware's 10-minute close: reconnects within seconds, no error, no warning, no burst", async () => {
    const got = await start({ telemetryCloseEveryMs: 10 * 60_000 }, {});
    await drive(10_000, () => feedOf()?.socketOpen === true && got.some((m) => m.source === "WebSocket"), "the socket");
    const openedAt = Date.now();
    // The write takes longer than the reconnect's wait (2 s ±20 %): the reconnect must wait for its answer. The
    // bound below adds the wait, the write, and 2 s for a new login (the session expired) and the drive's steps.
    emulator.setFault({ kind: "delay", ms: WRITE_TAKES_MS, commands: ["vars:set"] });
    await drive(11 * 60_000, () => emulator.telemetryClients.accepted === 2, "the reconnect after the routine close");
    const reconnectedAt = Date.now();
    assert.ok(
      reconnectedAt - openedAt <= 10 * 60_000 + 2400 + WRITE_TAKES_MS + 2000,
      `reconnected ${(reconnectedAt - openedAt - 600_000) / 1000} s after the close`,
    );
    assert.strictEqual(emulator.upgrades.length, 2);
    assert.strictEqual(emulator.upgrades[0].writesAnswered, 1, "the switch was on before the first connect");
    assertWriteBefore(emulator, 1);
    assert.ok(writeRecords(emulator)[1].startedAt >= openedAt + 10 * 60_000, "written after the close, not before");
    // The first frame on the new socket comes over real I/O while simulated time runs on: waited for, not timed.
    await drive(
      60_000,
      () => got.some((m) => m.at > reconnectedAt && m.source === "WebSocket"),
      "frames again after the reconnect",
    );
    await drive(20_000);
    assert.strictEqual(writes(emulator), 2, "one write per reconnect");
    assert.strictEqual(spyCount("live", "error"), 0);
    assert.strictEqual(spyCount("live", "warn"), 0, `warnings: ${JSON.stringify(spyArgs("live", "warn"))}`);
    const around = statusTexts("live").filter((s) => /reconnect/.test(s.text ?? ""));
    assert.ok(
      around.length >= 1 && around.every((s) => s.fill === "green"),
      `a routine close is shown in green: ${JSON.stringify(around)}`,
    );
    assert.ok(!statusTexts("live").some((s) => s.fill === "red" || s.fill === "yellow"));
    assert.ok(minGap(got) >= 1000, `never more than one message a second (closest ${minGap(got)} ms)`);
    assert.strictEqual(
      got.filter((m) => m.source === "livedata").length,
      1,
      "the values read on reconnect are not sent again",
    );
    assert.ok(
      got.filter((m) => m.at > reconnectedAt).some((m) => m.source === "WebSocket"),
      "frames again after the reconnect",
    );
  });

  it("a stalled socket (open, silent for 90 s) is closed and opened again; frames come back", async () => {
    const got = await start({}, {});
    await drive(10_000, () => feedOf()?.socketOpen === true && got.some((m) => m.source === "WebSocket"), "the socket");
    emulator.setTelemetryFault({ stall: true });
    emulator.setFault({ kind: "delay", ms: WRITE_TAKES_MS, commands: ["vars:set"] });
    const stalledAt = Date.now();
    await drive(85_000);
    assert.strictEqual(emulator.telemetryClients.accepted, 1, "quiet for 85 s is not yet stalled");
    await drive(15_000, () => emulator.telemetryClients.accepted === 2, "the reconnect of the stalled socket");
    assert.ok(Date.now() - stalledAt >= 90_000);
    assertWriteBefore(emulator, 1);
    assert.ok(writeRecords(emulator)[1].startedAt >= stalledAt + 90_000, "written after the stall was noticed");
    assert.ok(
      statusTexts("live").some((s) => s.fill === "yellow" && /status\.stalled/.test(s.text ?? "")),
      "the status says stalled",
    );
    assert.strictEqual(emulator.telemetryClients.open, 1, "the stalled connection was closed");
    emulator.setTelemetryFault({ stall: false });
    const before = got.length;
    await drive(5_000, () => got.slice(before).some((m) => m.source === "WebSocket"), "frames after the stall");
    assert.strictEqual(spyCount("live", "error"), 0);
  });

  it("closes more often than the rate limit: a write before a reconnect at most once a minute, each answered before its upgrade", async () => {
    // The socket closes 20 s after each open (a failing firmware): reconnects every ~22 s and more slowly after.
    await start({ telemetryCloseEveryMs: 20_000 }, {});
    await drive(10_000, () => feedOf()?.socketOpen === true, "the socket");
    emulator.setFault({ kind: "delay", ms: WRITE_TAKES_MS, commands: ["vars:set"] });
    await drive(5 * 60_000);
    const reconnects = emulator.upgrades.length - 1;
    const written = writeRecords(emulator);
    assert.ok(reconnects >= 8, `${reconnects} reconnects`);
    assert.ok(written.length >= 3 && written.length <= 6, `${written.length} writes for ${reconnects} reconnects`);
    const gaps = written.slice(1).map((w, i) => w.startedAt - written[i].startedAt);
    assert.ok(
      gaps.every((g) => g >= 60_000),
      `at most one write a minute: ${gaps.join(", ")} ms`,
    );
    // A write can fall at the end of the 5 minutes, its reconnect still to come: let that one happen.
    const last = written[written.length - 1];
    await drive(
      15_000,
      () => emulator.upgrades.some((u) => u.afterRequests > last.index),
      "the reconnect after the last write",
    );
    // Each write after the first was the step before some reconnect, and that reconnect waited for its answer.
    for (const w of written.slice(1)) {
      const next = emulator.upgrades.find((u) => u.afterRequests > w.index);
      assert.ok(next, `an upgrade followed the write at request ${w.index}`);
      assert.ok(
        next.writesAnswered >= written.filter((x) => x.index <= w.index).length,
        `the write at request ${w.index} was answered before the next upgrade`,
      );
    }
  });

  it("a write that gets no answer does not keep the socket closed: the reconnect goes ahead after the request's time-out", async () => {
    await start({ telemetryCloseEveryMs: 10 * 60_000 }, {});
    await drive(10_000, () => feedOf()?.socketOpen === true, "the socket");
    const openedAt = Date.now();
    emulator.setFault({ kind: "hang", commands: ["vars:set"] });
    await drive(11 * 60_000, () => emulator.telemetryClients.accepted === 2, "the reconnect despite the hanging write");
    const late = Date.now() - openedAt - 10 * 60_000;
    assert.strictEqual(writes(emulator), 2, "the write was sent");
    // The client gave up on it (its time-out, 5 s in the test flows) and reconnected then; never later than
    // ENABLE_WAIT_MS.
    assert.strictEqual(emulator.upgrades[1].writesAnswered, 2, "the write had failed when the socket reconnected");
    assert.ok(late >= 5_000 && late <= 2400 + ENABLE_WAIT_MS + 2000, `reconnected ${late / 1000} s after the close`);
    assert.ok(spyCount("live", "warn") >= 1, "the failed write is a warning");
    assert.strictEqual(spyCount("live", "error"), 0);
  });

  it("refused connections: three fast retries, then back-off up to minutes with jitter, one write per 10 minutes", async () => {
    const got = await start({}, {});
    emulator.setTelemetryFault({ refuse: true });
    const attempts: number[] = [];
    let seen = 0;
    const t0 = Date.now();
    await drive(
      150_000,
      () => {
        const n = emulator.telemetryClients.refused;
        while (seen < n) {
          attempts.push(Date.now() - t0);
          seen++;
        }
        return false;
      },
      undefined,
      250,
    );
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
    assert.ok(attempts.length >= 6 && attempts.length <= 14, `attempts at ${attempts.join(", ")} ms`);
    assert.ok(
      gaps.slice(0, 3).every((g) => g <= 2400 + 500),
      `fast retries first: ${gaps.join(", ")}`,
    );
    assert.ok(
      gaps.slice(-3).every((g) => g >= 10_000),
      `then backing off: ${gaps.join(", ")}`,
    );
    assert.strictEqual(writes(emulator), 1, "enabled once, not on every refusal");
    assert.ok(statusTexts("live").some((s) => s.fill === "yellow" && /status\.socketFailed/.test(s.text ?? "")));
    assert.ok(got.length >= 1, "the values read at the start were sent");
    emulator.setTelemetryFault({ refuse: false });
    await drive(6 * 60_000, () => feedOf()?.socketOpen === true, "the socket after the PVS accepts again");
  });

  it("'at most every N s' sends the latest values no more often than that", async () => {
    const got = await start({}, { send: "interval", every: 5 }, LOAD_MOVING_AT);
    // Counted from the open socket: the login, the write and the connect run on real I/O while simulated time
    // moves on, so the first frames can come some simulated seconds after the deploy.
    await drive(10_000, () => feedOf()?.socketOpen === true && got.some((m) => m.source === "WebSocket"), "the socket");
    const from = Date.now();
    await drive(60_000);
    const inWindow = got.filter((m) => m.at > from);
    assert.ok(inWindow.length >= 10 && inWindow.length <= 13, `${inWindow.length} messages in 60 s`);
    assert.ok(minGap(got) >= 5000, `closest ${minGap(got)} ms`);
  });

  it("'on change' sends only when a power moved by the threshold", async () => {
    const quiet = await start({}, { send: "change", threshold: 1_000_000 }, LOAD_MOVING_AT);
    await drive(10_000, () => feedOf()?.socketOpen === true && emulator.telemetryClients.frames >= 1, "the socket");
    const framesBefore = emulator.telemetryClients.frames;
    await drive(30_000);
    assert.strictEqual(quiet.length, 1, "the first values, then nothing moved by a megawatt");
    const frames = emulator.telemetryClients.frames - framesBefore;
    assert.ok(frames >= 20, `while frames kept coming: ${frames} in 30 s`);
  });

  it("'on change' with a small threshold follows the load", async () => {
    const got = await start({}, { send: "change", threshold: 1 }, LOAD_MOVING_AT);
    await drive(30_000);
    // The emulated load moves about 0.25 W a second: a message every few seconds, not every frame.
    assert.ok(
      got.length >= 5 && got.length < emulator.telemetryClients.frames,
      `${got.length} messages for ${emulator.telemetryClients.frames} frames`,
    );
    for (let i = 1; i < got.length; i++) {
      const a = got[i - 1].payload;
      const b = got[i].payload;
      const moved = (["production_kw", "consumption_kw", "net_kw"] as const).some(
        (f) => Math.abs((a[f] ?? 0) - (b[f] ?? 0)) >= 0.001,
      );
      assert.ok(moved, `message ${i} changed by at least 1 W`);
    }
  });
});
