// Home Assistant MQTT discovery for the device list: one HA device per PVS device (the PVS, its meters,
// every inverter, storage parts), a sensor per measurement, and the site's figures on the PVS. The state
// topics are the MQTT format's (mqtt.ts); this adds the retained config messages
// `<discovery prefix>/sensor/pvs_<id>/<object id>/config`. Pure: no Node-RED here.
//
// Classes and units come from the package's one unit table (units.ts): kW/W → power, kWh/Wh → energy
// (lifetime counters `total_increasing`, net counters `total`), V, A, Hz, °C, % (state of charge: battery),
// power factor, durations, data sizes. Ids are `[a-z0-9_]`: `pvs_<sanitised serial>`, so the supervisor is
// `pvs_zt01234567890`, never its serial and never its mask. An entity's unique id and object id use the
// metric's name in the PVS's units (`p_3phsum_kw` also with SI units), so that changing the Units setting
// updates the entities a user has (their history, their Energy dashboard) instead of leaving orphans.
import { Device, meterRole } from "../device";
import { DeviceListPayload } from "../device-list-output";
import { JsonObject } from "../safe-object";
import { unitOf } from "../units";
import { deviceId, liveMetrics, pvsUnitName, safeId, siteMetrics } from "./common";
import { DEFAULT_PREFIX, deviceTopic, liveTopic, metricTopic, MqttMessage, pvsIdOf, siteTopic } from "./mqtt";

export const DEFAULT_DISCOVERY_PREFIX = "homeassistant";
/** What Home Assistant shows as "unknown" on a sensor (its PAYLOAD_NONE). */
export const HA_NONE = "None";

export interface DiscoveryOptions {
  /** The state topics' prefix (the MQTT format's), default "pvs". */
  prefix?: string;
  /** Home Assistant's discovery prefix, default "homeassistant". */
  discoveryPrefix?: string;
  /** Seconds after which HA shows a sensor unavailable if no new state arrived; null or 0 for never. */
  expireAfterS?: number | null;
}

export type StateClass = "measurement" | "total" | "total_increasing";

/** How Home Assistant should read a metric: what `sensorClass` derives from the metric's unit. */
export interface SensorClass {
  device_class?: string;
  state_class?: StateClass;
  unit_of_measurement?: string;
  /** Codes and flags: shown under the device's diagnostics, not as a measurement. */
  diagnostic?: boolean;
}

/** Energy counters that only grow (the site's are checked for resets and held, see Counters in the docs). */
const GROWING_ENERGY = new Set([
  "production_kwh",
  "consumption_kwh",
  "import_kwh",
  "export_kwh",
  "today_production_kwh",
  "today_consumption_kwh",
  "today_import_kwh",
  "today_export_kwh",
  "pv_en_kwh",
  "site_load_en_kwh",
]);

function energyStateClass(name: string): StateClass {
  const n = pvsUnitName(name);
  if (GROWING_ENERGY.has(n)) return "total_increasing";
  // Lifetime counters (`ltea`): forward and backward only grow; a net counter goes down while exporting.
  if (/(^|_)ltea(_|$)/.test(n) && !/(^|_)net(_|$)/.test(n)) return "total_increasing";
  return "total";
}

const STATE_OF_CHARGE = /(^|_)(soc|state_of_charge)(_|$)/;

/** Device class, state class and unit of a metric, from its unit in units.ts. */
export function sensorClass(name: string): SensorClass {
  const unit = unitOf(name);
  const measurement = (device_class?: string): SensorClass => ({
    ...(device_class ? { device_class } : {}),
    state_class: "measurement",
    ...(unit ? { unit_of_measurement: unit } : {}),
  });
  switch (unit) {
    case "kW":
    case "W":
      return measurement("power");
    case "kWh":
    case "Wh":
      return { device_class: "energy", state_class: energyStateClass(name), unit_of_measurement: unit };
    case "var":
      return measurement("reactive_power");
    case "VA":
      return measurement("apparent_power");
    // Home Assistant accepts only var and VA for these classes on every version: kvar and kVA stay plain numbers.
    case "kvar":
    case "kVA":
      return measurement();
    case "V":
      return measurement("voltage");
    case "A":
      return measurement("current");
    case "Hz":
      return measurement("frequency");
    case "°C":
      return measurement("temperature");
    case "%":
      return measurement(
        STATE_OF_CHARGE.test(name) ? "battery" : /(^|_)humidity(_|$)/.test(name) ? "humidity" : undefined,
      );
    case "ratio":
      return { device_class: "power_factor", state_class: "measurement" };
    case "s":
    case "min":
      return measurement("duration");
    case "KiB":
      return measurement("data_size");
    case "count":
    case "load":
      return { state_class: "measurement" };
    case "code":
      return { diagnostic: true };
    default:
      return {};
  }
}

