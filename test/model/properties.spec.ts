// Property-based: whatever device list arrives, the model never throws, never drops a field, never pollutes a
// prototype.
import assert from "assert";
import fc from "fast-check";
import { useFixedSeed } from "../support/fast-check-seed";
import { analyzeDeviceList } from "../../src/model/device-list-output";
import { legacyUnknowns, normalizeDeviceList } from "../../src/model/legacy-device-list";
import { parseDecimal } from "../../src/model/fields";
import { maskSerial, redactDeep } from "../../src/model/redact";
import { SiteMemory } from "../../src/model/site-memory";

const KEYS = [
  "SERIAL",
  "DEVICE_TYPE",
  "STATE",
  "MODEL",
  "DATATIME",
  "CURTIME",
  "TYPE",
  "subtype",
  "PARENT",
  "p_3phsum_kw",
  "ltea_3phsum_kwh",
  "net_ltea_3phsum_kwh",
  "neg_ltea_3phsum_kwh",
  "pos_ltea_3phsum_kwh",
  "ct_scl_fctr",
  "freq_hz",
  "__proto__",
  "constructor",
  "toString",
  "x_y_kw",
  "odd",
];
const TYPES = ["PVS", "Power Meter", "Inverter", "ESS BMS", "HUB+", "PV Disconnect", "MET Station", "Zorg", ""];

const value = fc.oneof(
  fc.constantFrom(
    "nan",
    "",
    " 1.5 ",
    "0x1F",
    "-0.2",
    "2025,06,21,18,00,00",
    "2025,13,45,99,00,00",
    "working",
    "error",
    "PVS5-METER-C",
    "NET_CONSUMPTION_LOADSIDE",
  ),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);
const device = fc
  .dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 })), value, { maxKeys: 12 })
  .map((d) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(d))
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });
const typedDevice = fc.tuple(device, fc.constantFrom(...TYPES)).map(([d, t]) => ({ ...d, DEVICE_TYPE: t }));
const deviceList = fc
  .array(fc.oneof(device, typedDevice), { maxLength: 25 })
  .map((devices) => ({ devices, result: "succeed" }));

describe("model (property-based, fast-check)", function () {
  // Hundreds of generated device lists each: CPU-bound, about a second alone, longer on a busy 2-core machine.
  this.timeout(20000);
  useFixedSeed();
  it("normalizes any device list without throwing and carries every field of every device", () => {
    fc.assert(
      fc.property(deviceList, (raw) => {
        const list = normalizeDeviceList(raw);
        assert.strictEqual(list.devices.length, raw.devices.length);
        raw.devices.forEach((entry, i) => {
          const d = list.devices[i];
          const carried = [...Object.keys(d.properties), ...Object.keys(d.metrics)].sort();
          assert.deepStrictEqual(carried, Object.keys(entry).sort());
        });
      }),
      { numRuns: 300 },
    );
  });

  it("analyzes any sequence of device lists without throwing, with finite numbers only, and no prototype pollution", () => {
    fc.assert(
      fc.property(
        fc.array(deviceList, { minLength: 1, maxLength: 4 }),
        fc.constantFrom("pvs", "si") as fc.Arbitrary<"pvs" | "si">,
        (answers, unitSystem) => {
          const memory = SiteMemory.create();
          for (const raw of answers) {
            const out = analyzeDeviceList(normalizeDeviceList(raw), {
              memory,
              unknowns: legacyUnknowns(raw),
              storage: null,
              now: Date.UTC(2025, 5, 21),
              unitSystem,
            });
            for (const [k, v] of Object.entries(out.site)) if (typeof v === "number") assert.ok(Number.isFinite(v), k);
            JSON.stringify(out);
          }
          const restored = SiteMemory.fromJSON(JSON.parse(JSON.stringify(memory.toJSON())));
          assert.deepStrictEqual(restored.toJSON().counters, memory.toJSON().counters);
          assert.strictEqual(({} as Record<string, unknown>).polluted, undefined);
          assert.strictEqual(Object.prototype.toString.call({}), "[object Object]");
        },
      ),
      { numRuns: 200 },
    );
  });

  // parseDecimal and the device masking were rewritten for speed (bench/overhead.ts): each must still say
  // exactly what the plain versions said.
  it("parseDecimal reads exactly the decimal syntax, as the regular expression it replaced", () => {
    const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
    const oracle = (v: string) => {
      const s = v.trim();
      if (!DECIMAL.test(s)) return null;
      const n = Number(s);
      return Number.isFinite(n) ? n : null;
    };
    const tricky = fc.constantFrom(
      "",
      " ",
      "0x1A",
      " 0x1a",
      "0b11",
      "0o7",
      "0X1",
      "+0x1",
      "-0x1",
      "Infinity",
      "-Infinity",
      "1e400",
      "1e5",
      ".5",
      "5.",
      "+.5",
      "-.",
      ".",
      "+",
      "-",
      "1_000",
      "0.5",
      "00",
      "0",
      "-0",
      " 12 ",
      "\t7\n",
      "1,5",
      "NaN",
      "0e",
      "٣",
      "１",
    );
    const decimalish = fc.stringMatching(/^\s?[+-]?[0-9.eEx]{0,6}\s?$/);
    fc.assert(
      fc.property(fc.oneof(tricky, decimalish, fc.string()), (v) => {
        assert.strictEqual(parseDecimal(v), oracle(v), JSON.stringify(v));
      }),
      { numRuns: 3000 },
    );
  });

  it("masks the supervisor serial wherever it sits in a device, as a deep copy with masking would", () => {
    const serial = "ZT01234567890ABCDE";
    const withSerial = fc.oneof(
      value,
      fc.constantFrom(serial, `x${serial}y`, `${serial} ${serial}`, [serial], { s: serial }),
    );
    const dev = fc.dictionary(
      fc.oneof(fc.constantFrom(...KEYS, `k_${serial}`), fc.string({ maxLength: 12 })),
      withSerial,
      { maxKeys: 10 },
    );
    fc.assert(
      fc.property(fc.array(dev, { maxLength: 6 }), (devices) => {
        const raw = { devices: [{ DEVICE_TYPE: "PVS", SERIAL: serial }, ...devices], result: "succeed" };
        const text = JSON.stringify(normalizeDeviceList(raw));
        assert.ok(!text.includes(serial), text);
        assert.ok(text.includes(maskSerial(serial)));
        assert.deepStrictEqual(
          JSON.parse(text),
          JSON.parse(JSON.stringify(redactDeep(normalizeDeviceList(raw), [serial]))),
        );
      }),
      { numRuns: 300 },
    );
  });
});
