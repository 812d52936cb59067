import assert from "assert";
import { SiteMemory } from "../../src/model/site-memory";
import { fixture } from "../fixtures/load";
import { analyze, simulate } from "../support/site";

// 2025-06-21, longitude -117: the sun is up from about 12:40 to 02:50 UTC.
const MORNING = Date.UTC(2025, 5, 21, 15, 0);

describe("model/site: power and energy from the meters this site has", () => {
  it("net consumption CT (PVS6): grid import/export, consumption = production + net, lifetime counters", () => {
    const out = analyze(SiteMemory.create(), fixture("pvs6-2024-device-list"));
    const s = out.site;
    assert.deepStrictEqual(s.consumptionCt, {
      meter: "PVS6M22283193c",
      declared: "NET_CONSUMPTION_LOADSIDE",
      mode: "net",
      basis: "declared",
    });
    assert.strictEqual(s.productionSource, "production meter");
    assert.deepStrictEqual(
      [s.production_kw, s.net_kw, s.import_kw, s.export_kw, s.consumption_kw, s.self_consumption_kw],
      [3.6512, -3.0335, 0, 3.0335, 0.6177, 0.6177],
    );
    assert.deepStrictEqual(
      [s.production_kwh, s.import_kwh, s.export_kwh, s.net_kwh, s.consumption_kwh],
      [21349.16, 25996.56, 27202.26, -1205.7, 20143.46],
    );
    assert.deepStrictEqual(s.unavailable, {});
    assert.deepStrictEqual(out.checks, []);
  });

  it("PVS5: import energy is absent with the reason (its meter has no pos_ltea), net inferred from the export counter", () => {
    const s = analyze(SiteMemory.create(), fixture("pvs5-device-list")).site;
    assert.deepStrictEqual(s.consumptionCt, {
      meter: "PVS5M02345678c",
      declared: null,
      mode: "net",
      basis: "inferred",
    });
    assert.strictEqual(s.export_kwh, 18342.77);
    assert.strictEqual(s.import_kwh, undefined);
    assert.match(s.unavailable.import_kwh, /does not report pos_ltea_3phsum_kwh \(PVS5/);
    assert.strictEqual(s.net_kw, -1.8866);
  });

  it("gross (house-load) CT: consumption is the meter, grid power derived, no import/export counters", () => {
    const { last } = simulate({ consumptionCt: "gross" }, MORNING, 30);
    const s = last.site;
    const c = last.meters.consumption!.metrics.p_3phsum_kw as number;
    assert.deepStrictEqual(s.consumptionCt.mode, "gross");
    assert.strictEqual(s.consumption_kw, c);
    assert.strictEqual(s.net_kw, Number((c - (s.production_kw as number)).toFixed(4)));
    assert.strictEqual(s.import_kwh, undefined);
    assert.match(s.unavailable.import_kwh, /gross \(house-load\) consumption CT does not see the grid/);
    assert.match(s.unavailable["today.export_kwh"], /does not see the grid/);
    assert.strictEqual(typeof s.today?.consumption_kwh, "number");
  });

  it("no consumption CT: consumption and grid values are absent with the reason, never 0", () => {
    const s = simulate({ consumptionCt: "none" }, MORNING, 2).last.site;
    for (const f of ["consumption_kw", "net_kw", "import_kw", "export_kw", "consumption_kwh", "import_kwh"] as const) {
      assert.strictEqual(s[f], undefined, f);
      assert.strictEqual(s.unavailable[f], "the site has no consumption meter (CT)", f);
    }
  });

  it("no production meter: production is the inverters' AC sum, never their DC input", () => {
    const raw = fixture("seed-device-list");
    raw.devices = raw.devices.filter((d) => d.TYPE !== "PVS5-METER-P");
    const s = analyze(SiteMemory.create(), raw).site;
    assert.strictEqual(s.productionSource, "inverters");
    assert.strictEqual(s.production_kw, 0.3771, "0.125 + 0.1271 + 0.125 kW AC (DC would be 0.3868)");
    assert.strictEqual(s.production_kwh, 38.8859);
  });

  it("the seed's consumption meter (no subtype, negative lifetime) is read as net, and says so", () => {
    const out = analyze(SiteMemory.create(), fixture("seed-device-list"));
    assert.deepStrictEqual(out.site.consumptionCt.basis, "inferred");
    assert.deepStrictEqual(
      out.checks.map((c) => c.code),
      ["CT_MODE_INFERRED"],
    );
    assert.strictEqual(out.site.consumption_kw, 0.4367);
  });

  it("SI units: W and Wh with renamed fields, the unit table follows", () => {
    const memory = SiteMemory.create();
    const out = analyze(memory, fixture("pvs6-2024-device-list"), "si");
    const s = out.site as unknown as Record<string, number>;
    assert.strictEqual(out.unitSystem, "si");
    assert.strictEqual(s.production_w, 3651.2);
    assert.strictEqual(s.export_wh, 27202260);
    assert.strictEqual(s.production_kw, undefined);
    assert.strictEqual(out.meters.consumption?.metrics.p1_w, -1516.9);
    assert.strictEqual(out.meters.consumption?.metrics.tot_pf_rto, -0.4696);
    assert.strictEqual(out.meters.consumption, out.devices[2], "views point at the converted devices");
    assert.strictEqual(out.units.p_3phsum_w, "W");
    assert.strictEqual(out.units.ltea_3phsum_wh, "Wh");
    assert.ok(!Object.keys(out.units).some((k) => k.endsWith("_kw") || k.endsWith("_kwh")));
  });
});

describe("model/site: the CT-configuration check", function () {
  // Each test simulates up to 240 polls (CPU-bound: about 0.3 s alone, over 2 s on a loaded 2-core machine).
  this.timeout(15000);
  it("warns, with the evidence, when a declared-net CT always imports during a sunny day (a load-only CT)", () => {
    const { last, outputs } = simulate(
      { consumptionCt: "gross", declaredSubtype: "NET_CONSUMPTION_LOADSIDE" },
      MORNING,
      120,
    );
    const check = last.checks.find((c) => c.code === "CT_NET_NEVER_EXPORTS");
    assert.ok(check, "warned");
    assert.strictEqual(check.level, "warning");
    assert.match(
      check.message,
      /configured as NET_CONSUMPTION_LOADSIDE .* in \d+ readings with production of 1 kW or more \(up to \d+\.\d\d kW\) it always imported .*export counter \(neg_ltea_3phsum_kwh\) stayed at 0.03 kWh.*counts solar twice/,
    );
    assert.ok(
      outputs.slice(0, 5).every((o) => !o.checks.some((c) => c.code === "CT_NET_NEVER_EXPORTS")),
      "not before there is evidence",
    );
  });

  it("stays quiet for a correctly placed net CT, with or without a battery soaking up the surplus", () => {
    for (const storage of [false, true]) {
      const { last } = simulate({ storage }, MORNING, 120);
      assert.deepStrictEqual(
        last.checks.filter((c) => c.level === "warning").map((c) => c.code),
        [],
        `storage ${storage}`,
      );
    }
  });

  it("warns when a declared-gross CT reads export", () => {
    const { last } = simulate({ consumptionCt: "net", declaredSubtype: "GROSS_CONSUMPTION_LINESIDE" }, MORNING, 120);
    const check = last.checks.find((c) => c.code === "CT_GROSS_SEES_EXPORT");
    assert.ok(check);
    assert.match(
      check.message,
      /configured as GROSS_CONSUMPTION_LINESIDE .* read below -0.05 kW \d+ times \(lowest -\d+\.\d\d kW\)/,
    );
  });
});
