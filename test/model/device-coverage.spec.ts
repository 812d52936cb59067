import assert from "assert";
import { DEVICE_TYPES } from "../../src/model/device-types";
import { mergeEssStatus } from "../../src/model/ess-status";
import { legacyUnknowns, normalizeDeviceList } from "../../src/model/legacy-device-list";
import { PayloadError } from "../../src/model/payload-error";
import { fixture } from "../fixtures/load";

const FIXTURES = [
  "seed-device-list",
  "pvs6-2024-device-list",
  "pvs5-device-list",
  "sunvault-device-list",
  "error-inverters-device-list",
];

describe("model: every device type and field of the reference samples", () => {
  it("knows every DEVICE_TYPE of the firmware's list", () => {
    assert.deepStrictEqual(Object.keys(DEVICE_TYPES).sort(), [
      "Battery",
      "ESS BMS",
      "ESS Hub",
      "Energy Storage System",
      "Gateway",
      "Ground Current Monitor",
      "HUB+",
      "Inverter",
      "MET Station",
      "PV Disconnect",
      "PVS",
      "Power Meter",
      "Storage Inverter",
    ]);
  });

  for (const name of FIXTURES) {
    it(`${name}: every device carried whole, every field known`, () => {
      const raw = fixture(name);
      const list = normalizeDeviceList(raw);
      assert.strictEqual(list.devices.length, raw.devices.length);
      raw.devices.forEach((entry, i) => {
        const d = list.devices[i];
        assert.deepStrictEqual(
          [...Object.keys(d.properties), ...Object.keys(d.metrics)].sort(),
          Object.keys(entry).sort(),
          `${name} device ${i}`,
        );
        assert.notStrictEqual(d.category, "unknown");
      });
      assert.deepStrictEqual(
        legacyUnknowns(raw),
        { deviceTypes: {}, fields: {} },
        "the samples hold no field this package does not know",
      );
    });
  }

  it("PVS6 2024 meters: per-leg fields, both lifetime directions, subtypes; inverters with p_mppt1_kw", () => {
    const list = normalizeDeviceList(fixture("pvs6-2024-device-list"));
    const c = list.meters.consumption!;
    assert.deepStrictEqual(
      ["i1_a", "i2_a", "p1_kw", "p2_kw", "v1n_v", "v2n_v", "v12_v", "neg_ltea_3phsum_kwh", "pos_ltea_3phsum_kwh"].map(
        (f) => typeof c.metrics[f],
      ),
      Array(9).fill("number"),
    );
    assert.strictEqual(c.properties.subtype, "NET_CONSUMPTION_LOADSIDE");
    assert.strictEqual(list.meters.production?.metrics.i_a, 15.13);
    assert.strictEqual(list.inverters[0].metrics.p_mppt1_kw, 0.1808);
    assert.strictEqual(list.inverters[0].properties.PANEL, "SPR-A420-G-AC");
    assert.strictEqual(list.inverters[2].metrics.p_3phsum_kw, null, '"nan" is a missing reading, never 0');
    assert.strictEqual(list.inverters[2].metrics.p_mppt1_kw, null, '"" on a measurement is a missing reading');
  });

  it("PVS5: meters without per-leg fields or subtype, export counter but no import counter", () => {
    const list = normalizeDeviceList(fixture("pvs5-device-list"));
    const c = list.meters.consumption!;
    assert.strictEqual(list.supervisor?.model, "PV Supervisor PVS5");
    assert.strictEqual(c.metrics.neg_ltea_3phsum_kwh, 18342.77);
    assert.ok(!("pos_ltea_3phsum_kwh" in c.metrics) && !("i1_a" in c.metrics) && !("subtype" in c.properties));
    assert.strictEqual(list.inverters[0].metrics.p_mpptsum_kw, 0.2833);
    assert.strictEqual(list.inverters[0].serial, "450051912002128");
  });

  it("SunVault parts: identity only, categorized as storage, linked to their ESS by PARENT", () => {
    const list = normalizeDeviceList(fixture("sunvault-device-list"));
    const byType = (t: string) => list.devices.find((d) => d.deviceType === t)!;
    for (const t of ["HUB+", "ESS Hub", "Energy Storage System", "ESS BMS", "Battery", "Storage Inverter", "Gateway"])
      assert.strictEqual(byType(t).category, "storage", t);
    assert.strictEqual(byType("PV Disconnect").category, "disconnect");
    assert.strictEqual(byType("PV Disconnect").metrics.v1n_grid_v, 123.1);
    assert.strictEqual(byType("ESS BMS").parent, "00001ABC1234_01234567890ABCDEF");
    assert.strictEqual(byType("Battery").parent, byType("Energy Storage System").serial);
    assert.deepStrictEqual(byType("Battery").metrics, {});
    assert.strictEqual(byType("HUB+").condition, "error", "SunVault parts often sit in error: said as is");
    assert.strictEqual(byType("Storage Inverter").condition, "unknown", "no state and no data time");
  });

  it("error inverters at night: no data time or frozen data, condition asleep, not fault", () => {
    const list = normalizeDeviceList(fixture("error-inverters-device-list"));
    const [bare, frozen] = list.inverters;
    assert.deepStrictEqual([bare.dataTime, bare.dataAgeS, bare.stale, bare.metrics], [null, null, null, {}]);
    assert.strictEqual(frozen.dataAgeS, 42318, "CURTIME − DATATIME: almost 12 hours");
    assert.strictEqual(frozen.stale, true);
    assert.deepStrictEqual(
      list.inverters.map((i) => i.condition),
      ["asleep", "asleep"],
    );
  });

  it("an inverter in error while its neighbours produce is a fault; fresh meters are ok", () => {
    const raw = fixture("pvs6-2024-device-list");
    raw.devices[5] = { ...raw.devices[5], STATE: "error", STATEDESCR: "Error" };
    const list = normalizeDeviceList(raw);
    assert.deepStrictEqual(
      list.inverters.map((i) => i.condition),
      ["ok", "ok", "fault"],
    );
    assert.strictEqual(list.meters.production?.dataAgeS, 15);
    assert.strictEqual(list.meters.production?.condition, "ok");
    assert.strictEqual(list.supervisor?.dataAgeS, 3134, "the supervisor's own record lags ~50 min on real units");
    assert.strictEqual(list.supervisor?.stale, false);
  });

  it("counts unknown device types and fields (they are still carried)", () => {
    const raw = {
      devices: [
        { DEVICE_TYPE: "Flux Capacitor", SERIAL: "F1" },
        { DEVICE_TYPE: "Flux Capacitor", SERIAL: "F2" },
        { DEVICE_TYPE: "Inverter", SERIAL: "E1", p_new_kw: "1", NEWPROP: "x" },
      ],
    };
    assert.deepStrictEqual(legacyUnknowns(raw), {
      deviceTypes: { "Flux Capacitor": 2 },
      fields: { "Inverter.NEWPROP": 1, "Inverter.p_new_kw": 1 },
    });
    assert.strictEqual(normalizeDeviceList(raw).devices[0].category, "unknown");
  });
});

