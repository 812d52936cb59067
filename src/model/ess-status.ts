// The SunVault report (`GET /cgi-bin/dl_cgi/energy-storage-system/status`) merged into the device list.
// Its measurements are `{ "value": n, "unit": "A" }` objects, nested per section; they are flattened into
// metrics named with our unit suffixes (`battery_voltage` in V → `battery_voltage_v`), so that the unit
// table covers them like any PVS field, and matched to the device list's SunVault parts by serial.
import { Device, DeviceList } from "./device";
import { parseDecimal } from "./fields";
import { PayloadError } from "./payload-error";
import { plausibleKw, plausiblePct } from "./plausible";
import { isJsonObject, JsonObject, setOwn } from "./safe-object";
import { unitOf } from "./units";

/** ESS units as the report writes them → our name suffix. Unknown units keep the bare name. */
const UNIT_SUFFIXES: Readonly<Record<string, string>> = {
  a: "_a",
  amp: "_a",
  amps: "_a",
  v: "_v",
  volt: "_v",
  volts: "_v",
  "%": "_pct",
  percent: "_pct",
  c: "_degc",
  "°c": "_degc",
  degc: "_degc",
  celsius: "_degc",
  w: "_w",
  watt: "_w",
  watts: "_w",
  kw: "_kw",
  wh: "_wh",
  kwh: "_kwh",
  hz: "_hz",
  var: "_var",
  kvar: "_kvar",
  va: "_va",
  kva: "_kva",
};

interface Flat {
  metrics: { [name: string]: number | null };
  properties: JsonObject;
}

function isValueAndUnit(value: unknown): value is { value: unknown; unit?: unknown } {
  return isJsonObject(value) && "value" in value && Object.keys(value).every((k) => k === "value" || k === "unit");
}

function metricName(key: string, unit: unknown): string {
  const suffix = typeof unit === "string" ? (UNIT_SUFFIXES[unit.trim().toLowerCase()] ?? "") : "";
  // A key that already ends in its unit (`temperature_degc`) is not suffixed twice.
  return suffix === "" || key.endsWith(suffix) ? key : key + suffix;
}

/** Flattens one report section: measurements into metrics, everything else into properties. Nothing is dropped. */
function flatten(section: JsonObject, prefix = "", into: Flat = { metrics: {}, properties: {} }): Flat {
  for (const [key, value] of Object.entries(section)) {
    const name = prefix + key;
    if (isValueAndUnit(value)) {
      setOwn(into.metrics, metricName(name, value.unit), parseDecimal(value.value));
    } else if (isJsonObject(value)) {
      // `meter_a.reading.power` → `meter_a_power_w`: the "reading" level says nothing.
      flatten(value, key === "reading" ? prefix : `${name}_`, into);
    } else if (typeof value === "number" && unitOf(name) !== null) {
      setOwn(into.metrics, name, Number.isFinite(value) ? value : null);
    } else {
      setOwn(into.properties, name, value);
    }
  }
  return into;
}

/** Summary of the storage system for dashboards and automations. */
export interface StorageSummary {
  /** `ess_state.operational_mode`: SELF_CONSUMPTION, BACKUP_ONLY, TARIFF_OPTIMIZER… as reported. */
  operatingMode: string | null;
  /** Mean state of charge the owner sees (reserve excluded), %. */
  customer_soc_pct: number | null;
  /** Mean state of charge of the cells, %. */
  system_soc_pct: number | null;
  /** Power through the storage system's own meter (`ess_meter_reading.agg_power`), kW. */
  power_kw: number | null;
  /** Report sections no device of the list matched, carried whole. */
  unmatched: Array<{ section: string; serial: string | null; metrics: Flat["metrics"]; properties: JsonObject }>;
  /** Set when the report could not be read; the device list still went out. */
  error: { code: string; message: string } | null;
}

export function emptyStorage(error: StorageSummary["error"] = null): StorageSummary {
  return { operatingMode: null, customer_soc_pct: null, system_soc_pct: null, power_kw: null, unmatched: [], error };
}

function serialOf(entry: JsonObject): string | null {
  return typeof entry.serial_number === "string" && entry.serial_number.trim() !== ""
    ? entry.serial_number.trim()
    : null;
}

