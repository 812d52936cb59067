// A stored site memory is read back from a file anyone can edit: each hostile entry is dropped on its own, the
// rest kept, and no impossible figure reaches the output.
import assert from "assert";
import { SimulatedSite } from "../../src/emulator/site";
import { DeviceListPayload } from "../../src/model/device-list-output";
import { SiteMemory, SiteMemoryState } from "../../src/model/site-memory";
import { analyze } from "../support/site";

const START = Date.UTC(2025, 5, 21, 18, 0);
const STEP = 120_000;

/** A site polled a few times, the memory it built (as stored), and a way to keep polling it. */
function polledSite(polls = 5) {
  let now = START;
  const site = new SimulatedSite({ inverters: 3, longitude: -117, serial: "ZT01234567890ABCDE", now: () => now });
  const memory = SiteMemory.create();
  for (let i = 0; i < polls; i++, now += STEP) analyze(memory, site.deviceList());
  const stored = JSON.parse(JSON.stringify(memory.toJSON())) as SiteMemoryState;
  const poll = (m: SiteMemory): DeviceListPayload => {
    const out = analyze(m, site.deviceList());
    now += STEP;
    return out;
  };
  return { stored, poll, site };
}

const SITE_ENERGY = ["production_kwh", "consumption_kwh", "import_kwh", "export_kwh", "net_kwh"] as const;

/** Every lifetime figure of the site is a possible one: finite, within a TWh, and ≥ 0 except the net. */
function assertPlausible(out: DeviceListPayload): void {
  for (const f of SITE_ENERGY) {
    const v = out.site[f];
    if (v === undefined) continue;
    assert.ok(Number.isFinite(v) && Math.abs(v) < 1e9, `${f} = ${v}`);
    if (f !== "net_kwh") assert.ok(v >= 0, `${f} = ${v}`);
  }
  for (const m of out.missing) for (const v of Object.values(m.held)) assert.ok(v >= 0 && v < 1e9, `held ${v}`);
}