describe("model/ess-status: the SunVault report merged into its devices", () => {
  const merged = () => {
    const list = normalizeDeviceList(fixture("sunvault-device-list"));
    const storage = mergeEssStatus(list, fixture("sunvault-ess-status"));
    const byType = (t: string) => list.devices.find((d) => d.deviceType === t)!;
    return { list, storage, byType };
  };

  it("puts battery state of charge, current, voltage and temperature on the BMS, by serial", () => {
    const { byType } = merged();
    assert.deepStrictEqual(byType("ESS BMS").metrics, {
      battery_amperage_a: -12.3,
      battery_voltage_v: 52.1,
      customer_state_of_charge_pct: 80,
      system_state_of_charge_pct: 85,
      temperature_degc: 25,
    });
    assert.strictEqual(byType("ESS BMS").properties.ess_last_updated, "2022-05-26 14:50:30");
  });

  it("puts the ESS meter, enclosure and operating mode on the ESS, the contactor on the HUB+, AC power on the storage inverter", () => {
    const { byType } = merged();
    const ess = byType("Energy Storage System");
    assert.strictEqual(ess.metrics.ess_meter_reading_agg_power_kw, -0.64);
    assert.strictEqual(ess.metrics.ess_meter_reading_meter_a_voltage_v, 121.9);
    assert.strictEqual(ess.metrics.enclosure_temperature_degc, 29.5);
    assert.strictEqual(ess.metrics.pcs_main_breaker_rating_a, 200);
    assert.strictEqual(ess.properties.ess_operational_mode, "SELF_CONSUMPTION");
    assert.strictEqual(ess.properties.ess_permission_to_operate, true);
    assert.strictEqual(byType("HUB+").properties.ess_contactor_position, "CLOSED");
    assert.strictEqual(byType("HUB+").metrics.grid_phase1_voltage_v, 121.4);
    assert.strictEqual(byType("Storage Inverter").metrics.ac_power_kw, -0.64);
  });

  it("summarizes state of charge, power and mode, and keeps unmatched sections instead of dropping them", () => {
    const { storage } = merged();
    assert.deepStrictEqual(
      { ...storage, unmatched: storage.unmatched.length },
      {
        operatingMode: "SELF_CONSUMPTION",
        customer_soc_pct: 80,
        system_soc_pct: 85,
        power_kw: -0.64,
        unmatched: 0,
        error: null,
      },
    );
    const list = normalizeDeviceList({ devices: [] });
    const lonely = mergeEssStatus(list, fixture("sunvault-ess-status"));
    assert.deepStrictEqual(
      lonely.unmatched.map((u) => u.section),
      ["battery_status", "ess_status", "inverter_status", "hub_plus_status", "ess_state", "pcs_settings"],
    );
    assert.strictEqual(lonely.unmatched[0].metrics.battery_voltage_v, 52.1);
  });

  it("rejects an answer that is not an ESS report", () => {
    assert.throws(() => mergeEssStatus(normalizeDeviceList({ devices: [] }), { result: "succeed" }), PayloadError);
  });
});
