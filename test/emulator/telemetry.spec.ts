// The emulator's PVS6 telemetry WebSocket, with a plain ws client: off until enabled, frames of changed fields,
// the routine close, stall and refusal, and none on a PVS5.
import assert from "assert";
import sinon from "sinon";
import WebSocket from "ws";
import { DEFAULT_SERIAL, EmulatorOptions, PvsEmulator } from "../../src/emulator/server";
import { settle } from "../support/node-red";
import { login, vars } from "./request";

interface Frame {
  notification: string;
  params: Record<string, number>;
}

/** Connects; resolves with the socket and the frames it receives, or rejects when the connection fails. */
function connect(port: number): Promise<{ ws: WebSocket; frames: Frame[]; closed: () => number | null }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const frames: Frame[] = [];
    let code: number | null = null;
    ws.on("message", (data) => frames.push(JSON.parse(String(data)) as Frame));
    ws.on("close", (c) => (code = c));
    ws.once("open", () => resolve({ ws, frames, closed: () => code }));
    ws.once("error", reject);
  });
}

describe("emulator telemetry WebSocket", function () {
  this.timeout(10000);
  const running: PvsEmulator[] = [];
  let clock: sinon.SinonFakeTimers | null = null;
  const start = async (options: EmulatorOptions = {}) => {
    const emulator = new PvsEmulator({ localApi: true, inverters: 2, ...options });
    running.push(emulator);
    await emulator.start();
    return emulator;
  };
  afterEach(async () => {
    clock?.restore();
    clock = null;
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });

  it("is closed until /sys/telemetryws/enable=1 is written, then sends every field, then only what changed", async () => {
    const emulator = await start();
    await assert.rejects(connect(emulator.telemetryPort), "off on a fresh PVS");
    const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
    assert.strictEqual((await vars(emulator.httpsUrl, "set=/sys/telemetryws/enable=1", cookie)).status, 200);
    const { ws, frames } = await connect(emulator.telemetryPort);
    const end = Date.now() + 4000;
    while (frames.length < 3 && Date.now() < end) await settle(50);
    ws.close();
    assert.ok(frames.length >= 2, `${frames.length} frames`);
    assert.strictEqual(frames[0].notification, "power");
    // A PV-only unit's frame has no storage fields (sneelco/hass-addon-pvs-recorder ws_example.json).
    assert.deepStrictEqual(Object.keys(frames[0].params).sort(), [
      "net_en",
      "net_p",
      "pv_en",
      "pv_p",
      "site_load_en",
      "site_load_p",
      "time",
    ]);
    assert.ok(
      Object.values(frames[0].params).every((v) => typeof v === "number"),
      "numbers, as the PVS sends them",
    );
    // Later frames: the time, and only fields whose value differs from the one last sent.
    const last = new Map(Object.entries(frames[0].params));
    for (const f of frames.slice(1)) {
      assert.ok("time" in f.params, "later frames have the time");
      for (const [field, value] of Object.entries(f.params)) {
        assert.ok(last.has(field), `${field} was in the first frame`);
        if (field !== "time") assert.notStrictEqual(value, last.get(field), `${field} changed`);
        last.set(field, value);
      }
    }
  });

  it("a SunVault site's first frame also has the battery fields (pypvs doc/LocalAPI.md livedata: soc, ess_p)", async () => {
    const emulator = await start({ storage: true, telemetryEnabled: true });
    const { ws, frames } = await connect(emulator.telemetryPort);
    const end = Date.now() + 4000;
    while (frames.length < 1 && Date.now() < end) await settle(50);
    ws.close();
    for (const field of ["ess_p", "ess_en", "soc", "backupTimeRemaining", "midstate"])
      assert.strictEqual(typeof frames[0]?.params[field], "number", field);
  });

  it("a PVS5 has no WebSocket: the write answers 400 and the port stays closed", async () => {
    const emulator = await start({ model: "PVS5" });
    const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
    assert.strictEqual((await vars(emulator.httpsUrl, "set=/sys/telemetryws/enable=1", cookie)).status, 400);
    await assert.rejects(connect(emulator.telemetryPort));
  });

  it("closes each connection after 10 minutes, and stalls or refuses on demand", async () => {
    const emulator = await start({ telemetryEnabled: true });
    clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["setTimeout", "clearTimeout", "Date"] });
    const a = await connect(emulator.telemetryPort);
    await clock.tickAsync(9 * 60_000);
    await settle(20);
    assert.strictEqual(a.closed(), null);
    await clock.tickAsync(60_000);
    await settle(50);
    assert.strictEqual(a.closed(), 1000, "closed by the PVS after 10 minutes");

    emulator.setTelemetryFault({ stall: true });
    const b = await connect(emulator.telemetryPort);
    const before = b.frames.length;
    await clock.tickAsync(5000);
    await settle(20);
    assert.strictEqual(b.frames.length, before, "open and silent");
    assert.strictEqual(emulator.telemetryClients.open, 1);
    b.ws.terminate();

    emulator.setTelemetryFault({ stall: false, refuse: true });
    await assert.rejects(connect(emulator.telemetryPort));
    assert.ok(emulator.telemetryClients.refused >= 1);
  });
});
