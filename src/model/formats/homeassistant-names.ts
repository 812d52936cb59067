// What Home Assistant shows and how it reads each metric: the names (by metric, in the PVS's units), and the device
// class, state class and unit, which come from the package's one unit table (units.ts). Pure: no Node-RED here.
import { unitOf } from "../units";
import { pvsUnitName, safeText } from "./common";

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
export const NAMES: Readonly<Record<string, string>> = {
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
export const STORAGE_NAMES: Readonly<Record<string, string>> = {
  neg_ltea_3phsum_kwh: "Energy charged",
  pos_ltea_3phsum_kwh: "Energy discharged",
  p_3phsum_kw: "Battery power",
};

export const SITE_NAMES: Readonly<Record<string, string>> = {
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

export const LIVE_NAMES: Readonly<Record<string, string>> = {
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
  const text = safeText(words.join(" ")) || safeText(name.replace(/_+/g, " "));
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const nameFrom = (table: Readonly<Record<string, string>>, name: string): string => {
  const key = pvsUnitName(name);
  return Object.hasOwn(table, key) ? table[key] : humanName(name);
};