describe("model/site-memory-restore: hostile stored memories", () => {
  it("drops negative lifetime counters: the polls after the restart report the meters' own counters", () => {
    const { stored, poll } = polledSite();
    const before = poll(SiteMemory.fromJSON(stored));
    for (const c of Object.values(stored.counters)) c.good = -1e12;
    const memory = SiteMemory.fromJSON(stored);
    assert.strictEqual(memory.droppedOnRestore, Object.keys(stored.counters).length);
    for (const key of Object.keys(stored.counters)) {
      const space = key.lastIndexOf(" ");
      assert.strictEqual(memory.lifetime(key.slice(0, space), key.slice(space + 1)), null, key);
    }
    const outs = [poll(memory), poll(memory)];
    for (const out of outs) assertPlausible(out);
    for (const f of ["production_kwh", "import_kwh", "export_kwh"] as const) {
      const v = outs[1].site[f] as number;
      assert.ok(v >= (before.site[f] as number), `${f} continues from the meters (${v})`);
    }
  });

  it("drops counters that are huge, of a field it never keeps, or not numbers; keeps a negative net counter", () => {
    const { stored } = polledSite();
    const keys = Object.keys(stored.counters);
    const inverterKey = keys.find((k) => k.endsWith(" ltea_3phsum_kwh")) as string;
    // The consumption meter's serial ends in "c" (the emulator's PVS6M01234567c).
    const netKey = keys.find((k) => k.endsWith("c net_ltea_3phsum_kwh")) as string;
    const serial = inverterKey.slice(0, inverterKey.lastIndexOf(" "));
    stored.counters[inverterKey] = { good: 1e308, at: stored.counters[inverterKey].at };
    const at = stored.counters[netKey].at;
    stored.counters[netKey] = { good: -1234.5, at };
    Object.assign(stored.counters, {
      [`${serial} __proto__`]: { good: 5, at },
      [`${serial} p_3phsum_kw`]: { good: 5, at },
      [`${serial} pos_ltea_3phsum_kwh`]: { good: "12", at },
      [`${serial} neg_ltea_3phsum_kwh`]: [12, at],
    });
    const memory = SiteMemory.fromJSON(stored);
    assert.strictEqual(memory.droppedOnRestore, 5);
    assert.strictEqual(memory.lifetime(serial, "ltea_3phsum_kwh"), null);
    assert.strictEqual(memory.lifetime(serial, "p_3phsum_kw"), null);
    const net = netKey.slice(0, netKey.lastIndexOf(" "));
    assert.strictEqual(memory.lifetime(net, "net_ltea_3phsum_kwh"), -1234.5, "a net meter may have exported more");
  });

  it("drops entries with impossible dates, wrong shapes or unclean serials; keeps the well-formed ones", () => {
    const { stored } = polledSite();
    const [good, second] = Object.keys(stored.devices);
    const entry = stored.devices[good];
    const hostile: Record<string, unknown> = {
      [second]: { ...entry, firstSeen: "banana" },
      "E\u0000EVIL": entry,
      "E\u202eLIVE": entry,
      E3: { ...entry, category: "hacker" },
      E4: { ...entry, firstSeen: entry.lastSeen, lastSeen: "2001-01-01T00:00:00.000Z" },
      E5: { ...entry, lastSeen: "9999-12-31T00:00:00.000Z" },
      E6: [entry],
      E7: { ...entry, model: "SPR\nX", deviceType: 42 },
    };
    const state = {
      ...stored,
      lastTime: "not a time",
      devices: { [good]: entry, ...hostile },
      stamps: { ...stored.stamps, E8: { stamp: "1", since: entry.lastSeen } },
    };
    const memory = SiteMemory.fromJSON(state);
    const devices = memory.toJSON().devices;
    assert.deepStrictEqual(Object.keys(devices).sort(), [good, "E7"].sort());
    assert.deepStrictEqual([devices.E7.model, devices.E7.deviceType], ["SPR X", null], "text cleaned, not dropped");
    assert.strictEqual(memory.lastTime, null);
    assert.strictEqual(memory.toJSON().stamps.E8, undefined);
    assert.strictEqual(memory.droppedOnRestore, 9, "seven devices, the last time, one stamp");
  });

  it("drops impossible day energies and a yesterday that is not before today", () => {
    const { stored } = polledSite();
    const today = stored.today!;
    const hostile = (day: unknown, yesterday: unknown = null) =>
      SiteMemory.fromJSON({ ...stored, today: day, yesterday }).toJSON();
    const negative = hostile({ ...today, production_kwh: -5, import_kwh: 1e300, export_kwh: 2 });
    assert.deepStrictEqual(
      [negative.today?.production_kwh, negative.today?.import_kwh, negative.today?.export_kwh],
      [undefined, undefined, 2],
    );
    assert.strictEqual(hostile({ ...today, date: "2025-02-30" }).today, null);
    assert.strictEqual(hostile({ ...today, since: "2025-06-21" }).today, null);
    assert.strictEqual(hostile(today, { ...today }).yesterday, null, "yesterday on today's date");
    assert.deepStrictEqual(hostile(today, { ...today, date: "2025-06-20" }).yesterday?.date, "2025-06-20");
  });

  it("drops CT evidence that would fake export or hold impossible figures", () => {
    const { stored } = polledSite();
    const ct = {
      subtype: "NET\u0000CONSUMPTION",
      highSun: 10,
      highSunImporting: 99,
      lowestDuringHighSun: -1e300,
      highestProduction: 1e308,
      negative: -3,
      lowestConsumptionMeter: null,
      negFirst: -1e12,
      negLast: 5,
      productionNegative: 1.7,
      lowestProductionMeter: "x",
    };
    const ev = SiteMemory.fromJSON({ ...stored, ct }).evidence;
    assert.deepStrictEqual(ev, {
      subtype: "NET CONSUMPTION",
      highSun: 10,
      highSunImporting: 10,
      lowestDuringHighSun: null,
      highestProduction: null,
      negative: 0,
      lowestConsumptionMeter: null,
      negFirst: null,
      negLast: null,
      productionNegative: 1,
      lowestProductionMeter: null,
    });
  });

  it("a well-formed memory comes back whole, with nothing dropped", () => {
    const { stored } = polledSite();
    const memory = SiteMemory.fromJSON(stored);
    assert.strictEqual(memory.droppedOnRestore, 0);
    assert.deepStrictEqual(memory.toJSON(), stored);
  });
});