function mergeInto(device: Device, flat: Flat): void {
  for (const [k, v] of Object.entries(flat.metrics)) setOwn(device.metrics, k, v);
  for (const [k, v] of Object.entries(flat.properties)) setOwn(device.properties, `ess_${k}`, v);
}

function mean(values: Array<number | null | undefined>): number | null {
  const nums = values.filter((v): v is number => typeof v === "number");
  return nums.length === 0 ? null : nums.reduce((a, b) => a + b, 0) / nums.length;
}

/**
 * Merges an ESS status report into the devices of `list` (new metrics and `ess_`-prefixed properties on the
 * matching SunVault parts) and returns the storage summary. Throws PayloadError when the answer is not an
 * ESS report at all.
 */
export function mergeEssStatus(list: DeviceList, raw: unknown): StorageSummary {
  if (!isJsonObject(raw) || !isJsonObject(raw.ess_report))
    throw new PayloadError('the storage status has no "ess_report" object');
  const report = raw.ess_report;
  const summary = emptyStorage();
  const bySerial = new Map<string, Device>();
  for (const d of list.devices) if (d.serial !== null && !bySerial.has(d.serial)) bySerial.set(d.serial, d);
  const ofType = (type: string) => list.devices.filter((d) => d.deviceType === type);

  const place = (section: string, entry: JsonObject, fallback: Device | undefined) => {
    const serial = serialOf(entry);
    const { serial_number: _serial, ...rest } = entry;
    const flat = flatten(rest);
    const device = (serial !== null ? bySerial.get(serial) : undefined) ?? fallback;
    if (device) mergeInto(device, flat);
    else summary.unmatched.push({ section, serial, ...flat });
    return flat;
  };
  const entries = (value: unknown) => (Array.isArray(value) ? value.filter(isJsonObject) : []);

  const batteries = entries(report.battery_status).map((e) => place("battery_status", e, undefined));
  const enclosures = entries(report.ess_status).map((e, i) =>
    place("ess_status", e, ofType("Energy Storage System")[i]),
  );
  entries(report.inverter_status).forEach((e, i) => place("inverter_status", e, ofType("Storage Inverter")[i]));
  if (isJsonObject(report.hub_plus_status)) {
    const hubs = ofType("HUB+");
    place("hub_plus_status", report.hub_plus_status, hubs.length === 1 ? hubs[0] : undefined);
  }
  const ess = ofType("Energy Storage System")[0];
  for (const section of ["ess_state", "pcs_settings"]) {
    const value = report[section];
    if (!isJsonObject(value)) continue;
    const flat = flatten(value, section === "pcs_settings" ? "pcs_" : "");
    if (ess) mergeInto(ess, flat);
    else summary.unmatched.push({ section, serial: null, ...flat });
    if (section === "ess_state" && typeof flat.properties.operational_mode === "string")
      summary.operatingMode = flat.properties.operational_mode;
  }

  // A battery's charge outside 0-100 % (or a power of 1e308) is no reading: it is left out of the summary.
  summary.customer_soc_pct = mean(batteries.map((b) => plausiblePct(b.metrics.customer_state_of_charge_pct)));
  summary.system_soc_pct = mean(
    batteries.map((b) => plausiblePct(b.metrics.system_state_of_charge_pct ?? b.metrics.state_of_charge_pct)),
  );
  const powers = enclosures.map((e) =>
    plausibleKw(
      typeof e.metrics.ess_meter_reading_agg_power_kw === "number"
        ? e.metrics.ess_meter_reading_agg_power_kw
        : typeof e.metrics.ess_meter_reading_agg_power_w === "number"
          ? e.metrics.ess_meter_reading_agg_power_w / 1000
          : null,
    ),
  );
  summary.power_kw = powers.some((p) => p !== null) ? powers.reduce<number>((a, p) => a + (p ?? 0), 0) : null;
  return summary;
}

/** Whether a device list shows storage, so that the ESS report is worth asking for. */
export function hasStorage(list: DeviceList): boolean {
  return list.devices.some((d) => d.category === "storage");
}
