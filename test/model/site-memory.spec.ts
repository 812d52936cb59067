import assert from "assert";
import { localDate, localMidnight, SiteMemory } from "../../src/model/site-memory";
import { analyze, simulate } from "../support/site";
import { inTimeZone } from "../support/time-zone";

type Raw = { devices: Array<Record<string, unknown>> };
const inverterSerials = (raw: Raw) =>
  raw.devices.filter((d) => d.DEVICE_TYPE === "Inverter").map((d) => d.SERIAL as string);
/**
 * The site without meters, so that production energy is the inverters' sum (the case where missing inverters matter).
 */
const noMeters = (raw: Raw) => {
  raw.devices = raw.devices.filter((d) => d.DEVICE_TYPE !== "Power Meter");
};

// 2025-06-21 at longitude -117: sunset about 02:50 UTC, sunrise about 12:40 UTC.
const EVENING = Date.UTC(2025, 5, 22, 1, 0);
const BEFORE_DAWN = Date.UTC(2025, 5, 22, 12, 0);

describe("model/site-memory: devices that vanish and come back", () => {
  it("marks inverters missing at night (they left the list) and keeps their lifetime in the sum", () => {
    const { outputs } = simulate({ inverters: 4, night: "absent" }, EVENING, 120, 120_000, noMeters);
    const lastDay = outputs.filter((o) => o.inverters.length === 4).pop()!;
    const night = outputs[outputs.length - 1];
    assert.strictEqual(night.inverters.length, 0);
    assert.deepStrictEqual(night.missing.map((m) => m.serial).sort(), lastDay.inverters.map((i) => i.serial).sort());
    assert.strictEqual(night.missing[0].category, "inverter");
    assert.strictEqual(typeof night.missing[0].held.ltea_3phsum_kwh, "number");
    assert.deepStrictEqual(night.site.inverters, { known: 4, reporting: 0, ok: 0, asleep: 0, fault: 0, missing: 4 });
    assert.strictEqual(night.site.production_kwh, lastDay.site.production_kwh, "the lifetime sum does not drop");
    assert.ok(night.checks.some((c) => c.code === "DEVICES_MISSING" && c.level === "info"));
  });

  it("at sunrise, inverters returning one by one never make the sum or today's energy jump", () => {
    // Before dawn all four are away; from the first poll after dawn they return one per poll.
    let returning = 0;
    const { outputs } = simulate({ inverters: 4 }, BEFORE_DAWN - 3 * 3600_000, 150, 120_000, (raw, i) => {
      noMeters(raw);
      const serials = inverterSerials(raw);
      if (i < 5) return; // the first polls: all present (yesterday evening's state)
      const keep = new Set(serials.slice(0, Math.max(0, returning)));
      if (i >= 100) returning++;
      raw.devices = raw.devices.filter((d) => d.DEVICE_TYPE !== "Inverter" || keep.has(d.SERIAL as string));
    });
    const sums = outputs.map((o) => o.site.production_kwh as number);
    for (let i = 1; i < sums.length; i++) {
      assert.ok(sums[i] >= sums[i - 1] - 1e-9, `sum never drops (poll ${i})`);
      assert.ok(sums[i] - sums[i - 1] < 0.05, `sum never jumps (poll ${i}: +${sums[i] - sums[i - 1]} kWh)`);
    }
    const today = outputs.map((o) => o.site.today?.production_kwh ?? 0);
    assert.ok(today.every((v, i) => i === 0 || v >= today[i - 1]));
    assert.ok(today[today.length - 1] < 1, "today's production is what the panels made, not a returning lifetime");
  });
});