/** Names Home Assistant shows (with the device's name before them), by metric name in the PVS's units. */
const NAMES: Readonly<Record<string, string>> = {
  p_3phsum_kw: "Power",
  p1_kw: "Power L1",
  p2_kw: "Power L2",
  q_3phsum_kvar: "Reactive power",
  s_3phsum_kva: "Apparent power",
  tot_pf_rto: "Power factor",
  freq_hz: "Frequency",
  i_a: "Current",
  i1_a: "Current L1",
  i2_a: "Current L2",
  v12_v: "Voltage L1-L2",
  v1n_v: "Voltage L1-N",
  v2n_v: "Voltage L2-N",
  net_ltea_3phsum_kwh: "Lifetime net energy",
  pos_ltea_3phsum_kwh: "Lifetime energy forward",
  neg_ltea_3phsum_kwh: "Lifetime energy reverse",
  ct_scl_fctr: "CT rating",
  ltea_3phsum_kwh: "Lifetime energy",
  p_mppt1_kw: "DC power",
  p_mpptsum_kw: "DC power",
  i_3phsum_a: "AC current",
  vln_3phavg_v: "AC voltage",
  i_mppt1_a: "DC current",
  v_mppt1_v: "DC voltage",
  t_htsnk_degc: "Heatsink temperature",
  stat_ind: "Status indicator",
  dl_uptime: "Uptime",
  dl_cpu_load: "CPU load",
  dl_mem_used: "Memory used",
  dl_flash_avail: "Flash available",
  dl_err_count: "Errors",
  dl_comm_err: "Communication errors",
  dl_skipped_scans: "Skipped scans",
  dl_untransmitted: "Untransmitted records",
  dl_scan_time: "Scan time",
  cpu_usage_pct: "CPU usage",
  ram_usage_pct: "RAM usage",
  flash_usage_pct: "Flash usage",
  flashwear_type_b: "Flash wear band",
  soc_pct: "State of charge",
  customer_soc_pct: "Customer state of charge",
  soh_pct: "State of health",
  // SunVault (LocalAPI ESS and transfer switch variables; legacy ESS status report), PV disconnect relay.
  v_batt_v: "Battery voltage",
  t_invtr_degc: "Inverter temperature",
  chrg_limit_pmax_kw: "Charge power limit",
  dischrg_lim_pmax_kw: "Discharge power limit",
  max_t_batt_cell_degc: "Highest cell temperature",
  min_t_batt_cell_degc: "Lowest cell temperature",
  max_v_batt_cell_v: "Highest cell voltage",
  min_v_batt_cell_v: "Lowest cell voltage",
  t_degc: "Temperature",
  v_spply_v: "Supply voltage",
  customer_state_of_charge_pct: "Customer state of charge",
  system_state_of_charge_pct: "System state of charge",
  state_of_charge_pct: "State of charge",
  battery_amperage_a: "Battery current",
  battery_voltage_v: "Battery voltage",
  temperature_degc: "Temperature",
  enclosure_humidity_pct: "Enclosure humidity",
  enclosure_temperature_degc: "Enclosure temperature",
  ess_meter_reading_agg_power_kw: "Power",
  hub_temperature_degc: "Temperature",
  hub_humidity_pct: "Humidity",
  grid_phase1_voltage_v: "Grid voltage L1",
  grid_phase2_voltage_v: "Grid voltage L2",
  load_phase1_voltage_v: "Load voltage L1",
  load_phase2_voltage_v: "Load voltage L2",
  ac_current_a: "AC current",
  ac_power_kw: "AC power",
  a_n_voltage_v: "Voltage L1-N",
  b_n_voltage_v: "Voltage L2-N",
  v1n_grid_v: "Grid voltage L1-N",
  v2n_grid_v: "Grid voltage L2-N",
  v1n_pv_v: "PV voltage L1-N",
  v2n_pv_v: "PV voltage L2-N",
  relay_mode: "Relay mode",
  relay1_state: "Relay 1 state",
  relay2_state: "Relay 2 state",
  relay1_error: "Relay 1 error",
  relay2_error: "Relay 2 error",
  fw_error: "Firmware error",
  event_history: "Event history",
};

