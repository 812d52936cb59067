// The emulator where it answered as no real unit does: the dl_cgi paths new firmware still serves (pypvs
// doc/dl_cgi.md), the telemetry port closed until enabled, a replay's serial read, a frozen replay's telemetry.
import assert from "assert";
import net from "net";
import WebSocket from "ws";
import { DEFAULT_SERIAL, EmulatorOptions, PvsEmulator } from "../../src/emulator/server";
import { Recording, RECORDING_FORMAT } from "../../src/model/recording";
import { until } from "../support/wait";
import { byName, login, request, vars } from "./request";

const DL = "/cgi-bin/dl_cgi";
const LOCKED = { status: 403, error: "Unauthorized", path: "" };

/** How a TCP connect to `port` ends: "connected", or the error code (ECONNREFUSED for a closed port). */
function tcpConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe("emulator dl_cgi paths, telemetry port and replay identity", function () {
  this.timeout(15000);
  const running: PvsEmulator[] = [];
  const start = async (options: EmulatorOptions = {}) => {
    const emulator = new PvsEmulator({ inverters: 2, ...options });
    running.push(emulator);
    await emulator.start();
    return emulator;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });

  it("new firmware: supervisor/info and communication/interfaces open, the other three only with a session", async () => {
    const emulator = await start({ localApi: true });
    const info = await request(`${emulator.httpsUrl}${DL}/supervisor/info`);
    assert.strictEqual(info.status, 200);
    const comm = await request(`${emulator.httpsUrl}${DL}/communication/interfaces`);
    assert.strictEqual(comm.status, 200);
    const body = comm.json as { result: string; networkstatus: { interfaces: Array<{ interface: string }> } };
    assert.strictEqual(body.result, "succeed");
    assert.deepStrictEqual(
      body.networkstatus.interfaces.map((i) => i.interface),
      ["wan", "plc", "sta0", "cell"],
    );
    for (const p of ["devices/list", "network/interfaces", "network/powerProduction"]) {
      const open = await request(`${emulator.httpsUrl}${DL}/${p}`);
      assert.deepStrictEqual([open.status, open.json], [403, LOCKED], p);
      const stale = await request(`${emulator.httpsUrl}${DL}/${p}`, { headers: { Cookie: "session=nonsense" } });
      assert.strictEqual(stale.status, 403, `${p} with a session the PVS does not know`);
    }
    const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
    const get = (p: string) => request(`${emulator.httpsUrl}${DL}/${p}`, { headers: { Cookie: cookie } });
    const devices = await get("devices/list");
    assert.strictEqual(devices.status, 200);
    const list = devices.json as Array<Record<string, unknown>>;
    assert.ok(Array.isArray(list), "a bare array of DeviceDetail (the PVS6 swagger's getDevices)");
    assert.deepStrictEqual(
      list.map((d) => d.DEVICE_TYPE),
      ["PVS", "Power Meter", "Power Meter", "Inverter", "Inverter"],
    );
    const network = await get("network/interfaces");
    assert.deepStrictEqual(
      (network.json as Array<{ interface: string; alias: string }>).map((i) => i.interface),
      ["wan", "plc", "sta0", "cell"],
    );
    assert.ok((network.json as Array<{ alias: unknown }>).every((i) => typeof i.alias === "string"));
    assert.deepStrictEqual((await get("network/powerProduction")).json, { powerProduction: "On", result: "succeed" });
    // The legacy command stays locked even with a session, and an unknown path stays 404.
    assert.strictEqual(
      (await request(`${emulator.httpsUrl}${DL}?Command=DeviceList`, { headers: { Cookie: cookie } })).status,
      403,
    );
    assert.strictEqual((await get("devices/nothing")).status, 404);
  });

  it("old firmware serves the same paths without a login", async () => {
    const emulator = await start({ storage: true });
    const devices = await request(`${emulator.url}${DL}/devices/list`);
    assert.strictEqual(devices.status, 200);
    assert.ok((devices.json as unknown[]).length >= 10, "the SunVault parts too");
    for (const p of ["communication/interfaces", "network/interfaces", "network/powerProduction"])
      assert.strictEqual((await request(`${emulator.url}${DL}/${p}`)).status, 200, p);
  });

  it("the telemetry port refuses connections (not listening) until enabled, and on a PVS5", async () => {
    const emulator = await start({ localApi: true });
    assert.strictEqual(await tcpConnect(emulator.telemetryPort), "ECONNREFUSED");
    assert.strictEqual(emulator.telemetryClients.refused, 0, "nothing was accepted to be dropped");
    const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
    assert.strictEqual((await vars(emulator.httpsUrl, "set=/sys/telemetryws/enable=1", cookie)).status, 200);
    assert.strictEqual(await tcpConnect(emulator.telemetryPort), "connected");
    emulator.setLocalApi(false);
    assert.strictEqual(await tcpConnect(emulator.telemetryPort), "ECONNREFUSED", "closed again by a firmware change");

    const pvs5 = await start({ localApi: true, model: "PVS5" });
    const c5 = await login(pvs5.httpsUrl, DEFAULT_SERIAL);
    assert.strictEqual((await vars(pvs5.httpsUrl, "set=/sys/telemetryws/enable=1", c5)).status, 400);
    assert.strictEqual(await tcpConnect(pvs5.telemetryPort), "ECONNREFUSED");
  });

  it("a replay without /sys/info/serialnum answers the serial its supervisor/info names, without a login", async () => {
    const serial = "ZT214285000549A0621";
    const replay: Recording = {
      format: RECORDING_FORMAT,
      legacy: { "supervisor/info": { result: "succeed", supervisor: { SERIAL: serial, MODEL: "PVS6", BUILD: 61846 } } },
      vars: { "/sys/info/sw_rev": "2025.10.20.61846", "/sys/livedata/pv_p": "1.5", "/sys/livedata/time": "1783955665" },
    };
    const emulator = await start({ replay });
    const reply = await vars(emulator.httpsUrl, "name=/sys/info/serialnum", null);
    assert.strictEqual(reply.status, 200);
    assert.strictEqual(byName(reply).get("/sys/info/serialnum"), serial);
    await login(emulator.httpsUrl, serial);
    // The documented open paths stay open on a LocalAPI replay; a recording lacking one answers 404, not 403.
    assert.strictEqual((await request(`${emulator.httpsUrl}${DL}/communication/interfaces`)).status, 404);
    assert.strictEqual((await request(`${emulator.httpsUrl}${DL}/devices/list`)).status, 403);
    assert.strictEqual((await request(`${emulator.httpsUrl}${DL}/supervisor/info`)).status, 200);
  });

  it("a frozen replay's telemetry keeps coming every second, its time counted on", async () => {
    const replay: Recording = {
      format: RECORDING_FORMAT,
      vars: {
        "/sys/info/serialnum": DEFAULT_SERIAL,
        "/sys/info/sw_rev": "2025.10.20.61846",
        "/sys/livedata/pv_p": "1.5",
        "/sys/livedata/time": "1783955665",
      },
    };
    const emulator = await start({ replay });
    const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
    assert.strictEqual((await vars(emulator.httpsUrl, "set=/sys/telemetryws/enable=1", cookie)).status, 200);
    const frames: Array<{ params: Record<string, number> }> = [];
    const ws = new WebSocket(`ws://127.0.0.1:${emulator.telemetryPort}/`);
    ws.on("message", (data) => frames.push(JSON.parse(String(data)) as { params: Record<string, number> }));
    try {
      await until(() => frames.length >= 4, 6000, "four frames");
    } finally {
      ws.terminate();
    }
    assert.deepStrictEqual(frames[0].params, { pv_p: 1.5, time: 1783955665 });
    const times = frames.map((f) => f.params.time);
    assert.ok(
      frames.slice(1).every((f) => Object.keys(f.params).join() === "time"),
      "then the time alone",
    );
    assert.ok(
      times.slice(1).every((t, i) => t > times[i]),
      `the time moves on: ${times.join(", ")}`,
    );
  });
});
