// pvs-live over simulated time (sinon fake timers; the runtime, the emulator and the WebSocket are real): the
// firmware's 10-minute closes, stalled sockets, back-off for refused connections, and the send options.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { EmulatorOptions, PvsEmulator } from "../../../src/emulator/server";
import { LivePayload } from "../../../src/model/live";
import { PvsConfigNode } from "../../../src/node-red/types";
import { helper, settle } from "../../support/node-red";
import { FlowNode, NODE_MODULES, testFlow } from "../../support/flows";
import { fakeClock, LOAD_MOVING_AT } from "../../support/simulated-time";

type Msg = NodeMessage & { payload: LivePayload; source: string; at: number };

const statusTexts = (id: string) => (helper.getNode(id).status as unknown as sinon.SinonSpy).getCalls().map((c) => (c.args[0] as { fill?: string; text?: string }) ?? {});
const spyCount = (id: string, method: "warn" | "error") => (helper.getNode(id)[method] as unknown as sinon.SinonSpy).callCount;
const feedOf = () => (helper.getNode("cfg") as unknown as PvsConfigNode).pvs?.liveFeed() ?? null;
const writes = (e: PvsEmulator) => e.requests.filter((r) => r.command === "vars:set").length;

describe("pvs-live over simulated time", function () {
  this.timeout(60000);
  let emulator: PvsEmulator;
  let clock: sinon.SinonFakeTimers | null = null;

  const start = async (options: EmulatorOptions, node: Record<string, unknown>, now?: number) => {
    clock = now === undefined ? fakeClock() : sinon.useFakeTimers({ now, toFake: ["setTimeout", "clearTimeout", "Date"] });
    emulator = new PvsEmulator({ inverters: 4, localApi: true, telemetryEnabled: true, telemetryCloseEveryMs: 0, ...options });
    await emulator.start();
    const live: FlowNode = { id: "live", type: "pvs-live", server: "cfg", send: "update", interval: 10, ...node };
    await helper.load(NODE_MODULES, testFlow(emulator, [live]));
    const got: Msg[] = [];
    // The simulated time at which the node sends (delivery to the helper happens on real time, later).
    const liveNode = helper.getNode("live");
    const send = liveNode.send.bind(liveNode);
    liveNode.send = (m: unknown) => {
      got.push({ ...(m as Msg), at: Date.now() });
      send(m as NodeMessage);
    };
    return got;
  };

  /** Moves simulated time in steps, giving real I/O (HTTPS, WebSocket frames) its turn after each. */
  const drive = async (forMs: number, until: () => boolean = () => false, what?: string, stepMs = 500) => {
    const end = Date.now() + forMs;
    while (!until()) {
      if (Date.now() >= end) {
        if (what) throw new Error(`${what}: not within ${forMs / 1000} simulated seconds`);
        return;
      }
      await (clock as sinon.SinonFakeTimers).tickAsync(Math.min(stepMs, end - Date.now()));
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
    await drive(11 * 60_000, () => emulator.telemetryClients.accepted === 2, "the reconnect after the routine close");
    const reconnectedAt = Date.now();
    assert.ok(reconnectedAt - openedAt <= 10 * 60_000 + 4000, `reconnected ${(reconnectedAt - openedAt - 600_000) / 1000} s after the close`);
    // The first frame on the new socket comes over real I/O while simulated time runs on: waited for, not timed.
    await drive(60_000, () => got.some((m) => m.at > reconnectedAt && m.source === "WebSocket"), "frames again after the reconnect");
    await drive(20_000);
    assert.strictEqual(spyCount("live", "error"), 0);
    assert.strictEqual(spyCount("live", "warn"), 0);
    const around = statusTexts("live").filter((s) => /reconnect/.test(s.text ?? ""));
    assert.ok(around.length >= 1 && around.every((s) => s.fill === "green"), `a routine close is shown in green: ${JSON.stringify(around)}`);
    assert.ok(!statusTexts("live").some((s) => s.fill === "red" || s.fill === "yellow"));
    assert.ok(minGap(got) >= 1000, `never more than one message a second (closest ${minGap(got)} ms)`);
    assert.strictEqual(got.filter((m) => m.source === "livedata").length, 1, "the values read on reconnect are not sent again");
    assert.ok(
      got.filter((m) => m.at > reconnectedAt).some((m) => m.source === "WebSocket"),
      "frames again after the reconnect",
    );
  });

  it("a stalled socket (open, silent for 90 s) is closed and opened again; frames come back", async () => {
    const got = await start({}, {});
    await drive(10_000, () => feedOf()?.socketOpen === true && got.some((m) => m.source === "WebSocket"), "the socket");
    emulator.setTelemetryFault({ stall: true });
    const stalledAt = Date.now();
    await drive(85_000);
    assert.strictEqual(emulator.telemetryClients.accepted, 1, "quiet for 85 s is not yet stalled");
    await drive(15_000, () => emulator.telemetryClients.accepted === 2, "the reconnect of the stalled socket");
    assert.ok(Date.now() - stalledAt >= 90_000);
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
    assert.ok(got.length >= 5 && got.length < emulator.telemetryClients.frames, `${got.length} messages for ${emulator.telemetryClients.frames} frames`);
    for (let i = 1; i < got.length; i++) {
      const a = got[i - 1].payload;
      const b = got[i].payload;
      const moved = (["production_kw", "consumption_kw", "net_kw"] as const).some((f) => Math.abs((a[f] ?? 0) - (b[f] ?? 0)) >= 0.001);
      assert.ok(moved, `message ${i} changed by at least 1 W`);
    }
  });
});
