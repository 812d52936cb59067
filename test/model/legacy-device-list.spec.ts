import assert from "assert";
import { readFileSync } from "fs";
import path from "path";
import { totalInverterPowerKw } from "../../src/model/device";
import { legacySecrets, normalizeDeviceList } from "../../src/model/legacy-device-list";
import { PayloadError } from "../../src/model/payload-error";

const seed = JSON.parse(readFileSync(path.join(__dirname, "../fixtures/seed-device-list.json"), "utf8"));

describe("model/legacy-device-list (the seed's DeviceList sample)", () => {
  const payload = normalizeDeviceList(seed);

  it("keeps every device in order, with its identity", () => {
    assert.deepStrictEqual(
      payload.devices.map((d) => [d.deviceType, d.serial]),
      [
        ["PVS", "ZT01234567890A*****"],
        ["Power Meter", "PVS6M01234567p"],
        ["Power Meter", "PVS6M01234567c"],
        ["Inverter", "E00000000000001"],
        ["Inverter", "E00000000000002"],
        ["Inverter", "E00121852034919"],
      ],
    );
  });

  it("turns CURTIME and DATATIME into ISO-8601 UTC", () => {
    assert.strictEqual(payload.time, "2019-05-11T16:53:53.000Z");
    assert.strictEqual(payload.supervisor?.dataTime, "2019-05-11T16:50:00.000Z");
    assert.strictEqual(payload.inverters[0].dataTime, "2019-05-11T16:52:00.000Z");
  });

  it("gives measurements as numbers and keeps the sign of the consumption meter", () => {
    const inv = payload.inverters[0];
    assert.deepStrictEqual(inv.metrics, {
      freq_hz: 59.99,
      i_3phsum_a: 0.51,
      i_mppt1_a: 2.47,
      ltea_3phsum_kwh: 13.0464,
      p_3phsum_kw: 0.125,
      p_mpptsum_kw: 0.1282,
      stat_ind: 0,
      t_htsnk_degc: 29,
      v_mppt1_v: 51.82,
      vln_3phavg_v: 245.07,
    });
    assert.strictEqual(payload.meters.consumption?.metrics.p_3phsum_kw, -1.55);
    assert.strictEqual(payload.meters.consumption?.metrics.net_ltea_3phsum_kwh, -65.65);
    assert.strictEqual(payload.meters.production?.metrics.tot_pf_rto, 0.9882);
  });

  it("keeps every field the PVS sent: properties as reported, metrics as numbers", () => {
    seed.devices.forEach((raw: Record<string, unknown>, i: number) => {
      const d = payload.devices[i];
      const carried = new Set([...Object.keys(d.properties), ...Object.keys(d.metrics)]);
      assert.deepStrictEqual([...carried].sort(), Object.keys(raw).sort(), `device ${i}`);
    });
    const meter = payload.meters.production!;
    assert.strictEqual(meter.properties.CAL0, "50");
    assert.strictEqual(meter.properties.origin, "data_logger");
    assert.strictEqual(meter.properties.ISDETAIL, true);
    assert.strictEqual(payload.supervisor?.properties.panid, 1234567890);
  });

  it("points the convenience views at the same device objects", () => {
    assert.strictEqual(payload.supervisor, payload.devices[0]);
    assert.strictEqual(payload.meters.production, payload.devices[1]);
    assert.strictEqual(payload.meters.consumption, payload.devices[2]);
    assert.deepStrictEqual(payload.inverters, payload.devices.slice(3));
  });

  it("never lets the supervisor serial (the LocalAPI password source) through", () => {
    assert.deepStrictEqual(legacySecrets(seed), ["ZT01234567890ABCDEF"]);
    assert.ok(!JSON.stringify(payload).includes("ZT01234567890ABCDEF"));
    assert.ok(!JSON.stringify(payload).includes("ABCDEF"));
  });

  it("sums inverter AC power, never DC", () => {
    assert.strictEqual(Number(totalInverterPowerKw(payload)?.toFixed(4)), 0.3771);
  });
});

