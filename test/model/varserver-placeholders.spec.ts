// What the varserver prints for what a unit does not have, read as absent: "nan" storage livedata on a PV-only
// unit (the 61846 capture, ksmooove/SunPower-Monitoring fixtures/pvs6/vars-livedata.json) and "0.000000" meter
// counters a meter does not keep (every meter has every leaf: pypvs doc/varserver-variables-public-pvs5.csv,
// the 61846 capture's production meter). And no field of the vendor's nested layout lost when a device comes in both.
import assert from "assert";
import { normalizeVars } from "../../src/model/localapi-device-list";
import { SiteMemory } from "../../src/model/site-memory";
import { analyzeVars, capture, ksmooove, Vars } from "./captures";

const PYPVS = "SunStrong-Management__pypvs";

/** Every number anywhere in `value`, with its path. */
function numbers(value: unknown, at = "payload", out: Array<[string, number]> = []): Array<[string, number]> {
  if (typeof value === "number") out.push([at, value]);
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) numbers(v, `${at}.${k}`, out);
  return out;
}

describe("model/varserver: placeholders are absent values", () => {
  it('a PV-only unit\'s "nan" ess_p, ess_en and soc: no battery, no NaN, no 0 % anywhere', () => {
    const reading = ksmooove();
    for (const leaf of ["ess_p", "ess_en", "soc"]) assert.strictEqual(reading.live[`/sys/livedata/${leaf}`], "nan");
    const out = analyzeVars(SiteMemory.create(), reading);
    assert.strictEqual(out.storage, null, "no storage summary");
    assert.strictEqual(out.live?.ess_p_kw, null);
    assert.strictEqual(out.live?.ess_en_kwh, null);
    assert.strictEqual(out.live?.soc_pct, null);
    const bad = numbers(out).filter(([, v]) => !Number.isFinite(v));
    assert.deepStrictEqual(bad, [], "no NaN or Infinity in the output");
  });

  describe("a consumption meter's import/export counter printed 0.000000 though it keeps none", () => {
    // The vendor's net-CT meter (pypvs doc/LocalAPI.md, meter 12: pos 19721.78 - neg 13600.36 = net 6121.36), flat.
    const nested = capture<Record<string, Record<string, unknown>>>(`${PYPVS}/LocalAPI-vars-match-meter-data-obj.json`);
    const flat = (edit: Record<string, string>): Vars => {
      const devices: Vars = {};
      Object.values(nested).forEach((fields, n) => {
        for (const [field, value] of Object.entries(fields))
          devices[`/sys/devices/meter/${n}/${field}`] = String(value);
      });
      for (const [field, value] of Object.entries(edit)) devices[`/sys/devices/meter/1/${field}`] = value;
      return devices;
    };
    const site = (devices: Vars) => analyzeVars(SiteMemory.create(), { devices, live: {}, system: {} }).site;
    const real = nested["/sys/devices/12/meter/data"];

    it("read as reported when the counters agree", () => {
      const s = site(flat({}));
      assert.strictEqual(s.import_kwh, Number(real.posLtea3phsumKwh));
      assert.strictEqual(s.export_kwh, Number(real.negLtea3phsumKwh));
    });

    it("an import counter of 0 the net counter contradicts is unavailable, not 0 kWh imported", () => {
      const s = site(flat({ posLtea3phsumKwh: "0.000000" }));
      assert.strictEqual(s.import_kwh, undefined);
      assert.ok(s.unavailable.import_kwh, "said why");
      assert.strictEqual(s.export_kwh, Number(real.negLtea3phsumKwh));
    });

    it("an export counter of 0 likewise; a real 0 (the counters agree) is kept", () => {
      assert.strictEqual(site(flat({ negLtea3phsumKwh: "0.000000" })).export_kwh, undefined);
      // A site that only ever exported: pos 0 - neg = net, a true zero.
      const neg = String(real.negLtea3phsumKwh);
      const exporter = site(flat({ posLtea3phsumKwh: "0.000000", netLtea3phsumKwh: `-${neg}` }));
      assert.strictEqual(exporter.import_kwh, 0);
      assert.strictEqual(exporter.export_kwh, Number(neg));
    });
  });
});

describe("model/varserver: a device in both layouts loses no field", () => {
  it("the flat leaves win, the nested object's vldFldMsk is kept as reported; every number is a metric", () => {
    const nested = capture<Record<string, Record<string, unknown>>>(`${PYPVS}/LocalAPI-vars-match-meter-data-obj.json`);
    const data = nested["/sys/devices/11/meter/data"];
    const flat: Vars = {};
    for (const [field, value] of Object.entries(data))
      if (field !== "vldFldMsk") flat[`/sys/devices/meter/0/${field}`] = String(value);
    const out = normalizeVars({ devices: { ...flat, ...nested }, live: {}, system: {} });
    const meter = out.list.devices.find((d) => d.serial === data.sn);
    assert.ok(meter);
    assert.strictEqual(out.list.devices.filter((d) => d.serial === data.sn).length, 1, "listed once");
    assert.strictEqual(meter.properties.vldFldMsk, data.vldFldMsk);
    for (const [field, value] of Object.entries(data))
      if (typeof value === "number") assert.ok(Object.values(meter.metrics).includes(value), `${field} ${value}`);
  });
});
