// The LocalAPI device variables on real answers: the vendor's nested layout, and serials
// that are not identities.
import assert from "assert";
import { normalizeDeviceList } from "../../src/model/legacy-device-list";
import { SiteMemory } from "../../src/model/site-memory";
import { normalizeVars } from "../../src/model/localapi-device-list";
import { analyzeVars, capture, ksmooove, LegacyAnswer, n, Vars } from "./captures";

const PYPVS = "SunStrong-Management__pypvs";

describe("model/varserver: the nested layout of the vendor's build 61840 documentation", () => {
  const nested = capture<Record<string, Record<string, unknown>>>(`${PYPVS}/LocalAPI-vars-match-meter-data-obj.json`);
  const live = capture(`${PYPVS}/LocalAPI-vars-match-livedata-obj-1.json`);

  /** The meters as the payload has them, independent of the package: serial, model and the fields. */
  const expected = Object.values(nested).map((d) => ({
    serial: d.sn,
    model: d.prodMdlNm,
    p: d.p3phsumKw,
    net: d.netLtea3phsumKwh,
    stamp: new Date(String(d.msmtEps)).toISOString(),
  }));

  function check(devices: Vars) {
    const out = normalizeVars({ devices, live, system: {} });
    const meters = out.list.devices.filter((d) => d.category === "meter");
    assert.deepStrictEqual(
      meters.map((d) => ({
        serial: d.serial,
        model: d.model,
        p: d.metrics.p_3phsum_kw,
        net: d.metrics.net_ltea_3phsum_kwh,
        stamp: d.dataTime,
      })),
      expected,
    );
    assert.strictEqual(out.list.meters.production?.serial, expected.find((e) => String(e.model).endsWith("p"))?.serial);
    assert.strictEqual(
      out.list.meters.consumption?.serial,
      expected.find((e) => String(e.model).endsWith("c"))?.serial,
    );
    // The validity masks are carried as reported, not as measurements.
    assert.strictEqual(meters[0].properties.vldFldMsk, nested["/sys/devices/11/meter/data"].vldFldMsk);
    assert.strictEqual(meters[0].metrics.vld_fld_msk, undefined);
    assert.deepStrictEqual(out.unknowns.fields, {});
    return out;
  }

  it("each /sys/devices/<n>/meter/data object is a device, the same as the flat layout gives", () => {
    const out = check(nested);
    const site = analyzeVars(SiteMemory.create(), { devices: nested, live, system: {} }).site;
    assert.strictEqual(site.production_kw, Math.round(n(nested["/sys/devices/11/meter/data"].p3phsumKw) * 1e4) / 1e4);
    assert.strictEqual(out.list.devices.length, expected.length);
  });

  it("the value may also come as JSON text", () => {
    check(Object.fromEntries(Object.entries(nested).map(([k, v]) => [k, JSON.stringify(v)])));
  });

  it("the same device in both layouts is listed once (the flat one)", () => {
    const flat: Vars = {};
    for (const [field, value] of Object.entries(nested["/sys/devices/11/meter/data"]))
      flat[`/sys/devices/meter/0/${field}`] = String(value);
    const out = normalizeVars({ devices: { ...flat, ...nested }, live, system: {} });
    assert.deepStrictEqual(
      out.list.devices.map((d) => d.serial),
      expected.map((e) => e.serial),
    );
  });
});

describe("model: a serial n/a (the firmware's default for an unset text variable) is not an identity", () => {
  it("LocalAPI (ksmooove): a meter whose sn is n/a or empty gets serial null and is reported as without serial", () => {
    for (const unset of ["n/a", "N/A", " "]) {
      const reading = ksmooove();
      reading.devices["/sys/devices/meter/1/sn"] = unset;
      const out = analyzeVars(SiteMemory.create(), reading);
      const meter = out.devices.find(
        (d) => d.category === "meter" && d.model === reading.devices["/sys/devices/meter/1/prodMdlNm"],
      );
      assert.strictEqual(meter?.serial, null, JSON.stringify(unset));
      // Two without serial: this meter, and the supervisor (the capture's system group has no serialnum).
      assert.strictEqual(out.checks.find((c) => c.code === "DEVICE_WITHOUT_SERIAL")?.details?.count, 2);
      assert.ok(!out.checks.some((c) => c.code === "DUPLICATE_SERIAL"));
    }
  });

  it("legacy (smcneece dl_cgi): SERIAL n/a is null too", () => {
    const raw = capture<LegacyAnswer>("smcneece__ha-esunpower/dl_cgi.json");
    raw.devices[3].SERIAL = "n/a";
    raw.devices[4].SERIAL = "n/a";
    const list = normalizeDeviceList(raw);
    assert.deepStrictEqual([list.devices[3].serial, list.devices[4].serial], [null, null]);
  });
});