describe("model/site-memory: lifetime counters", () => {
  const withCounter = (value: (i: number) => number | null) => (raw: Raw, i: number) => {
    noMeters(raw);
    const v = value(i);
    if (v !== null) raw.devices.find((d) => d.DEVICE_TYPE === "Inverter")!.ltea_3phsum_kwh = String(v);
  };

  it("holds a counter that briefly reads 0: a glitch, not a reset (reported once, no jump, no negative energy)", () => {
    const { outputs } = simulate(
      { inverters: 2 },
      Date.UTC(2025, 5, 21, 18, 0),
      8,
      120_000,
      withCounter((i) => (i === 3 ? 0 : null)),
    );
    const events = outputs.flatMap((o) => o.checks.filter((c) => c.code.startsWith("COUNTER_")));
    assert.strictEqual(events.length, 1);
    assert.strictEqual(events[0].code, "COUNTER_ZERO");
    assert.match(
      events[0].message,
      /ltea_3phsum_kwh of E00122000000001 read 0 after 15\d\d\.\d+: a glitch of the PVS, not a reset\. Holding/,
    );
    const sums = outputs.map((o) => o.site.production_kwh as number);
    assert.ok(
      sums.every((v, i) => i === 0 || (v >= sums[i - 1] && v - sums[i - 1] < 0.1)),
      JSON.stringify(sums),
    );
  });

  it("accepts a real reset after three consistent readings, without counting the step", () => {
    const { outputs } = simulate(
      { inverters: 2 },
      Date.UTC(2025, 5, 21, 18, 0),
      10,
      120_000,
      withCounter((i) => (i >= 3 ? 0.01 * i : null)),
    );
    const codes = outputs.flatMap((o) =>
      o.checks.filter((c) => c.code.startsWith("COUNTER_")).map((c) => `${c.code}:${c.details?.accepted}`),
    );
    assert.deepStrictEqual(codes, ["COUNTER_RESET:false", "COUNTER_RESET:true"]);
    const today = outputs.map((o) => o.site.today?.production_kwh as number);
    assert.ok(today.every((v, i) => i === 0 || (v >= today[i - 1] && v - today[i - 1] < 0.05)));
  });

  it("reports a rollback and a jump with their reason", () => {
    const base = Date.UTC(2025, 5, 21, 18, 0);
    const back = simulate(
      { inverters: 2 },
      base,
      5,
      120_000,
      withCounter((i) => (i === 2 ? 1000 : null)),
    ).outputs;
    assert.deepStrictEqual(
      back.flatMap((o) => o.checks.filter((c) => c.code.startsWith("COUNTER_")).map((c) => c.code)),
      ["COUNTER_ROLLBACK"],
    );
    const jump = simulate(
      { inverters: 2 },
      base,
      5,
      120_000,
      withCounter((i) => (i === 2 ? 99999 : null)),
    ).outputs;
    assert.deepStrictEqual(
      jump.flatMap((o) => o.checks.filter((c) => c.code.startsWith("COUNTER_")).map((c) => c.code)),
      ["COUNTER_JUMP"],
    );
    assert.ok(jump[2].site.production_kwh! < 5000, "the sum keeps the last good value");
  });
});

describe("model/site-memory: energy per local day", () => {
  inTimeZone("America/Los_Angeles");

  it("computes local dates and midnights across daylight-saving changes (23- and 25-hour days)", () => {
    assert.strictEqual(localDate(Date.UTC(2025, 2, 9, 7, 59)), "2025-03-08");
    assert.strictEqual(localDate(Date.UTC(2025, 2, 9, 8, 0)), "2025-03-09");
    assert.strictEqual(new Date(localMidnight(Date.UTC(2025, 2, 9, 20, 0))).toISOString(), "2025-03-09T08:00:00.000Z");
    assert.strictEqual(new Date(localMidnight(Date.UTC(2025, 2, 10, 20, 0))).toISOString(), "2025-03-10T07:00:00.000Z");
    assert.strictEqual(new Date(localMidnight(Date.UTC(2025, 10, 2, 20, 0))).toISOString(), "2025-11-02T07:00:00.000Z");
    assert.strictEqual(new Date(localMidnight(Date.UTC(2025, 10, 3, 20, 0))).toISOString(), "2025-11-03T08:00:00.000Z");
  });

  for (const [name, start, hours] of [
    ["spring forward (23 h)", Date.UTC(2025, 2, 8, 20, 0), 23],
    ["fall back (25 h)", Date.UTC(2025, 10, 1, 20, 0), 25],
  ] as const) {
    it(`closes the day at local midnight and splits the energy of the straddling poll: ${name}`, () => {
      const { outputs } = simulate(
        { inverters: 10 },
        start,
        Math.ceil(((12 + hours + 3) * 3600_000) / 600_000),
        600_000,
      );
      const last = outputs[outputs.length - 1];
      const y = last.site.yesterday!;
      const dayStart = outputs.findIndex((o) => o.site.today?.complete === true);
      const midnight = Date.parse(outputs[dayStart].site.today!.since);
      const nextMidnight = Date.parse(last.site.today!.since);
      assert.strictEqual((nextMidnight - midnight) / 3600_000, hours, "the day had its real length");
      assert.strictEqual(y.since, outputs[dayStart].site.today!.since);
      assert.strictEqual(y.complete, true);
      // The day's production equals the production meter's counter between the two midnights (interpolated at the
      // edges).
      const at = (ms: number) => {
        const i = outputs.findIndex((o) => Date.parse(o.time!) >= ms);
        const [a, b] = [outputs[i - 1], outputs[i]];
        const [ta, tb] = [Date.parse(a.time!), Date.parse(b.time!)];
        const [ea, eb] = [
          a.meters.production!.metrics.net_ltea_3phsum_kwh as number,
          b.meters.production!.metrics.net_ltea_3phsum_kwh as number,
        ];
        return ea + ((eb - ea) * (ms - ta)) / (tb - ta);
      };
      assert.ok(
        Math.abs(y.production_kwh! - (at(nextMidnight) - at(midnight))) < 0.02,
        `${y.production_kwh} vs ${at(nextMidnight) - at(midnight)}`,
      );
      assert.ok(y.production_kwh! > 10, "a sunny day's production");
      assert.ok(y.import_kwh! > 0 && y.export_kwh! > 0 && y.consumption_kwh! > 0);
    });
  }

  it("marks a day it did not see start as incomplete", () => {
    const { last } = simulate({}, Date.UTC(2025, 5, 21, 20, 0), 3);
    assert.deepStrictEqual(
      [last.site.today?.date, last.site.today?.complete, last.site.today?.since],
      ["2025-06-21", false, "2025-06-21T20:00:00.000Z"],
    );
  });
});