describe("model/legacy-device-list (odd input)", () => {
  it("carries a device with no metrics (an inverter at night) instead of rejecting it", () => {
    const out = normalizeDeviceList({
      devices: [{ DEVICE_TYPE: "Inverter", SERIAL: "E001", STATE: "error", CURTIME: "2025,01,01,02,00,00" }],
      result: "succeed",
    });
    assert.deepStrictEqual(out.inverters[0].metrics, {});
    assert.strictEqual(out.inverters[0].dataTime, null);
    assert.strictEqual(out.inverters[0].state, "error");
  });

  it('makes "nan" and empty measurements null, never 0, and keeps unknown text fields as properties', () => {
    const out = normalizeDeviceList({
      devices: [
        {
          DEVICE_TYPE: "Inverter",
          SERIAL: "E001",
          p_3phsum_kw: "nan",
          i_3phsum_a: "",
          t_htsnk_degc: " 31 ",
          note: "hello",
          MOD_SN: "",
        },
      ],
    });
    const inv = out.inverters[0];
    assert.strictEqual(inv.metrics.p_3phsum_kw, null);
    assert.strictEqual(inv.metrics.i_3phsum_a, null);
    assert.strictEqual(inv.metrics.t_htsnk_degc, 31);
    assert.strictEqual(inv.properties.note, "hello");
    assert.strictEqual(inv.properties.MOD_SN, "");
  });

  it("carries an unknown DEVICE_TYPE and unknown fields", () => {
    const out = normalizeDeviceList({
      devices: [{ DEVICE_TYPE: "Flux Capacitor", SERIAL: "FC1", gigawatts_gw: "1.21", MODE: "88mph" }],
    });
    assert.strictEqual(out.devices[0].deviceType, "Flux Capacitor");
    assert.strictEqual(out.devices[0].metrics.gigawatts_gw, 1.21);
    assert.strictEqual(out.devices[0].properties.MODE, "88mph");
  });

  it("does not let __proto__ keys from the device reach any prototype", () => {
    const raw = JSON.parse(
      '{"devices":[{"DEVICE_TYPE":"Inverter","SERIAL":"E1","__proto__":{"polluted":"yes"},"constructor":"x"}]}',
    );
    const out = normalizeDeviceList(raw);
    assert.strictEqual(({} as Record<string, unknown>).polluted, undefined);
    assert.strictEqual(Object.getPrototypeOf(out.devices[0].properties), Object.prototype);
    assert.deepStrictEqual(
      Object.keys(out.devices[0].properties).sort(),
      ["DEVICE_TYPE", "SERIAL", "__proto__", "constructor"].sort(),
    );
  });

  it("rejects answers that are not device lists with a PayloadError coded PVS_BAD_RESPONSE", () => {
    for (const bad of [null, [], "x", { result: "succeed" }, { devices: {} }, { devices: [1] }]) {
      assert.throws(
        () => normalizeDeviceList(bad),
        (e: unknown) => e instanceof PayloadError && e.code === "PVS_BAD_RESPONSE",
        JSON.stringify(bad),
      );
    }
  });

  it("reads 0x hex on measurement names and trims spaces, but keeps hex-looking identity text as reported", () => {
    const out = normalizeDeviceList({
      devices: [
        { DEVICE_TYPE: "PVS", SERIAL: "ZT1", dl_err_count: "0x1A", dl_cpu_load: " 0.5 ", mac_address: "0x00ff" },
      ],
    });
    assert.strictEqual(out.devices[0].metrics.dl_err_count, 26);
    assert.strictEqual(out.devices[0].metrics.dl_cpu_load, 0.5);
    assert.strictEqual(out.devices[0].properties.mac_address, "0x00ff");
  });

  it("reports an empty list as an empty list", () => {
    const out = normalizeDeviceList({ devices: [], result: "succeed" });
    assert.deepStrictEqual(out, {
      time: null,
      devices: [],
      supervisor: null,
      meters: { production: null, consumption: null },
      inverters: [],
    });
  });
});
