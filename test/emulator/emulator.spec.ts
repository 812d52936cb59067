import assert from "assert";
import axios from "axios";
import { parseArgs } from "../../src/emulator/cli";
import { FAULT_SPECS } from "../../src/emulator/faults";
import { PvsEmulator } from "../../src/emulator/server";
import { localLongitude, SimulatedSite, sunFactor } from "../../src/emulator/site";

// 2025-06-21 at longitude -117: local solar noon is about 19:48 UTC.
const NOON = Date.UTC(2025, 5, 21, 19, 48);
const MIDNIGHT = Date.UTC(2025, 5, 22, 7, 48);

describe("emulator", () => {
  it("answers DeviceList in the seed's shape: strings for numbers, UTC stamps, UPPERCASE properties", async () => {
    const emulator = new PvsEmulator({ inverters: 2 });
    await emulator.start();
    try {
      const res = await axios.get(`${emulator.url}/cgi-bin/dl_cgi`, { params: { Command: "DeviceList" } });
      assert.strictEqual(res.data.result, "succeed");
      const [pvs, prod, cons, inv] = res.data.devices;
      assert.deepStrictEqual(
        [pvs.DEVICE_TYPE, prod.TYPE, cons.TYPE, inv.TYPE],
        ["PVS", "PVS5-METER-P", "PVS5-METER-C", "SOLARBRIDGE"],
      );
      assert.match(inv.CURTIME, /^\d{4},\d\d,\d\d,\d\d,\d\d,\d\d$/);
      assert.strictEqual(typeof inv.p_3phsum_kw, "string");
      assert.strictEqual(typeof pvs.panid, "number");
      assert.strictEqual(inv.ISDETAIL, true);
      assert.strictEqual(res.data.devices.length, 5);
    } finally {
      await emulator.stop();
    }
  });

  it("follows the sun: inverters produce at noon and sit in error with frozen data at night", () => {
    let now = NOON;
    const site = new SimulatedSite({ inverters: 4, longitude: -117, serial: "ZT0000000000000001", now: () => now });
    const day = site.deviceList().devices.filter((d) => d.DEVICE_TYPE === "Inverter");
    assert.ok(day.every((d) => d.STATE === "working" && Number(d.p_3phsum_kw) > 0.3));
    now = MIDNIGHT;
    const list = site.deviceList().devices;
    const night = list.filter((d) => d.DEVICE_TYPE === "Inverter");
    assert.ok(night.every((d) => d.STATE === "error" && d.STATEDESCR === "Error" && Number(d.p_3phsum_kw) === 0));
    assert.notStrictEqual(night[0].DATATIME, night[0].CURTIME, "DATATIME is frozen at sunset");
    assert.ok(
      Number(night[0].ltea_3phsum_kwh) > Number(day[0].ltea_3phsum_kwh),
      "lifetime energy grew over the afternoon",
    );
    assert.strictEqual(sunFactor(MIDNIGHT, -117), 0);
  });

  it("keeps the consumption meter's net energy equal to import minus export", () => {
    let now = NOON - 6 * 3600_000;
    const site = new SimulatedSite({ inverters: 20, longitude: -117, serial: "ZT0000000000000001", now: () => now });
    const first = Number(site.deviceList().devices[2].net_ltea_3phsum_kwh);
    now = NOON;
    const cons = site.deviceList().devices[2];
    assert.ok(Number(cons.p_3phsum_kw) < 0, "a 20-panel roof exports at noon");
    assert.ok(Number(cons.net_ltea_3phsum_kwh) !== first);
  });

  it("refuses commands that would change a real PVS and records every request", async () => {
    const emulator = new PvsEmulator();
    await emulator.start();
    try {
      const res = await axios.get(`${emulator.url}/cgi-bin/dl_cgi`, { params: { Command: "SetCellPurchased" } });
      assert.strictEqual(res.data.result, "error");
      assert.deepStrictEqual(
        emulator.requests.map((r) => r.command),
        ["SetCellPurchased"],
      );
    } finally {
      await emulator.stop();
    }
  });

  it("parses its command line", () => {
    assert.deepStrictEqual(parseArgs(["--port", "0", "--inverters", "40", "--delay", "1500"]), {
      port: 0,
      host: "127.0.0.1",
      inverters: 40,
      delayMs: 1500,
      longitude: localLongitude(), // the sun follows this machine's day unless --longitude says otherwise
      publicationDelayS: 265, // device data appears 265 s after its stamp, as in the build 61846 capture
    });
    assert.strictEqual(parseArgs(["--longitude", "-117"]).longitude, -117);
    assert.throws(() => parseArgs(["--longitude", "200"]), /--longitude needs a number from -180 to 180/);
    assert.throws(() => parseArgs(["--inverters", "many"]), /--inverters needs a number/);
    assert.throws(() => parseArgs(["--frobnicate"]), /unknown option/);
  });

  it("takes a fault on its command line, for every fault the tests use", () => {
    assert.deepStrictEqual(parseArgs(["--fault", "status:503", "--fault-on", "DeviceList,vars"]).fault, {
      kind: "status",
      status: 503,
      commands: ["DeviceList", "vars"],
    });
    assert.deepStrictEqual(parseArgs(["--fault", "huge:40"]).fault, { kind: "huge", megabytes: 40 });
    assert.deepStrictEqual(parseArgs(["--fault", "duplicate-serials"]).fault, {
      kind: "devices",
      change: "duplicate-serials",
    });
    for (const [spec] of FAULT_SPECS) assert.ok(parseArgs(["--fault", spec.replace(/:[A-Z]+$/, ":500")]).fault, spec);
    assert.throws(() => parseArgs(["--fault", "gremlins"]), /unknown fault "gremlins"; one of: hang, delay:MS/);
    assert.throws(() => parseArgs(["--fault", "delay"]), /--fault delay needs a number/);
  });

  it("serves a huge body in chunks and a device list with a serial twice, as asked", async () => {
    const emulator = new PvsEmulator({ inverters: 2 });
    await emulator.start();
    try {
      emulator.setFault({ kind: "huge", megabytes: 2 });
      const huge = await fetch(`${emulator.url}/cgi-bin/dl_cgi?Command=DeviceList`).then((r) => r.text());
      assert.ok(huge.length >= 2 * 1024 * 1024);
      assert.strictEqual((JSON.parse(huge) as { devices: unknown[] }).devices.length > 1000, true, "valid JSON");
      emulator.setFault({ kind: "devices", change: "duplicate-serials" });
      const list = (await fetch(`${emulator.url}/cgi-bin/dl_cgi?Command=DeviceList`).then((r) => r.json())) as {
        devices: Array<{ SERIAL: string }>;
      };
      const serials = list.devices.map((d) => d.SERIAL);
      assert.strictEqual(new Set(serials).size, serials.length - 1);
    } finally {
      await emulator.stop();
    }
  });
});