describe("model/site-memory: persistence", () => {
  it("survives a round trip through JSON (the context store) with the same devices, counters and day", () => {
    const { memory, last } = simulate({ inverters: 3 }, Date.UTC(2025, 5, 21, 18, 0), 5);
    const restored = SiteMemory.fromJSON(JSON.parse(JSON.stringify(memory.toJSON())));
    assert.deepStrictEqual(restored.toJSON(), memory.toJSON());
    assert.strictEqual(
      restored.lifetime(last.inverters[0].serial!, "ltea_3phsum_kwh"),
      last.inverters[0].metrics.ltea_3phsum_kwh,
    );
  });

  it("starts afresh from anything unreadable, and keeps well-formed entries of a damaged state", () => {
    for (const bad of [null, 42, "x", [], { version: 2 }, { version: 1, devices: "no" }]) {
      assert.deepStrictEqual(SiteMemory.fromJSON(bad).toJSON().devices, {}, JSON.stringify(bad));
    }
    const damaged = SiteMemory.fromJSON({
      version: 1,
      devices: {
        E1: { category: "inverter", firstSeen: "2025-01-01T00:00:00Z", lastSeen: "2025-01-02T00:00:00Z" },
        E2: { category: "inverter" },
      },
      counters: {
        "E1 ltea_3phsum_kwh": { good: 12, at: "2025-01-02T00:00:00Z" },
        "E2 ltea_3phsum_kwh": { good: "a lot" },
      },
      today: { date: "yesterday" },
    });
    assert.deepStrictEqual(Object.keys(damaged.toJSON().devices), ["E1"]);
    assert.strictEqual(damaged.lifetime("E1", "ltea_3phsum_kwh"), 12);
    assert.strictEqual(damaged.lifetime("E2", "ltea_3phsum_kwh"), null);
    assert.strictEqual(damaged.toJSON().today, null);
  });

  it("does not advance twice on the same answer (two nodes polling one PVS)", () => {
    const memory = SiteMemory.create();
    const raw = {
      devices: [
        {
          DEVICE_TYPE: "Inverter",
          SERIAL: "E1",
          STATE: "working",
          CURTIME: "2025,06,21,18,00,00",
          DATATIME: "2025,06,21,18,00,00",
          ltea_3phsum_kwh: "10",
          p_3phsum_kw: "0.3",
        },
      ],
    };
    analyze(memory, raw);
    const next = {
      devices: [
        {
          ...raw.devices[0],
          CURTIME: "2025,06,21,18,02,00",
          DATATIME: "2025,06,21,18,02,00",
          ltea_3phsum_kwh: "10.01",
        },
      ],
    };
    const first = analyze(memory, next);
    const second = analyze(memory, next);
    assert.strictEqual(first.site.today?.production_kwh, 0.01);
    assert.strictEqual(second.site.today?.production_kwh, 0.01);
  });
});