/**
 * The battery's lifetime counters, the two the Energy dashboard asks for (varserver
 * `/sys/devices/ess/0/negLtea3phsumKwh`, `posLtea3phsumKwh`; SunStrong's own integration pvs-hass only calls them
 * "Negative/Positive Lifetime Energy"). Read as negative = into the battery, positive = out of it: the PVS's
 * battery net `/sys/livedata/ess_en` is negative in pypvs's captures, as out − in is after round-trip losses, and
 * the emulator models it so. No public capture shows both counters yet: to be confirmed on a real SunVault.
 */
const STORAGE_NAMES: Readonly<Record<string, string>> = {
  neg_ltea_3phsum_kwh: "Energy charged",
  pos_ltea_3phsum_kwh: "Energy discharged",
  p_3phsum_kw: "Battery power",
};

const SITE_NAMES: Readonly<Record<string, string>> = {
  production_kw: "Production",
  consumption_kw: "Consumption",
  net_kw: "Grid power",
  import_kw: "Grid import",
  export_kw: "Grid export",
  self_consumption_kw: "Self-consumption",
  production_kwh: "Lifetime production",
  consumption_kwh: "Lifetime consumption",
  import_kwh: "Lifetime grid import",
  export_kwh: "Lifetime grid export",
  net_kwh: "Lifetime net grid energy",
  today_production_kwh: "Production today",
  today_consumption_kwh: "Consumption today",
  today_import_kwh: "Grid import today",
  today_export_kwh: "Grid export today",
};

const LIVE_NAMES: Readonly<Record<string, string>> = {
  pv_p_kw: "PVS production",
  pv_en_kwh: "PVS lifetime production",
  net_p_kw: "PVS grid power",
  net_en_kwh: "PVS lifetime net grid energy",
  site_load_p_kw: "PVS consumption",
  site_load_en_kwh: "PVS lifetime consumption",
  ess_p_kw: "Battery power",
  ess_en_kwh: "Battery lifetime energy",
  soc_pct: "Battery state of charge",
  backup_time_remaining_min: "Backup time remaining",
  midstate: "Transfer switch state",
};

/** Words of the PVS's abbreviations, for a metric no table names (a name HA shows must not be a raw key). */
const WORDS: Readonly<Record<string, string>> = {
  soc: "state of charge",
  soh: "state of health",
  batt: "battery",
  chrg: "charge",
  dischrg: "discharge",
  lim: "limit",
  pmax: "maximum power",
  invtr: "inverter",
  spply: "supply",
  freq: "frequency",
  fw: "firmware",
  agg: "total",
  ess: "ESS",
  pcs: "PCS",
  pv: "PV",
  ac: "AC",
  dc: "DC",
  t: "temperature",
  v: "voltage",
  i: "current",
  p: "power",
  ltea: "lifetime energy",
  "3phsum": "",
};

