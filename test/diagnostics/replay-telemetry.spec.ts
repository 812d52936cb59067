// A replay's telemetry WebSocket over simulated time (sinon fake timers; the runtime, the emulator and the WebSocket
// are real): the recorded frames come round again in their rhythm, so pvs-live on a long replay keeps getting
// frames past the recording's span and never calls the socket stalled (90 s without a frame); a replay moved
// forward in time moves the frames' time and energy counters with it.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../src/emulator/server";
import { siteVariables } from "../../src/emulator/vars";
import { loopPeriodMs } from "../../src/emulator/telemetry";
import { Recording, RECORDING_FORMAT } from "../../src/model/recording";
import { LivePayload } from "../../src/model/live";
import { DEFAULT_STALL_MS } from "../../src/pvs/live/telemetry";
import { helper, sendsOf, settle } from "../support/node-red";
import { NODE_MODULES, testFlow } from "../support/flows";
import { fakeClock, onTheWire } from "../support/simulated-time";

type Msg = NodeMessage & { payload: LivePayload; source: string; at: number };

/**
 * A PVS6 LocalAPI recording of the emulator's site with three telemetry frames over 3 s, shaped as the real frame
 * in test/fixtures/corpus/sneelco__hass-addon-pvs-recorder/ws_example.json (`time` in epoch seconds, powers and
 * energy counters): all fields first, then only those that changed.
 */
function recording(): { recording: Recording; time: number; pvKw: number; pvKwh: number } {
  const site = new PvsEmulator({
    localApi: true,
    inverters: 3,
    longitude: -117,
    now: () => Date.UTC(2026, 5, 21, 19, 0, 0),
  });
  const vars = Object.fromEntries(siteVariables(site.site, site.site.snapshot()));
  const live = (field: string) => Number(vars[`/sys/livedata/${field}`]);
  const time = live("time");
  const first = Object.fromEntries(
    ["time", "pv_p", "pv_en", "net_p", "net_en", "site_load_p", "site_load_en"].map((f) => [f, live(f)]),
  );
  const telemetry = [
    { atMs: 0, frame: { notification: "power", params: first } },
    { atMs: 1000, frame: { notification: "power", params: { time: time + 1, pv_p: live("pv_p") + 0.01 } } },
    {
      atMs: 3000,
      frame: { notification: "power", params: { time: time + 3, site_load_p: live("site_load_p") + 0.02 } },
    },
  ];
  return {
    recording: { format: RECORDING_FORMAT, legacy: { "supervisor/info": site.site.supervisorInfo() }, vars, telemetry },
    time,
    pvKw: live("pv_p"),
    pvKwh: live("pv_en"),
  };
}

