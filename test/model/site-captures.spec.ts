// Site figures on the real captures: never impossible, with their source named,
// the same in pvs-live and pvs-device-list, daylight from the production meter, lifetime counters that read 0.
import assert from "assert";
import { liveFromDeviceList, livePayload } from "../../src/model/live";
import { normalizeDeviceList } from "../../src/model/legacy-device-list";
import { SiteMemory } from "../../src/model/site-memory";
import {
  analyzeLegacy,
  analyzeVars,
  capture,
  isConsumptionMeter,
  isProductionMeter,
  ksmooove,
  LegacyAnswer,
  legacyLater,
  legacyShifted,
  n,
} from "./captures";

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const meterOf = (raw: Record<string, unknown>, model: RegExp) => {
  const index = Object.entries(raw)
    .find(([k, v]) => k.endsWith("/prodMdlNm") && model.test(String(v)))![0]
    .split("/")[4];
  return (field: string) => n(raw[`/sys/devices/meter/${index}/${field}`]);
};

describe("model/site on the LocalAPI capture (ksmooove build 61846)", () => {
  it("production is the production meter's reading, not 0, and the output names its source and both times", () => {
    const reading = ksmooove();
    const pMeter = meterOf(reading.devices, /p$/);
    const cMeter = meterOf(reading.devices, /c$/);
    const out = analyzeVars(SiteMemory.create(), reading);
    const s = out.site;
    assert.ok(pMeter("p3phsumKw") > 1, "the meter reads power");
    assert.strictEqual(s.production_kw, r4(pMeter("p3phsumKw")));
    assert.strictEqual(s.productionSource, "production meter");
    const stamp = String(reading.devices["/sys/devices/meter/0/msmtEps"]);
    const liveTime = new Date(n(reading.live["/sys/livedata/time"]) * 1000).toISOString();
    assert.deepStrictEqual(s.source, {
      power: "devices",
      time: new Date(stamp).toISOString(),
      devicesTime: new Date(stamp).toISOString(),
      liveTime,
      lagS: (Date.parse(liveTime) - Date.parse(stamp)) / 1000,
      stale: false,
    });
    // The consumption CT here is gross (a house-load CT by its counters: export counter ≪ lifetime).
    assert.ok(cMeter("negLtea3phsumKwh") < cMeter("netLtea3phsumKwh") * 0.01);
    assert.strictEqual(s.consumptionCt.mode, "gross");
    assert.strictEqual(s.consumption_kw, r4(cMeter("p3phsumKw")));
    assert.ok((s.consumption_kw as number) >= 0);
    assert.strictEqual(s.net_kw, r4(cMeter("p3phsumKw") - pMeter("p3phsumKw")));
    assert.strictEqual(s.production_kwh, r4(pMeter("netLtea3phsumKwh")));
    assert.strictEqual(s.net_kwh, r4(cMeter("netLtea3phsumKwh") - pMeter("netLtea3phsumKwh")));
  });

  it("with every device 30 minutes behind and no livedata power, production is the meter's last reading (said stale), never 0", () => {
    const reading = ksmooove();
    const time = reading.live["/sys/livedata/time"];
    reading.live = { "/sys/livedata/time": time };
    for (const k of Object.keys(reading.devices))
      if (k.endsWith("/msmtEps")) reading.devices[k] = new Date((n(time) - 1800) * 1000).toISOString();
    const out = analyzeVars(SiteMemory.create(), reading);
    assert.ok(out.devices.filter((d) => d.category !== "supervisor").every((d) => d.stale === true));
    const s = out.site;
    assert.strictEqual(s.production_kw, r4(meterOf(reading.devices, /p$/)("p3phsumKw")));
    assert.strictEqual(s.productionSource, "production meter");
    assert.strictEqual(s.source.stale, true);
  });
});

