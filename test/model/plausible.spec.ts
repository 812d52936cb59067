// Figures outside what physics allows are dropped where they enter the model: on the WebSocket and livedata paths
// of pvs-live, and on the device list's site figures. Never an impossible number, never export at night.
import assert from "assert";
import { mergeEssStatus } from "../../src/model/ess-status";
import { normalizeDeviceList } from "../../src/model/legacy-device-list";
import { liveFromVars, livePayload, parseTelemetryFrame } from "../../src/model/live";
import { normalizeLiveData } from "../../src/model/localapi-device-list";
import { SiteMemory } from "../../src/model/site-memory";
import { fixture } from "../fixtures/load";
import { analyze } from "../support/site";

const NOW = Date.UTC(2025, 8, 30, 4, 0);
const LIVE = "/sys/livedata/";

/** Every number of a payload is finite and within a physical range. */
function assertPossible(payload: object): void {
  for (const [k, v] of Object.entries(payload)) {
    if (typeof v !== "number") continue;
    assert.ok(Number.isFinite(v) && Math.abs(v) <= 1e9, `${k} = ${v}`);
    if (k === "soc_pct") assert.ok(v >= 0 && v <= 100, `${k} = ${v}`);
    if (k === "consumption_kw" || k.startsWith("import") || k.startsWith("export") || k.startsWith("surplus"))
      assert.ok(v >= 0, `${k} = ${v}`);
  }
}

describe("model/plausible: pvs-live's figures", () => {
  it("a site load a few watts negative at night is 0: no consumption below 0, no export, no surplus", () => {
    const vars = { [LIVE + "pv_p"]: "0", [LIVE + "site_load_p"]: "-0.012", [LIVE + "net_p"]: "-0.012" };
    const payload = livePayload(liveFromVars(vars), NOW);
    assert.deepStrictEqual(
      [payload.production_kw, payload.consumption_kw, payload.net_kw, payload.export_kw, payload.surplus_kw],
      [0, 0, 0, 0, 0],
    );
  });

  it("a few watts of export while the panels produce stay export", () => {
    const payload = livePayload({ pv_p: 0.2, site_load_p: 0.188, net_p: -0.012 }, NOW);
    assert.deepStrictEqual([payload.export_kw, payload.surplus_kw], [0.012, 0.012]);
  });

  it("a frame's impossible values are rejected, never merged: soc 5000, net 1e308, battery -1e300", () => {
    const frame = parseTelemetryFrame(
      '{"notification":"power","params":{"pv_p":1.5,"soc":5000,"net_p":1e308,"ess_p":-1e300,"site_load_p":-3,"pv_en":-7}}',
    );
    assert.deepStrictEqual(frame, {
      kind: "values",
      values: { pv_p: 1.5 },
      rejected: ["soc", "net_p", "ess_p", "site_load_p", "pv_en"],
    });
    const payload = livePayload({ ...(frame.kind === "values" ? frame.values : {}), ess_en: 1 }, NOW);
    assert.deepStrictEqual(Object.keys(payload).sort(), ["battery_kwh", "production_kw", "time"]);
  });

  it("the livedata variables get the same ranges (pvs-live and pvs-device-list)", () => {
    const vars = {
      [LIVE + "soc"]: "50",
      [LIVE + "net_p"]: "1e308",
      [LIVE + "ess_p"]: "-1e300",
      [LIVE + "pv_p"]: "2.5",
      [LIVE + "backupTimeRemaining"]: "-4",
    };
    assert.deepStrictEqual(liveFromVars(vars), { pv_p: 2.5 });
    const live = normalizeLiveData(vars);
    assert.deepStrictEqual(
      [live?.soc_pct, live?.net_p_kw, live?.ess_p_kw, live?.pv_p_kw, live?.backup_time_remaining_min],
      [null, null, null, 2.5, null],
    );
  });

  it("a payload from whatever values is never impossible", () => {
    for (const soc of [0, 0.5, 1]) assertPossible(livePayload({ soc, ess_p: -1.2, net_p: 0.3, pv_p: 0 }, NOW));
  });
});

describe("model/plausible: the device list's site figures", () => {
  type Raw = { devices: Array<Record<string, unknown>> };
  const edited = (edit: (raw: Raw) => void) => {
    const raw = fixture("pvs6-2024-device-list") as Raw;
    edit(raw);
    return analyze(SiteMemory.create(), raw);
  };
  const meter = (raw: Raw, suffix: string) =>
    raw.devices.find((d) => d.DEVICE_TYPE === "Power Meter" && String(d.SERIAL).endsWith(suffix)) as Record<
      string,
      unknown
    >;

  it("a production meter reading 1e308 is no reading: production comes from the inverters, never Infinity", () => {
    const out = edited((raw) => (meter(raw, "p").p_3phsum_kw = "1e308"));
    assertPossible(out.site);
    assert.strictEqual(out.site.productionSource, "inverters");
    assert.ok(Number.isFinite(out.site.production_kw) && out.site.production_kw! < 10, `${out.site.production_kw}`);
  });

  it("a consumption meter reading 1e308 gives no grid figure", () => {
    const out = edited((raw) => (meter(raw, "c").p_3phsum_kw = "1e308"));
    assertPossible(out.site);
    assert.strictEqual(out.site.net_kw, undefined);
    assert.match(out.site.unavailable.net_kw, /impossible/);
  });

  it("an inverter reading 1e308 does not make the inverter sum infinite", () => {
    const out = edited((raw) => {
      raw.devices = raw.devices.filter((d) => d.DEVICE_TYPE !== "Power Meter");
      raw.devices.find((d) => d.DEVICE_TYPE === "Inverter")!.p_3phsum_kw = "1e308";
    });
    assertPossible(out.site);
    assert.strictEqual(out.site.productionSource, "inverters");
    assert.ok(Number.isFinite(out.site.production_kw));
  });

  it("a lifetime counter reading 1e308 or below zero never becomes a lifetime", () => {
    const out = edited((raw) => {
      meter(raw, "p").net_ltea_3phsum_kwh = "1e308";
      meter(raw, "c").pos_ltea_3phsum_kwh = "-5";
    });
    assertPossible(out.site);
    // Without the meter's lifetime, production energy is the inverters' lifetime sum.
    assert.ok(out.site.production_kwh! < 1e5, `${out.site.production_kwh}`);
    assert.strictEqual(out.site.import_kwh, undefined);
  });
});

describe("model/plausible: the storage summary", () => {
  it("a battery reporting 5000 % and an ESS meter at 1e308 kW leave the summary, never pass into it", () => {
    const report = fixture("sunvault-ess-status") as unknown as {
      ess_report: { [section: string]: Array<Record<string, unknown>> };
    };
    const battery = report.ess_report.battery_status[0];
    battery.customer_state_of_charge = { value: 5000, unit: "%" };
    battery.system_state_of_charge = { value: -3, unit: "%" };
    const ess = report.ess_report.ess_status[0];
    ess.ess_meter_reading = { agg_power: { value: 1e308, unit: "kW" } };
    const storage = mergeEssStatus(normalizeDeviceList(fixture("sunvault-device-list")), report);
    assert.deepStrictEqual([storage.customer_soc_pct, storage.system_soc_pct], [null, null]);
    assert.ok(storage.power_kw === null || Math.abs(storage.power_kw) < 1e5, `${storage.power_kw}`);
  });
});