/** "max_t_batt_cell_degc" → "Max temperature battery cell": the metric's words, its unit suffix left out. */
export function humanName(name: string): string {
  const words = pvsUnitName(name)
    .replace(/_(kwh|kw|kvar|kva|v|a|hz|degc|pct|min|s|rto|b)$/, "")
    .split("_")
    .filter((w) => w !== "")
    .map((w) => (Object.hasOwn(WORDS, w) ? WORDS[w] : w))
    .filter((w) => w !== "");
  const text = words.join(" ").trim() || name.replace(/_+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const nameFrom = (table: Readonly<Record<string, string>>, name: string): string => {
  const key = pvsUnitName(name);
  return Object.hasOwn(table, key) ? table[key] : humanName(name);
};

/**
 * An inverter's entities HA enables at once; its other ones (voltages, currents, DC side…) are there, disabled, to keep
 * a 1,000-panel site light.
 */
const INVERTER_PRIMARY = new Set(["p_3phsum_kw", "ltea_3phsum_kwh"]);

const CONDITIONS = ["ok", "asleep", "fault", "error", "stale", "unknown"];

const ORIGIN = { name: "@pvs-local/node-red-sunpower", support_url: "https://github.com/pvs-local/node-red-sunpower" };

const KIND_NAMES: Readonly<Record<string, string>> = {
  production: "Production meter",
  consumption: "Consumption meter",
  storage: "Storage meter",
};

/**
 * The name HA shows for a device: the user's label, or its kind and serial ("Inverter E00122000000001", "PVS
 * ZT01234567890").
 */
function deviceName(device: Device): string {
  if (device.label) return device.label;
  const shown = (device.serial ?? "").replace(/\*+$/, "");
  const role = meterRole(device);
  const kind =
    device.category === "supervisor"
      ? "PVS"
      : device.category === "meter"
        ? role
          ? KIND_NAMES[role]
          : "Meter"
        : device.category === "inverter"
          ? "Inverter"
          : (device.deviceType ?? "Device");
  return `${kind} ${shown}`.trim();
}

const text = (v: unknown): string | null =>
  typeof v === "string" && v.trim() !== "" ? v.trim() : typeof v === "number" ? String(v) : null;

/** The `device` block of a device's entities. */
function deviceBlock(device: Device, id: string, via: string | null): JsonObject {
  const p = device.properties;
  const block: JsonObject = { identifiers: [`pvs_${id}`], name: deviceName(device), manufacturer: "SunPower" };
  if (device.model) block.model = device.model;
  // The supervisor's serial is masked: a value with asterisks is not a serial number, so it is left out.
  if (device.category !== "supervisor" && device.serial) block.serial_number = device.serial;
  const sw = text(p.SWVER) ?? text(p.sw_rev);
  if (sw) block.sw_version = sw;
  const hw = text(p.hw_version) ?? text(p.HWVER) ?? text(p.hwrev);
  if (hw) block.hw_version = hw;
  if (via && via !== `pvs_${id}`) block.via_device = via;
  return block;
}

/** One entity: its config topic's object id and what its config says. */
interface Entity {
  objectId: string;
  config: JsonObject;
}

/** A group of entities under one HA device (a PVS device, or the site on the PVS). */
interface Group {
  /** What the tracker remembers it by (the site shares the PVS's node id, not its key). */
  key: string;
  /** The discovery topic's node id: `pvs_<id>`. */
  nodeId: string;
  /** What the entities share (device block, availability); a change re-sends them all. */
  shared: string;
  entityKeys: string[];
  entities(keys: readonly string[]): Entity[];
}

export interface Discovery {
  /** Devices (and the site) whose discovery is sent now. */
  groups: number;
  /** The config messages, built as they are read. */
  messages: Iterable<MqttMessage>;
}

/**
 * Remembers what was announced, so that configs go out on the first payload and then only for what is new or
 * changed: a device that appears, a measurement a device starts reporting (inverters at sunrise), a firmware
 * version or a name. Entities are never removed by this: a device that leaves the list keeps its entities
 * (shown unavailable), as HA keeps a device whose config topic is not cleared.
 */
export class DiscoveryTracker {
  private readonly announced = new Map<string, { shared: string; keys: Set<string> }>();
  private readonly prefix: string;
  private readonly discoveryPrefix: string;
  private readonly expireAfterS: number | null;

  constructor(options: DiscoveryOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.discoveryPrefix = options.discoveryPrefix ?? DEFAULT_DISCOVERY_PREFIX;
    this.expireAfterS = options.expireAfterS && options.expireAfterS > 0 ? Math.round(options.expireAfterS) : null;
  }

  /** Forgets what was announced: the next payload announces everything again. */
  reset(): void {
    this.announced.clear();
  }

  /** The discovery messages this payload needs: everything the first time, then what is new or changed. */
  update(payload: DeviceListPayload): Discovery {
    const work: Array<{ group: Group; keys: string[] }> = [];
    for (const group of this.groups(payload)) {
      const seen = this.announced.get(group.key);
      if (!seen || seen.shared !== group.shared) {
        this.announced.set(group.key, { shared: group.shared, keys: new Set(group.entityKeys) });
        work.push({ group, keys: group.entityKeys });
        continue;
      }
      const fresh = group.entityKeys.filter((k) => !seen.keys.has(k));
      if (fresh.length === 0) continue;
      for (const k of fresh) seen.keys.add(k);
      work.push({ group, keys: fresh });
    }
    const discoveryPrefix = this.discoveryPrefix;
    function* messages(): Generator<MqttMessage> {
      for (const { group, keys } of work) {
        for (const entity of group.entities(keys)) {
          yield {
            topic: `${discoveryPrefix}/sensor/${group.nodeId}/${entity.objectId}/config`,
            payload: entity.config,
            retain: true,
          };
        }
      }
    }
    return { groups: work.length, messages: messages() };
  }

  private common(
    stateTopic: string,
    uniqueId: string,
    name: string,
    device: JsonObject,
    availability: string | null,
  ): JsonObject {
    const config: JsonObject = { name, unique_id: uniqueId, state_topic: stateTopic };
    if (availability)
      config.availability = [{ topic: availability, payload_available: "online", payload_not_available: "offline" }];
    if (this.expireAfterS) config.expire_after = this.expireAfterS;
    config.device = device;
    config.origin = ORIGIN;
    return config;
  }

  private *groups(payload: DeviceListPayload): Generator<Group> {
    const supervisor = payload.supervisor;
    const supervisorId = supervisor ? deviceId(supervisor) : null;
    const via = supervisorId ? `pvs_${supervisorId}` : null;
    const listed = new Set<string>();
    for (const d of payload.devices) {
      const id = deviceId(d);
      if (id) listed.add(id);
    }
    for (const device of payload.devices) {
      const id = deviceId(device);
      if (id === null) continue;
      // SunVault parts hang under the storage system they belong to, when it is listed; the rest under the PVS.
      const parentId = device.parent ? safeId(device.parent) : "";
      const block = deviceBlock(device, id, parentId !== "" && listed.has(parentId) ? `pvs_${parentId}` : via);
      yield this.deviceGroup(device, id, block);
    }
    yield this.siteGroup(payload, supervisor, supervisorId, via);
  }

  private deviceGroup(device: Device, id: string, block: JsonObject): Group {
    const base = deviceTopic(this.prefix, device.category, id);
    const availability = `${base}/availability`;
    const metricKeys = Object.keys(device.metrics).filter((k) => safeId(k) !== "");
    const inverter = device.category === "inverter";
    const diagnosticDevice = device.category === "supervisor";
    return {
      key: `pvs_${id}`,
      nodeId: `pvs_${id}`,
      shared: JSON.stringify([block, availability]),
      entityKeys: ["condition", "data_time", ...metricKeys.map((k) => `metric:${k}`)],
      entities: (keys) =>
        keys.map((key): Entity => {
          if (key === "condition") {
            const config = this.common(`${base}/condition`, `pvs_${id}_condition`, "Condition", block, availability);
            Object.assign(config, { device_class: "enum", options: CONDITIONS, entity_category: "diagnostic" });
            return { objectId: "condition", config };
          }
          if (key === "data_time") {
            const config = this.common(`${base}/data_time`, `pvs_${id}_data_time`, "Data time", block, availability);
            Object.assign(
              config,
              { device_class: "timestamp", entity_category: "diagnostic" },
              inverter ? { enabled_by_default: false } : {},
            );
            return { objectId: "data_time", config };
          }
          const metric = key.slice("metric:".length);
          const objectId = safeId(pvsUnitName(metric));
          const { diagnostic, ...classes } = sensorClass(metric);
          const storageName = device.category === "storage" ? STORAGE_NAMES[pvsUnitName(metric)] : undefined;
          const config = this.common(
            metricTopic(base, metric),
            `pvs_${id}_${objectId}`,
            storageName ?? nameFrom(NAMES, metric),
            block,
            availability,
          );
          Object.assign(config, classes);
          if (diagnostic || diagnosticDevice) config.entity_category = "diagnostic";
          if (inverter && !INVERTER_PRIMARY.has(pvsUnitName(metric))) config.enabled_by_default = false;
          return { objectId, config };
        }),
    };
  }

  /** The site's figures and the PVS's own totals, as entities of the PVS device. */
  private siteGroup(
    payload: DeviceListPayload,
    supervisor: Device | null,
    supervisorId: string | null,
    via: string | null,
  ): Group {
    const nodeId = via ?? "pvs_site";
    const pvs = pvsIdOf(payload);
    // The site is as available as its PVS: its entities go unavailable with the supervisor's.
    const availability =
      supervisor && supervisorId ? `${deviceTopic(this.prefix, supervisor.category, supervisorId)}/availability` : null;
    const block: JsonObject =
      supervisor && supervisorId
        ? deviceBlock(supervisor, supervisorId, null)
        : { identifiers: [nodeId], name: "PVS site", manufacturer: "SunPower" };
    const entries = [
      ...siteMetrics(payload).map(([n]) => `site:${n}`),
      ...liveMetrics(payload).map(([n]) => `live:${n}`),
    ];
    return {
      key: `${nodeId}#site`,
      nodeId,
      shared: JSON.stringify([block, availability]),
      entityKeys: entries,
      entities: (keys) =>
        keys.map((key): Entity => {
          const live = key.startsWith("live:");
          const name = key.slice(5);
          const objectId = `${live ? "live" : "site"}_${safeId(pvsUnitName(name))}`;
          const { diagnostic, ...classes } = sensorClass(name);
          const topic = live ? liveTopic(this.prefix, pvs, name) : siteTopic(this.prefix, pvs, name);
          const config = this.common(
            topic,
            `${nodeId}_${objectId}`,
            nameFrom(live ? LIVE_NAMES : SITE_NAMES, name),
            block,
            availability,
          );
          Object.assign(config, classes);
          if (diagnostic) config.entity_category = "diagnostic";
          return { objectId, config };
        }),
    };
  }
}
