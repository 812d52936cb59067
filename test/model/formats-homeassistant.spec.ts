// Home Assistant MQTT discovery from the device list: exact configs for a meter, an inverter and the PVS,
// classes from the unit table, what is announced when, and no secret anywhere.
import assert from "assert";
import { analyzeDeviceList, DeviceListPayload } from "../../src/model/device-list-output";
import { mergeEssStatus } from "../../src/model/ess-status";
import { legacyUnknowns, normalizeDeviceList } from "../../src/model/legacy-device-list";
import { DiscoveryTracker, sensorClass } from "../../src/model/formats/homeassistant";
import { mqttStateMessages, MqttMessage } from "../../src/model/formats/mqtt";
import { SiteMemory } from "../../src/model/site-memory";
import { Unit } from "../../src/model/units";
import { fixture } from "../fixtures/load";
import { analyze, simulate } from "../support/site";

const FIXTURE = "pvs6-2024-device-list";
const payloadOf = (
  units: "pvs" | "si" = "pvs",
  edit?: (raw: { devices: Array<Record<string, unknown>> }) => void,
): DeviceListPayload => {
  const raw = fixture(FIXTURE);
  edit?.(raw);
  return analyze(SiteMemory.create(), raw, units);
};
type Config = Record<string, unknown> & { device: Record<string, unknown> };
const configs = (messages: Iterable<MqttMessage>) => new Map([...messages].map((m) => [m.topic, m.payload as Config]));
const ORIGIN = { name: "@pvs-local/node-red-sunpower", support_url: "https://github.com/pvs-local/node-red-sunpower" };
const PVS = "pvs_zt222285000549";

describe("model/formats/homeassistant: sensor classes from the unit table", () => {
  it("maps every unit of units.ts to a device class, state class and unit Home Assistant accepts", () => {
    const cases: Array<[string, Unit | null, ReturnType<typeof sensorClass>]> = [
      ["p_3phsum_kw", "kW", { device_class: "power", state_class: "measurement", unit_of_measurement: "kW" }],
      ["p_3phsum_w", "W", { device_class: "power", state_class: "measurement", unit_of_measurement: "W" }],
      [
        "ltea_3phsum_kwh",
        "kWh",
        { device_class: "energy", state_class: "total_increasing", unit_of_measurement: "kWh" },
      ],
      [
        "pos_ltea_3phsum_wh",
        "Wh",
        { device_class: "energy", state_class: "total_increasing", unit_of_measurement: "Wh" },
      ],
      ["net_ltea_3phsum_kwh", "kWh", { device_class: "energy", state_class: "total", unit_of_measurement: "kWh" }],
      [
        "q_3phsum_var",
        "var",
        { device_class: "reactive_power", state_class: "measurement", unit_of_measurement: "var" },
      ],
      ["q_3phsum_kvar", "kvar", { state_class: "measurement", unit_of_measurement: "kvar" }],
      ["s_3phsum_va", "VA", { device_class: "apparent_power", state_class: "measurement", unit_of_measurement: "VA" }],
      ["s_3phsum_kva", "kVA", { state_class: "measurement", unit_of_measurement: "kVA" }],
      ["vln_3phavg_v", "V", { device_class: "voltage", state_class: "measurement", unit_of_measurement: "V" }],
      ["i_3phsum_a", "A", { device_class: "current", state_class: "measurement", unit_of_measurement: "A" }],
      ["freq_hz", "Hz", { device_class: "frequency", state_class: "measurement", unit_of_measurement: "Hz" }],
      ["t_htsnk_degc", "°C", { device_class: "temperature", state_class: "measurement", unit_of_measurement: "°C" }],
      ["customer_soc_pct", "%", { device_class: "battery", state_class: "measurement", unit_of_measurement: "%" }],
      [
        "system_state_of_charge_pct",
        "%",
        { device_class: "battery", state_class: "measurement", unit_of_measurement: "%" },
      ],
      ["cpu_usage_pct", "%", { state_class: "measurement", unit_of_measurement: "%" }],
      ["tot_pf_rto", "ratio", { device_class: "power_factor", state_class: "measurement" }],
      ["dl_uptime", "s", { device_class: "duration", state_class: "measurement", unit_of_measurement: "s" }],
      [
        "backup_time_remaining_min",
        "min",
        { device_class: "duration", state_class: "measurement", unit_of_measurement: "min" },
      ],
      ["dl_mem_used", "KiB", { device_class: "data_size", state_class: "measurement", unit_of_measurement: "KiB" }],
      ["dl_comm_err", "count", { state_class: "measurement" }],
      ["dl_cpu_load", "load", { state_class: "measurement" }],
      ["stat_ind", "code", { diagnostic: true }],
      ["mystery", null, {}],
      // The site's counters: lifetime and today's grow (held when a meter glitches); net goes both ways.
      ["import_kwh", "kWh", { device_class: "energy", state_class: "total_increasing", unit_of_measurement: "kWh" }],
      [
        "today_production_wh",
        "Wh",
        { device_class: "energy", state_class: "total_increasing", unit_of_measurement: "Wh" },
      ],
      ["net_kwh", "kWh", { device_class: "energy", state_class: "total", unit_of_measurement: "kWh" }],
      ["ess_en_kwh", "kWh", { device_class: "energy", state_class: "total", unit_of_measurement: "kWh" }],
    ];
    const covered = new Set<Unit | null>();
    for (const [name, unit, expected] of cases) {
      assert.deepStrictEqual(sensorClass(name), expected, name);
      covered.add(unit);
    }
    const units: Unit[] = [
      "kW",
      "kWh",
      "kvar",
      "kVA",
      "W",
      "Wh",
      "var",
      "VA",
      "V",
      "A",
      "Hz",
      "°C",
      "%",
      "ratio",
      "s",
      "KiB",
      "count",
      "load",
      "min",
      "code",
    ];
    for (const u of units) assert.ok(covered.has(u), `unit ${u} has a case`);
  });
});