describe("replay: the telemetry frames in their recorded rhythm, over and over (pvs-live, simulated time)", function () {
  this.timeout(60000);
  let emulator: PvsEmulator | null = null;
  let clock: sinon.SinonFakeTimers | null = null;

  afterEach(async () => {
    clock?.restore();
    clock = null;
    await helper.unload();
    await emulator?.stop();
    emulator = null;
  });

  const drive = async (forMs: number) => {
    const end = Date.now() + forMs;
    while (Date.now() < end) {
      await (clock as sinon.SinonFakeTimers).tickAsync(
        Math.min(onTheWire(emulator as PvsEmulator) ? 100 : 500, end - Date.now()),
      );
      await settle(4);
    }
  };

  async function start(replayAdvanceRate: number): Promise<{ got: Msg[]; emu: PvsEmulator }> {
    clock = fakeClock(Date.UTC(2026, 11, 7, 12, 0, 0));
    const emu = new PvsEmulator({ replay: recording().recording, replayAdvanceRate });
    emulator = emu;
    await emu.start();
    await helper.load(
      NODE_MODULES,
      testFlow(emu, [{ id: "live", type: "pvs-live", server: "cfg", send: "update", interval: 10 }]),
    );
    const got: Msg[] = sendsOf<Msg>("live");
    return { got, emu };
  }

  const statuses = () =>
    (helper.getNode("live").status as unknown as sinon.SinonSpy)
      .getCalls()
      .map((c) => (c.args[0] as { fill?: string; text?: string }) ?? {});

  it("a round lasts the recording's span plus one mean gap (one frame alone: a second)", () => {
    assert.strictEqual(loopPeriodMs(recording().recording.telemetry ?? []), 4500);
    assert.strictEqual(loopPeriodMs([{ atMs: 0 }]), 1000);
    assert.strictEqual(loopPeriodMs([{ atMs: 0 }, { atMs: 0 }]), 1000, "no span: never a round of 0 ms");
  });

  it("advanced at real speed: frames keep coming for 5 minutes (the recording spans 3 s), never stalled, their time and counters moving on", async () => {
    const { time, pvKw, pvKwh } = recording();
    const { got, emu } = await start(1);
    await drive(5 * 60_000);
    const frames = got.filter((m) => m.source === "WebSocket");
    const openedAt = emu.upgrades[0]?.at;
    assert.ok(openedAt !== undefined, "the socket opened");
    assert.strictEqual(emu.telemetryClients.accepted, 1, "one connection the whole time: never closed as stalled");
    const period = loopPeriodMs(recording().recording.telemetry ?? []);
    const rounds = Math.floor((Date.now() - openedAt) / period);
    assert.ok(
      emu.telemetryClients.frames >= 3 * rounds,
      `every frame of every round sent (${emu.telemetryClients.frames} for ${rounds} rounds)`,
    );
    // No gap between two messages from the socket anywhere near the stall time, up to the end.
    const gaps = frames.slice(1).map((m, i) => m.at - frames[i].at);
    assert.ok(Math.max(...gaps) < 10_000, `largest gap ${Math.max(...gaps)} ms`);
    assert.ok(Date.now() - frames[frames.length - 1].at < 10_000, "still coming at the end");
    assert.ok(
      !statuses().some((s) => /stall/i.test(s.text ?? "") || s.fill === "red" || s.fill === "yellow"),
      JSON.stringify(statuses().filter((s) => s.fill !== "green")),
    );
    assert.strictEqual((helper.getNode("live").error as unknown as sinon.SinonSpy).callCount, 0);
    // The frames' time moved with the replayed site (real speed: as the clock), and the production counter by its
    // power.
    const last = frames[frames.length - 1];
    const movedS = Date.parse(last.payload.time) / 1000 - time;
    const elapsedS = (last.at - emu.upgrades[0].at) / 1000;
    assert.ok(Math.abs(movedS - elapsedS) <= 5, `frame time moved ${movedS} s in ${elapsedS} s`);
    assert.ok(
      Math.abs((last.payload.production_kwh as number) - (pvKwh + (pvKw * movedS) / 3600)) < 0.01,
      `production counter ${last.payload.production_kwh} kWh after ${movedS} s at ${pvKw} kW`,
    );
    assert.ok(DEFAULT_STALL_MS < 5 * 60_000, "the run outlasts the stall time");
  });

  it("frozen (no advance): the recorded frames still come round in their rhythm, as recorded", async () => {
    const { got, emu } = await start(0);
    await drive(3 * 60_000);
    const frames = got.filter((m) => m.source === "WebSocket");
    assert.strictEqual(emu.telemetryClients.accepted, 1, "never closed as stalled");
    const gaps = frames.slice(1).map((m, i) => m.at - frames[i].at);
    assert.ok(frames.length > 0 && Math.max(...gaps) < 10_000, `largest gap ${Math.max(...gaps)} ms`);
    assert.ok(Date.now() - frames[frames.length - 1].at < 10_000, "still coming at the end");
    assert.ok(!statuses().some((s) => /stall/i.test(s.text ?? "")));
  });
});