describe("model/site on legacy captures: consumption never negative, production never 0 while the meter reads power", () => {
  it("production from the inverters when most are stale: consumption comes out 0 (not negative), with a note", () => {
    const raw = capture<LegacyAnswer>("smcneece__ha-esunpower/dl_cgi.json");
    raw.devices = raw.devices.filter((d) => !isProductionMeter(d));
    const inverters = raw.devices.filter((d) => d.DEVICE_TYPE === "Inverter");
    // 25 of the 30 inverters' data made 20 minutes old: the sum of the fresh ones is far below the export.
    for (const d of inverters.slice(5)) d.DATATIME = legacyLater(d.DATATIME, -1200);
    const fresh = inverters.slice(0, 5).reduce((sum, d) => sum + n(d.p_3phsum_kw), 0);
    const net = n(raw.devices.find(isConsumptionMeter)!.p_3phsum_kw);
    assert.ok(fresh + net < 0, "production + net is negative on these figures");
    const out = analyzeLegacy(SiteMemory.create(), raw);
    assert.strictEqual(out.site.productionSource, "inverters");
    assert.strictEqual(out.site.production_kw, r4(fresh));
    assert.strictEqual(out.site.consumption_kw, 0);
    assert.ok(out.checks.some((c) => c.code === "SITE_CONSUMPTION_NEGATIVE"));
  });

  it("every device stale (20 min behind CURTIME): production is the production meter's reading, said stale", () => {
    const raw = capture<LegacyAnswer>("smcneece__ha-esunpower/dl_cgi.json");
    for (const d of raw.devices) if (d.DEVICE_TYPE !== "PVS") d.DATATIME = legacyLater(d.CURTIME, -1200);
    const out = analyzeLegacy(SiteMemory.create(), raw);
    assert.ok(out.devices.filter((d) => d.category !== "supervisor").every((d) => d.stale === true));
    assert.strictEqual(out.site.production_kw, r4(n(raw.devices.find(isProductionMeter)!.p_3phsum_kw)));
    assert.strictEqual(out.site.productionSource, "production meter");
    assert.strictEqual(out.site.source.stale, true);
    assert.strictEqual(out.site.source.liveTime, null);
  });
});

describe("model/live and model/site derive the same energy from the same legacy answer", () => {
  for (const file of [
    "cmalek__sungazer/DeviceList.json",
    "ginoledesma__sunpower-pvs-exporter/notes-DeviceList.json",
    "smcneece__ha-esunpower/dl_cgi.json",
  ]) {
    it(`${file}: consumption_kwh and net_kwh (net CT) in both, as production + net`, () => {
      const raw = capture<LegacyAnswer>(file);
      const p = raw.devices.find(isProductionMeter)!;
      const c = raw.devices.find(isConsumptionMeter)!;
      const expected = {
        consumption_kwh: n(p.net_ltea_3phsum_kwh) + n(c.net_ltea_3phsum_kwh),
        net_kwh: n(c.net_ltea_3phsum_kwh),
      };
      const site = analyzeLegacy(SiteMemory.create(), raw).site;
      const live = livePayload(liveFromDeviceList(normalizeDeviceList(raw)), 0);
      assert.strictEqual(site.consumptionCt.mode, "net");
      for (const f of ["consumption_kwh", "net_kwh"] as const) {
        assert.strictEqual(live[f], Number(expected[f].toFixed(3)), `live ${f}`);
        assert.strictEqual(Number((site[f] as number).toFixed(3)), Number(expected[f].toFixed(3)), `site ${f}`);
      }
      assert.strictEqual(live.production_kw, site.production_kw);
      assert.strictEqual(live.net_kw, site.net_kw);
      assert.strictEqual(live.consumption_kw, site.consumption_kw);
      assert.ok((live.consumption_kw as number) >= 0);
    });
  }
});