describe("model/formats/homeassistant: discovery configs", () => {
  it("a meter: power in kW, a lifetime counter, under the PVS, with availability and expiry", () => {
    const all = configs(new DiscoveryTracker({ expireAfterS: 360 }).update(payloadOf()).messages);
    const power = all.get("homeassistant/sensor/pvs_pvs6m22283193c/p_3phsum_kw/config");
    assert.deepStrictEqual(power, {
      name: "Power",
      unique_id: "pvs_pvs6m22283193c_p_3phsum_kw",
      state_topic: "pvs/meter/pvs6m22283193c/p_3phsum_kw",
      availability: [
        {
          topic: "pvs/meter/pvs6m22283193c/availability",
          payload_available: "online",
          payload_not_available: "offline",
        },
      ],
      expire_after: 360,
      device: {
        identifiers: ["pvs_pvs6m22283193c"],
        name: "Consumption meter PVS6M22283193c",
        manufacturer: "SunPower",
        model: "PVS6M0400c",
        serial_number: "PVS6M22283193c",
        sw_version: "3000",
        via_device: PVS,
      },
      origin: ORIGIN,
      device_class: "power",
      state_class: "measurement",
      unit_of_measurement: "kW",
    });
    const forward = all.get("homeassistant/sensor/pvs_pvs6m22283193c/pos_ltea_3phsum_kwh/config");
    assert.deepStrictEqual(
      [forward?.name, forward?.device_class, forward?.state_class, forward?.unit_of_measurement],
      ["Lifetime energy forward", "energy", "total_increasing", "kWh"],
    );
    assert.strictEqual(
      all.get("homeassistant/sensor/pvs_pvs6m22283193c/net_ltea_3phsum_kwh/config")?.state_class,
      "total",
    );
  });

  it("an inverter: power and lifetime energy enabled, the rest there but disabled, grouped under its device", () => {
    const all = configs(new DiscoveryTracker().update(payloadOf()).messages);
    const topic = (o: string) => `homeassistant/sensor/pvs_e00122052100000/${o}/config`;
    const energy = all.get(topic("ltea_3phsum_kwh")) as Config;
    assert.deepStrictEqual(energy, {
      name: "Lifetime energy",
      unique_id: "pvs_e00122052100000_ltea_3phsum_kwh",
      state_topic: "pvs/inverter/e00122052100000/ltea_3phsum_kwh",
      availability: [
        {
          topic: "pvs/inverter/e00122052100000/availability",
          payload_available: "online",
          payload_not_available: "offline",
        },
      ],
      device: {
        identifiers: ["pvs_e00122052100000"],
        name: "Inverter E00122052100000",
        manufacturer: "SunPower",
        model: "AC_Module_Type_H",
        serial_number: "E00122052100000",
        sw_version: "4.40.1",
        hw_version: "4405",
        via_device: PVS,
      },
      origin: ORIGIN,
      device_class: "energy",
      state_class: "total_increasing",
      unit_of_measurement: "kWh",
    });
    assert.strictEqual(all.get(topic("p_3phsum_kw"))?.enabled_by_default, undefined);
    for (const o of [
      "vln_3phavg_v",
      "i_3phsum_a",
      "p_mppt1_kw",
      "v_mppt1_v",
      "i_mppt1_a",
      "t_htsnk_degc",
      "freq_hz",
      "stat_ind",
      "data_time",
    ]) {
      assert.strictEqual(all.get(topic(o))?.enabled_by_default, false, o);
    }
    assert.strictEqual(all.get(topic("stat_ind"))?.entity_category, "diagnostic");
    const condition = all.get(topic("condition")) as Config;
    assert.deepStrictEqual(
      [condition.device_class, condition.options, condition.entity_category, condition.state_topic],
      [
        "enum",
        ["ok", "asleep", "fault", "error", "stale", "unknown"],
        "diagnostic",
        "pvs/inverter/e00122052100000/condition",
      ],
    );
    assert.strictEqual(all.get(topic("data_time"))?.device_class, "timestamp");
    // Every panel appears: three inverters, each its own device.
    const inverterDevices = new Set(
      [...all.values()]
        .filter((c) => String(c.unique_id).startsWith("pvs_e001"))
        .map((c) => (c.device.identifiers as string[])[0]),
    );
    assert.strictEqual(inverterDevices.size, 3);
  });

  it("the PVS: its health figures as diagnostics, the site's figures on it, no serial number and no via_device", () => {
    const all = configs(new DiscoveryTracker().update(payloadOf()).messages);
    const uptime = all.get(`homeassistant/sensor/${PVS}/dl_uptime/config`) as Config;
    assert.deepStrictEqual(uptime.device, {
      identifiers: [PVS],
      name: "PVS ZT222285000549",
      manufacturer: "SunPower",
      model: "PV Supervisor PVS6",
      sw_version: "2025.03, Build 61829",
      hw_version: "6.02",
    });
    assert.deepStrictEqual(
      [uptime.name, uptime.device_class, uptime.unit_of_measurement, uptime.entity_category, uptime.state_topic],
      ["Uptime", "duration", "s", "diagnostic", "pvs/supervisor/zt222285000549/dl_uptime"],
    );
    const imports = all.get(`homeassistant/sensor/${PVS}/site_import_kwh/config`) as Config;
    assert.deepStrictEqual(imports, {
      name: "Lifetime grid import",
      unique_id: `${PVS}_site_import_kwh`,
      state_topic: "pvs/site/zt222285000549/import_kwh",
      // The site is as available as its PVS (it had no availability before).
      availability: [
        {
          topic: "pvs/supervisor/zt222285000549/availability",
          payload_available: "online",
          payload_not_available: "offline",
        },
      ],
      device: uptime.device,
      origin: ORIGIN,
      device_class: "energy",
      state_class: "total_increasing",
      unit_of_measurement: "kWh",
    });
    assert.strictEqual(all.get(`homeassistant/sensor/${PVS}/site_production_kw/config`)?.name, "Production");
    assert.strictEqual(all.get(`homeassistant/sensor/${PVS}/site_net_kwh/config`)?.state_class, "total");
  });

  it("follows the unit system in units and state topics, but keeps unique ids and config topics: no orphans", () => {
    // Before, the ids followed the SI names (`..._p_3phsum_w`): switching Units left every such entity orphaned.
    const all = configs(new DiscoveryTracker().update(payloadOf("si")).messages);
    const power = all.get("homeassistant/sensor/pvs_e00122052100000/p_3phsum_kw/config") as Config;
    assert.deepStrictEqual(
      [power.name, power.unit_of_measurement, power.state_topic, power.unique_id],
      ["Power", "W", "pvs/inverter/e00122052100000/p_3phsum_w", "pvs_e00122052100000_p_3phsum_kw"],
    );
    const energy = all.get(`homeassistant/sensor/${PVS}/site_production_kwh/config`) as Config;
    assert.deepStrictEqual(
      [energy.name, energy.unit_of_measurement, energy.state_class, energy.state_topic],
      ["Lifetime production", "Wh", "total_increasing", "pvs/site/zt222285000549/production_wh"],
    );
    for (const fixtureName of [FIXTURE, "sunvault-device-list", "pvs5-device-list"]) {
      const ids = (units: "pvs" | "si") => {
        const raw = fixture(fixtureName);
        const msgs = [...new DiscoveryTracker().update(analyze(SiteMemory.create(), raw, units)).messages];
        return {
          ids: msgs.map((m) => (m.payload as Config).unique_id as string).sort(),
          topics: msgs.map((m) => m.topic).sort(),
        };
      };
      const [pvs, si] = [ids("pvs"), ids("si")];
      assert.ok(pvs.ids.length > 20, fixtureName);
      assert.deepStrictEqual(
        si,
        pvs,
        `${fixtureName}: the same unique ids and config topics with either Units setting`,
      );
    }
  });

  it("names every entity for a person: no raw keys (SunVault, PV disconnect, the ESS report), battery energy named", () => {
    const p = analyze(SiteMemory.create(), fixture("sunvault-device-list"));
    const bms = p.devices.find((d) => d.deviceType === "ESS BMS");
    assert.ok(bms);
    Object.assign(bms.metrics, {
      customer_state_of_charge_pct: 80,
      system_state_of_charge_pct: 85,
      battery_amperage_a: 3,
      ess_meter_reading_meter_a_reading_current_a: 1,
    });
    const all = [...configs(new DiscoveryTracker().update(p).messages).values()];
    for (const c of all) {
      const name = c.name as string;
      assert.match(name, /^[A-Z0-9][^_]*$/, `${c.unique_id as string}: "${name}"`);
      assert.ok(!name.includes("_"), name);
    }
    const named = (suffix: string) => all.find((c) => (c.unique_id as string).endsWith(suffix))?.name;
    assert.strictEqual(named("_customer_state_of_charge_pct"), "Customer state of charge");
    assert.strictEqual(named("_v1n_grid_v"), "Grid voltage L1-N");
    assert.strictEqual(named("_relay1_state"), "Relay 1 state");
    assert.strictEqual(
      named("_ess_meter_reading_meter_a_reading_current_a"),
      "ESS meter reading meter a reading current",
    );
  });

  it("points every config at a state topic that the state messages publish", () => {
    const p = payloadOf();
    const states = new Set([...mqttStateMessages(p)].map((m) => m.topic));
    for (const c of configs(new DiscoveryTracker().update(p).messages).values()) {
      assert.ok(states.has(c.state_topic as string), c.state_topic as string);
      for (const a of (c.availability as Array<{ topic: string }> | undefined) ?? [])
        assert.ok(states.has(a.topic), a.topic);
    }
  });

  it("uses sanitised, unique ids and topics, and never the serial's secret or its mask", () => {
    const messages = [
      ...new DiscoveryTracker({ prefix: "home/pv", discoveryPrefix: "ha" }).update(payloadOf()).messages,
    ];
    const ids = messages.map((m) => (m.payload as Config).unique_id as string);
    assert.strictEqual(new Set(ids).size, ids.length, "unique ids");
    for (const id of ids) assert.match(id, /^[a-z0-9_]+$/);
    for (const m of messages) {
      assert.match(m.topic, /^ha\/sensor\/pvs_[a-z0-9_]+\/[a-z0-9_]+\/config$/);
      assert.strictEqual(m.retain, true);
      assert.match((m.payload as Config).state_topic as string, /^home\/pv\//);
    }
    const text = JSON.stringify(messages).toLowerCase();
    assert.ok(!text.includes("w1234"), "the password (the serial's last 5 characters) is nowhere");
    assert.ok(!text.includes("*"), "no masked serial either");
  });

  it("hangs SunVault parts under their storage system, and names devices by the user's labels", () => {
    const p = analyze(SiteMemory.create(), fixture("sunvault-device-list"));
    const bms = p.devices.find((d) => d.deviceType === "ESS BMS");
    assert.ok(bms?.parent, "the fixture's BMS has a parent");
    bms.metrics.customer_state_of_charge_pct = 80;
    bms.label = "Garage battery";
    const all = configs(new DiscoveryTracker().update(p).messages);
    const soc = [...all.values()].find(
      (c) =>
        c.unique_id === `pvs_${bms.serial?.toLowerCase().replace(/[^a-z0-9]+/g, "_")}_customer_state_of_charge_pct`,
    ) as Config;
    assert.strictEqual(soc.device.name, "Garage battery");
    assert.strictEqual(soc.device_class, "battery");
    const parent = p.devices.find((d) => d.serial === bms.parent);
    assert.strictEqual(
      soc.device.via_device,
      parent ? `pvs_${parent.serial?.toLowerCase().replace(/[^a-z0-9]+/g, "_")}` : undefined,
    );
  });
});

describe("model/formats/homeassistant: what is announced when", () => {
  it("announces everything first, then nothing while the devices stay the same", () => {
    const tracker = new DiscoveryTracker();
    const first = tracker.update(payloadOf());
    assert.strictEqual(first.groups, 7, "6 devices and the site");
    assert.ok([...first.messages].length > 60);
    const again = tracker.update(payloadOf());
    assert.strictEqual(again.groups, 0);
    assert.deepStrictEqual([...again.messages], []);
  });

  it("announces a new device alone, and a measurement a device starts reporting (sunrise) alone", () => {
    const tracker = new DiscoveryTracker();
    // At night an inverter lists without measurements: only its condition and data time are announced.
    const night = payloadOf("pvs", (raw) => {
      const inv = raw.devices[5];
      for (const k of Object.keys(inv)) if (/_(kw|kwh|v|a|hz|degc)$|^stat_ind$/.test(k)) delete inv[k];
    });
    const announcedAtNight = [...tracker.update(night).messages]
      .filter((m) => m.topic.includes("pvs_e00122052100002/"))
      .map((m) => m.topic.split("/")[3]);
    assert.deepStrictEqual(announcedAtNight, ["condition", "data_time"]);
    const morning = [...tracker.update(payloadOf()).messages].map((m) => m.topic.split("/").slice(2, 4).join("/"));
    assert.ok(morning.length === 10 && morning.every((t) => t.startsWith("pvs_e00122052100002/")), morning.join(", "));
    // A fourth inverter appears: only its configs go out.
    const more = payloadOf("pvs", (raw) => raw.devices.push({ ...raw.devices[5], SERIAL: "E00122052100003" }));
    const added = tracker.update(more);
    assert.strictEqual(added.groups, 1);
    assert.ok([...added.messages].every((m) => m.topic.includes("/pvs_e00122052100003/")));
    // The same device list again: nothing. The night-time list again: nothing removed, nothing sent.
    assert.strictEqual(tracker.update(more).groups, 0);
    assert.strictEqual(tracker.update(night).groups, 0);
  });

  it("announces a device again when what HA shows about it changes (its name, its firmware)", () => {
    const tracker = new DiscoveryTracker();
    tracker.update(payloadOf());
    const renamed = payloadOf();
    renamed.devices[4].label = "West roof 2";
    const sent = [...tracker.update(renamed).messages];
    assert.ok(sent.length > 0 && sent.every((m) => m.topic.includes("/pvs_e00122052100001/")));
    assert.ok(sent.every((m) => (m.payload as Config).device.name === "West roof 2"));
    tracker.reset();
    assert.strictEqual(tracker.update(renamed).groups, 7, "after reset, everything again");
  });

  it("sets expire_after only when asked (polling on an interval)", () => {
    const without = [...new DiscoveryTracker({ expireAfterS: null }).update(payloadOf()).messages];
    assert.ok(without.every((m) => !("expire_after" in (m.payload as Config))));
    const zero = [...new DiscoveryTracker({ expireAfterS: 0 }).update(payloadOf()).messages];
    assert.ok(zero.every((m) => !("expire_after" in (m.payload as Config))));
  });
});

describe("model/formats/homeassistant: every site type gives entities a user keeps", () => {
  const NOON = Date.UTC(2025, 5, 21, 19, 48);
  /** The SunVault fixture with its ESS status report merged, as the node does on legacy firmware. */
  const sunvault = (units: "pvs" | "si"): DeviceListPayload => {
    const raw = fixture("sunvault-device-list");
    const list = normalizeDeviceList(raw);
    const storage = mergeEssStatus(list, fixture("sunvault-ess-status"));
    return analyzeDeviceList(list, {
      memory: SiteMemory.create(),
      unknowns: legacyUnknowns(raw),
      storage,
      now: list.time ? Date.parse(list.time) : 0,
      unitSystem: units,
    });
  };
  const sites: Array<[string, (units: "pvs" | "si") => DeviceListPayload]> = [
    ["PVS6 (2024 firmware fixture)", (u) => analyze(SiteMemory.create(), fixture(FIXTURE), u)],
    ["PVS5 (fixture)", (u) => analyze(SiteMemory.create(), fixture("pvs5-device-list"), u)],
    ["PVS6 with SunVault (fixture and ESS report)", sunvault],
    ["emulated PVS6, 20 panels, net CT", () => simulate({}, NOON, 1).last],
    ["emulated PVS5, 20 panels", () => simulate({ model: "PVS5" }, NOON, 1).last],
    ["emulated PVS6 with SunVault", () => simulate({ storage: true }, NOON, 1).last],
    ["emulated PVS6 without consumption CT", () => simulate({ consumptionCt: "none" }, NOON, 1).last],
  ];

  it("names every entity for a person, keeps unique ids unique and the same with either Units setting", () => {
    const counts: string[] = [];
    for (const [site, payloadFor] of sites) {
      const entities = [...new DiscoveryTracker().update(payloadFor("pvs")).messages].map((m) => m.payload as Config);
      assert.ok(entities.length > 10, site);
      const ids = entities.map((c) => c.unique_id as string);
      assert.strictEqual(new Set(ids).size, ids.length, `${site}: unique ids`);
      for (const c of entities)
        assert.match(
          c.name as string,
          /^[A-Z0-9][^_]*$/,
          `${site}: ${c.unique_id as string} named "${c.name as string}"`,
        );
      for (const c of entities)
        assert.ok(
          Array.isArray(c.availability) && c.availability.length === 1,
          `${site}: ${c.unique_id as string} has availability`,
        );
      counts.push(`${site}: ${entities.length}`);
    }
    for (const [site, payloadFor] of sites.slice(0, 3)) {
      const ids = (u: "pvs" | "si") =>
        [...new DiscoveryTracker().update(payloadFor(u)).messages].map((m) => (m.payload as Config).unique_id).sort();
      assert.deepStrictEqual(ids("si"), ids("pvs"), `${site}: the same ids with Units: SI`);
    }
    process.stdout.write(`      entities per site type: ${counts.join("; ")}\n`);
  });

  it("offers the Energy dashboard's grid and solar sensors ready (the battery's, on the LocalAPI: test/services)", () => {
    const ready = (c: Config | undefined) => [c?.device_class, c?.state_class, c?.unit_of_measurement];
    const all = [...new DiscoveryTracker().update(simulate({}, NOON, 1).last).messages].map((m) => m.payload as Config);
    const site = (name: string) => all.find((c) => (c.unique_id as string).endsWith(`_site_${name}`));
    for (const name of ["import_kwh", "export_kwh", "production_kwh"])
      assert.deepStrictEqual(ready(site(name)), ["energy", "total_increasing", "kWh"], name);
    assert.deepStrictEqual(
      [site("import_kwh")?.name, site("export_kwh")?.name, site("production_kwh")?.name],
      ["Lifetime grid import", "Lifetime grid export", "Lifetime production"],
    );
  });
});
