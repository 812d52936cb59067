// Live values: telemetry frames, livedata variables and device-list meters in one shape, without a network.
import assert from "assert";
import {
  changedBeyond,
  inUnits,
  liveFromDeviceList,
  liveFromVars,
  livePayload,
  mergeLive,
  parseTelemetryFrame,
} from "../../src/model/live";
import { normalizeDeviceList } from "../../src/model/legacy-device-list";
import { SimulatedSite } from "../../src/emulator/site";

const NOW = Date.UTC(2025, 8, 30, 15, 58, 22);

describe("model/live", () => {
  it('reads a power frame (docs/protocol.md, "Telemetry WebSocket") and ignores other notifications', () => {
    const frame = parseTelemetryFrame(
      '{"notification":"power","params":{"time":1759247902,"pv_p":1.7479,"pv_en":27867.65,"net_p":-1.6207,"net_en":14116.01,"site_load_p":0.1272,"site_load_en":41983.66,"newField":3}}',
    );
    assert.deepStrictEqual(frame, {
      kind: "values",
      values: {
        time: 1759247902,
        pv_p: 1.7479,
        pv_en: 27867.65,
        net_p: -1.6207,
        net_en: 14116.01,
        site_load_p: 0.1272,
        site_load_en: 41983.66,
      },
      rejected: [],
    });
    assert.deepStrictEqual(parseTelemetryFrame('{"notification":"heartbeat"}'), {
      kind: "other",
      notification: "heartbeat",
    });
  });

  it("rejects what is not a frame, and fields of the wrong type, without quoting the text", () => {
    for (const text of [
      "ZT01234567890ABCDE",
      "[1]",
      '{"params":{}}',
      '{"notification":"power","params":[1]}',
      "x".repeat(70_000),
    ]) {
      const r = parseTelemetryFrame(text);
      assert.strictEqual(r.kind, "bad", text.slice(0, 30));
      assert.ok(!("reason" in r && r.reason.includes("ZT0")));
    }
    const r = parseTelemetryFrame(
      '{"notification":"power","params":{"pv_p":"nan","net_p":{"a":1},"soc":"0.5","ess_p":true}}',
    );
    assert.deepStrictEqual(r, { kind: "values", values: { soc: 0.5 }, rejected: ["pv_p", "net_p", "ess_p"] });
  });

  it("merges frames of changed fields into the last known values (a new object)", () => {
    const known = { pv_p: 1, net_p: -0.5, pv_en: 100 };
    const merged = mergeLive(known, { net_p: -0.4 });
    assert.deepStrictEqual(merged, { pv_p: 1, net_p: -0.4, pv_en: 100 });
    assert.deepStrictEqual(known, { pv_p: 1, net_p: -0.5, pv_en: 100 });
  });

  it("reads the livedata variables: strings to numbers, soc a fraction", () => {
    const v = liveFromVars({
      "/sys/livedata/time": "1751083263",
      "/sys/livedata/pv_p": "0.015622",
      "/sys/livedata/net_p": "0.674694",
      "/sys/livedata/site_load_p": "1.876316",
      "/sys/livedata/ess_p": "1.186000",
      "/sys/livedata/ess_en": "-490.477997",
      "/sys/livedata/soc": "0.860000",
      "/sys/livedata/backupTimeRemaining": "570",
      "/sys/livedata/midstate": "nan",
    });
    assert.deepStrictEqual(v, {
      time: 1751083263,
      pv_p: 0.015622,
      net_p: 0.674694,
      site_load_p: 1.876316,
      ess_p: 1.186,
      ess_en: -490.477997,
      soc: 0.86,
      backupTimeRemaining: 570,
    });
    const p = livePayload(v, NOW);
    assert.deepStrictEqual(p, {
      time: "2025-06-28T04:01:03.000Z",
      production_kw: 0.0156,
      consumption_kw: 1.8763,
      net_kw: 0.6747,
      import_kw: 0.6747,
      export_kw: 0,
      surplus_kw: 0,
      battery_kw: 1.186,
      soc_pct: 86,
      backup_min: 570,
      battery_kwh: -490.478,
    });
  });

  it("derives import, export and surplus; a PVS6 without storage shows no battery zeros; absent stays absent", () => {
    const exporting = livePayload(
      { pv_p: 5, site_load_p: 1.5, net_p: -3.5, ess_p: 0, soc: 0, ess_en: 0, backupTimeRemaining: 0 },
      NOW,
    );
    assert.deepStrictEqual(exporting, {
      time: new Date(NOW).toISOString(),
      production_kw: 5,
      consumption_kw: 1.5,
      net_kw: -3.5,
      import_kw: 0,
      export_kw: 3.5,
      surplus_kw: 3.5,
    });
    // With a battery charging at 2 kW, surplus (beyond the house) is more than export.
    const charging = livePayload({ pv_p: 5, site_load_p: 1.5, net_p: -1.5, ess_p: -2, soc: 0.5, ess_en: 10 }, NOW);
    assert.strictEqual(charging.surplus_kw, 3.5);
    assert.strictEqual(charging.export_kw, 1.5);
    assert.deepStrictEqual(livePayload({ pv_p: 2 }, NOW), { time: new Date(NOW).toISOString(), production_kw: 2 });
  });

  it("converts to W and Wh with the unit table", () => {
    const { payload, units } = inUnits(
      livePayload({ pv_p: 1.2345, pv_en: 10.5, soc: 0.5, ess_p: 1, ess_en: 2 }, NOW),
      "si",
    );
    assert.strictEqual((payload as unknown as Record<string, number>).production_w, 1234.5);
    assert.strictEqual((payload as unknown as Record<string, number>).production_wh, 10500);
    assert.strictEqual(units.production_w, "W");
    assert.strictEqual(units.soc_pct, "%");
    assert.strictEqual(units.backup_min, undefined);
  });

  it("reads a legacy device list's meters, with the CT as declared", () => {
    const site = new SimulatedSite({
      inverters: 3,
      longitude: -117,
      serial: "ZT01234567890ABCDE",
      now: () => Date.UTC(2025, 5, 21, 19, 48),
    });
    const list = normalizeDeviceList(site.deviceList());
    const v = liveFromDeviceList(list);
    assert.strictEqual(typeof v.pv_p, "number");
    assert.strictEqual(typeof v.net_p, "number");
    assert.ok(Math.abs((v.site_load_p as number) - ((v.pv_p as number) + (v.net_p as number))) < 1e-9);
    const pvs5 = new SimulatedSite({
      inverters: 3,
      longitude: -117,
      serial: "ZT01234567890ABCDE",
      model: "PVS5",
      now: () => Date.UTC(2025, 5, 21, 19, 48),
    });
    const undeclared = liveFromDeviceList(normalizeDeviceList(pvs5.deviceList()));
    assert.strictEqual(
      typeof undeclared.net_p,
      "number",
      "a PVS5 meter without subtype: its lifetime export counter says net",
    );
    const noCt = new SimulatedSite({
      inverters: 3,
      longitude: -117,
      serial: "ZT01234567890ABCDE",
      model: "PVS5",
      consumptionCt: "none",
      now: () => Date.UTC(2025, 5, 21, 19, 48),
    });
    const unknown = liveFromDeviceList(normalizeDeviceList(noCt.deviceList()));
    assert.strictEqual(unknown.net_p, undefined, "no consumption meter, no grid value: nothing guessed");
    assert.strictEqual(unknown.site_load_p, undefined);
    assert.strictEqual(typeof unknown.pv_p, "number");
  });

  it("'on change' compares powers against the threshold in watts, and the charge by a point", () => {
    const a = { pv_p: 1, net_p: -0.5 };
    assert.strictEqual(changedBeyond(null, a, 50), true);
    assert.strictEqual(changedBeyond(a, { pv_p: 1.049, net_p: -0.5 }, 50), false);
    assert.strictEqual(changedBeyond(a, { pv_p: 1.05, net_p: -0.5 }, 50), true);
    assert.strictEqual(changedBeyond(a, { pv_p: 1 }, 50), true, "a value that disappeared");
    assert.strictEqual(changedBeyond(a, { ...a }, 0), false, "threshold 0: any change, but not none");
    assert.strictEqual(changedBeyond({ soc: 0.5 }, { soc: 0.511 }, 50), true);
  });
});