describe("model/device: daylight from the production meter, not from the inverters alone", () => {
  const NIGHT = "ginoledesma__sunpower-pvs-exporter/device_list.json";

  it(`${NIGHT} (04:06 UTC): the production meter reads a few watts, so the inverter in error is asleep`, () => {
    const raw = capture<LegacyAnswer>(NIGHT);
    assert.ok(n(raw.devices.find(isProductionMeter)!.p_3phsum_kw) < 0.05, "night: the meter reads noise");
    for (const file of [NIGHT, "ginoledesma__sunpower-pvs-exporter/device_list.error.json"]) {
      const out = analyzeLegacy(SiteMemory.create(), capture<LegacyAnswer>(file));
      assert.deepStrictEqual(
        out.inverters.map((i) => [i.state, i.condition]),
        [["error", "asleep"]],
        file,
      );
    }
  });

  it("the same answer with the production meter at 0.29 kW: the inverter in error at 0 kW is a fault", () => {
    const raw = capture<LegacyAnswer>(NIGHT);
    raw.devices.find(isProductionMeter)!.p_3phsum_kw = "0.29";
    raw.devices.find((d) => d.DEVICE_TYPE === "Inverter")!.p_3phsum_kw = "0";
    const out = analyzeLegacy(SiteMemory.create(), raw);
    assert.deepStrictEqual(
      out.inverters.map((i) => i.condition),
      ["fault"],
    );
    assert.strictEqual(out.site.inverters.fault, 1);
  });

  it("midday (smcneece, 30 inverters): with 16 dead the dead ones read fault, not asleep", () => {
    const raw = capture<LegacyAnswer>("smcneece__ha-esunpower/dl_cgi.json");
    const inverters = raw.devices.filter((d) => d.DEVICE_TYPE === "Inverter");
    for (const d of inverters.slice(0, 16)) {
      d.STATE = "error";
      d.p_3phsum_kw = "0";
    }
    const meterKw = n(raw.devices.find(isProductionMeter)!.p_3phsum_kw);
    assert.ok(meterKw > 1, "full sun on the meter");
    const out = analyzeLegacy(SiteMemory.create(), raw);
    assert.strictEqual(out.site.inverters.fault, 16);
    assert.strictEqual(out.site.inverters.asleep, 0);
    assert.strictEqual(out.site.inverters.ok, inverters.length - 16);
  });

  it("by day (ginoledesma notes, 3 inverters): 2 of 3 without data read fault", () => {
    const raw = capture<LegacyAnswer>("ginoledesma__sunpower-pvs-exporter/notes-DeviceList.json");
    const inverters = raw.devices.filter((d) => d.DEVICE_TYPE === "Inverter");
    for (const d of inverters.slice(0, 2)) d.DATATIME = legacyLater(d.CURTIME, -3600);
    const out = analyzeLegacy(SiteMemory.create(), raw);
    assert.deepStrictEqual(
      out.inverters.map((i) => i.condition),
      ["fault", "fault", "ok"],
    );
  });
});

describe("model/site-memory: a lifetime counter that reads 0 is a glitch, not a reset (smcneece dl_cgi)", () => {
  it("keeps the last good value, reports COUNTER_ZERO, and never takes the zeros as a new base", () => {
    const raw = capture<LegacyAnswer>("smcneece__ha-esunpower/dl_cgi.json");
    const good = n(raw.devices.find(isProductionMeter)!.net_ltea_3phsum_kwh);
    const memory = SiteMemory.create();
    analyzeLegacy(memory, raw);
    const outs = [1, 2, 3, 4, 5].map((i) => {
      const next = legacyShifted(raw, 300 * i);
      next.devices.find(isProductionMeter)!.net_ltea_3phsum_kwh = "0";
      return analyzeLegacy(memory, next);
    });
    for (const out of outs) {
      assert.strictEqual(out.site.production_kwh, good);
      assert.deepStrictEqual(
        out.checks.filter((c) => c.code.startsWith("COUNTER_")).map((c) => c.code),
        ["COUNTER_ZERO"],
      );
    }
    assert.strictEqual(
      new Set(outs.map((o) => o.checks.find((c) => c.code === "COUNTER_ZERO")!.key)).size,
      1,
      "logged once",
    );
    // The counter reads again: it goes on from its last good value, no reset was ever accepted.
    const back = legacyShifted(raw, 1800);
    back.devices.find(isProductionMeter)!.net_ltea_3phsum_kwh = String(good + 0.5);
    const out = analyzeLegacy(memory, back);
    assert.strictEqual(out.site.production_kwh, good + 0.5);
    assert.deepStrictEqual(
      out.checks.filter((c) => c.code.startsWith("COUNTER_")),
      [],
    );
  });
});
