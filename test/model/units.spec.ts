import assert from "assert";
import { DEVICE_TYPES } from "../../src/model/device-types";
import { isPropertyField } from "../../src/model/fields";
import { metricsToSi, siName, unitOf, unitsFor, UNIT_DESCRIPTIONS } from "../../src/model/units";

describe("model/units (the one unit table)", () => {
  it("gives every documented measurement field a unit", () => {
    const missing: string[] = [];
    for (const [type, info] of Object.entries(DEVICE_TYPES)) {
      for (const field of info.fields) {
        if (isPropertyField(field) || ["origin", "interface", "slave", "parent", "panid"].includes(field)) continue;
        if (unitOf(field) === null) missing.push(`${type}.${field}`);
      }
    }
    assert.deepStrictEqual(missing, []);
  });

  it("labels power factor a ratio and reactive power kvar (two peers get these wrong)", () => {
    assert.strictEqual(unitOf("tot_pf_rto"), "ratio");
    assert.strictEqual(unitOf("q_3phsum_kvar"), "kvar");
    assert.strictEqual(unitOf("s_3phsum_kva"), "kVA");
    assert.strictEqual(unitOf("p_3phsum_kw"), "kW");
    assert.strictEqual(unitOf("net_ltea_3phsum_kwh"), "kWh");
    assert.strictEqual(unitOf("t_htsnk_degc"), "°C");
    assert.strictEqual(unitOf("dl_cpu_load"), "load");
    assert.strictEqual(unitOf("ct_scl_fctr"), "A");
    assert.strictEqual(unitOf("gigawatts_gw"), null);
    for (const unit of ["kW", "kvar", "ratio", "°C"] as const) assert.ok(UNIT_DESCRIPTIONS[unit]);
  });

  it("converts to SI base units by renaming and scaling together, leaving other units alone", () => {
    assert.deepStrictEqual(siName("p_3phsum_kw"), { name: "p_3phsum_w", factor: 1000 });
    assert.deepStrictEqual(siName("ltea_3phsum_kwh"), { name: "ltea_3phsum_wh", factor: 1000 });
    assert.deepStrictEqual(siName("q_3phsum_kvar"), { name: "q_3phsum_var", factor: 1000 });
    assert.deepStrictEqual(siName("tot_pf_rto"), { name: "tot_pf_rto", factor: 1 });
    assert.deepStrictEqual(metricsToSi({ p_3phsum_kw: 0.1234, s_3phsum_kva: 2.013, freq_hz: 60.01, i_a: null }), {
      p_3phsum_w: 123.4,
      s_3phsum_va: 2013,
      freq_hz: 60.01,
      i_a: null,
    });
    assert.deepStrictEqual(unitsFor(["p_3phsum_w", "tot_pf_rto", "p_3phsum_w"]), {
      p_3phsum_w: "W",
      tot_pf_rto: "ratio",
    });
  });
});
