// The normalized device model shared by every output of the package, whichever API reported the data.
import { categoryOf, DeviceCategory, splitGroupOf, SplitGroup, STALE_AFTER_S } from "./device-types";
import { isJsonObject, JsonObject } from "./safe-object";

/**
 * How a device is doing, from its state, its data age and its neighbours:
 * - `ok`: reporting, data fresh;
 * - `asleep`: an inverter without fresh data while the site as a whole does not produce (night, dawn, dusk);
 * - `fault`: an inverter without fresh data, or in error, while its neighbours produce;
 * - `error`: any other device that reports STATE error (SunVault parts often sit there permanently);
 * - `stale`: any other device whose data lags the answer beyond its class's threshold;
 * - `unknown`: the device reports neither a state nor a data time (identity-only records).
 */
export type DeviceCondition = "ok" | "asleep" | "fault" | "error" | "stale" | "unknown";

/** One device of the PVS. */
export interface Device {
  /** `SERIAL`; the supervisor's own serial is masked (see redact.ts). Null when the PVS sent none. */
  serial: string | null;
  /** `DEVICE_TYPE` as reported, e.g. "PVS", "Power Meter", "Inverter", "ESS BMS". */
  deviceType: string | null;
  category: DeviceCategory;
  model: string | null;
  /** `STATE` as reported, e.g. "working" or "error". */
  state: string | null;
  /** When the PVS sampled this device's data (`DATATIME`), ISO-8601 UTC. */
  dataTime: string | null;
  /** Seconds between the sample and the answer (`CURTIME − DATATIME`); null without a data time. */
  dataAgeS: number | null;
  /** Whether `dataAgeS` is over the threshold of this device's class; null without a data time. */
  stale: boolean | null;
  condition: DeviceCondition;
  /** Serial of the device this one belongs to (`PARENT`, SunVault parts), or null. */
  parent: string | null;
  /** UPPERCASE fields and descriptive lower-case fields (origin, interface, subtype…), as reported. */
  properties: JsonObject;
  /** Lower-case measurement fields as numbers; null where the PVS sent a placeholder such as "nan". */
  metrics: { [field: string]: number | null };
  /** The name the user gave this device in the PVS settings ("East roof 3"); absent when none is set. */
  label?: string;
}

/** What a device picker shows about a device seen in the last poll. */
export interface DeviceSummary {
  serial: string;
  deviceType: string | null;
  category: DeviceCategory;
  model: string | null;
  label: string | null;
}

/** Gives each device its label, when the user set one for its serial. */
export function applyLabels(devices: Device[], labels: ReadonlyMap<string, string>): void {
  if (labels.size === 0) return;
  for (const d of devices) {
    const label = d.serial === null ? undefined : labels.get(d.serial);
    if (label !== undefined) d.label = label;
  }
}

export function summarize(devices: Device[]): DeviceSummary[] {
  return devices
    .filter((d): d is Device & { serial: string } => d.serial !== null && d.serial !== "")
    .map((d) => ({ serial: d.serial, deviceType: d.deviceType, category: d.category, model: d.model, label: d.label ?? null }));
}

/** What an API reports about a device; data age, staleness and condition are filled in by assess(). */
export type ReportedDevice = Pick<Device, "serial" | "deviceType" | "model" | "state" | "dataTime" | "parent" | "properties" | "metrics">;

export function newDevice(reported: ReportedDevice): Device {
  return { ...reported, category: categoryOf(reported.deviceType), dataAgeS: null, stale: null, condition: "unknown" };
}

/** The stateless part of a device-list output: what one answer says. */
export interface DeviceList {
  /** When the PVS produced the answer (`CURTIME`), ISO-8601 UTC. */
  time: string | null;
  devices: Device[];
  supervisor: Device | null;
  meters: { production: Device | null; consumption: Device | null };
  inverters: Device[];
}

export type MeterRole = "production" | "consumption" | "storage";

/** Production or consumption, from `TYPE` (PVS5-METER-P/-C), the subtype, or the model's p/c suffix. */
export function meterRole(device: Pick<Device, "deviceType" | "model" | "properties">): MeterRole | null {
  if (device.deviceType !== "Power Meter") return null;
  const text = (v: unknown) => (typeof v === "string" ? v.trim().toUpperCase() : "");
  const subtype = text(device.properties.subtype);
  if (subtype === "STORAGE_METER") return "storage";
  const type = text(device.properties.TYPE);
  if (type.endsWith("-P")) return "production";
  if (type.endsWith("-C")) return "consumption";
  if (subtype.includes("PRODUCTION")) return "production";
  if (subtype.includes("CONSUMPTION")) return "consumption";
  const model = device.model ?? "";
  if (/p$/.test(model)) return "production";
  if (/c$/.test(model)) return "consumption";
  return null;
}

/** A device whose data counts as produced-now: fresh, working (or no state reported: LocalAPI), with AC power over `minKw`. */
function producing(device: Device, minKw: number): boolean {
  const p = device.metrics.p_3phsum_kw;
  const working = device.state === null || device.state.toLowerCase() === "working";
  return device.stale === false && working && typeof p === "number" && p > minKw;
}

/** Inverters wake up within minutes of each other; until half of them produce, the rest are asleep, not faulty. */
const DAYLIGHT_SHARE = 0.5;
/** 20 W, about 5 % of a residential panel: below that the roof is not really producing yet. */
const DAYLIGHT_MEDIAN_KW = 0.02;

/** Whether the site produces now, judged from the inverters themselves (not from the clock). */
export function siteProducing(inverters: Device[]): boolean {
  if (inverters.length === 0) return false;
  const working = inverters.filter((d) => producing(d, 0)).map((d) => d.metrics.p_3phsum_kw as number);
  if (working.length === 0 || working.length < inverters.length * DAYLIGHT_SHARE) return false;
  working.sort((a, b) => a - b);
  return working[Math.floor(working.length / 2)] >= DAYLIGHT_MEDIAN_KW;
}

/** Adds category, data age, staleness and condition to devices freshly read from one answer. */
export function assess(time: string | null, devices: Device[]): void {
  const answeredAt = time === null ? null : Date.parse(time);
  // Devices share a few data times (inverters report on the same 5-minute boundary): each is parsed once.
  const parsed = new Map<string, number>();
  const epoch = (iso: string) => parsed.get(iso) ?? parsed.set(iso, Date.parse(iso)).get(iso) ?? NaN;
  for (const d of devices) {
    d.category = categoryOf(d.deviceType);
    if (d.dataTime !== null && answeredAt !== null) {
      d.dataAgeS = Math.max(0, Math.round((answeredAt - epoch(d.dataTime)) / 1000));
      d.stale = d.dataAgeS > STALE_AFTER_S[d.category];
    } else {
      d.dataAgeS = null;
      d.stale = null;
    }
  }
  const inverters = devices.filter((d) => d.category === "inverter");
  const daylight = siteProducing(inverters);
  for (const d of devices) d.condition = conditionOf(d, daylight);
}

function conditionOf(d: Device, daylight: boolean): DeviceCondition {
  const state = d.state?.toLowerCase() ?? null;
  if (d.category === "inverter") {
    const fine = state !== "error" && d.stale === false;
    if (fine) return "ok";
    return daylight ? "fault" : "asleep";
  }
  if (state === "error") return "error";
  if (d.stale === true) return "stale";
  if (state === null && d.dataTime === null) return "unknown";
  return "ok";
}

/** A device list with each serial once, and what had to be done for that. */
export interface DistinctDevices {
  list: DeviceList;
  /** Serials the PVS listed more than once (only the entry with the newest data is kept). */
  duplicates: string[];
  /** Devices listed without a serial: carried, but not remembered between polls. */
  withoutSerial: number;
}

/** Keeps one entry per serial (the newest data), so that a device listed twice is not counted twice. */
export function distinctDevices(list: DeviceList): DistinctDevices {
  const kept = new Map<string, Device>();
  const duplicates = new Set<string>();
  let withoutSerial = 0;
  const order: Array<Device | string> = [];
  for (const d of list.devices) {
    if (d.serial === null || d.serial.trim() === "") {
      withoutSerial++;
      order.push(d);
      continue;
    }
    const seen = kept.get(d.serial);
    if (!seen) {
      kept.set(d.serial, d);
      order.push(d.serial);
    } else {
      duplicates.add(d.serial);
      if ((d.dataTime ?? "") > (seen.dataTime ?? "")) kept.set(d.serial, d);
    }
  }
  if (duplicates.size === 0) return { list, duplicates: [], withoutSerial };
  const devices = order.map((entry) => (typeof entry === "string" ? (kept.get(entry) as Device) : entry));
  return { list: withViews(list.time, devices), duplicates: [...duplicates].sort(), withoutSerial };
}

/** Builds the convenience views; they point at the same objects as `devices`. */
export function withViews(time: string | null, devices: Device[]): DeviceList {
  return {
    time,
    devices,
    supervisor: devices.find((d) => d.deviceType === "PVS") ?? null,
    meters: {
      production: devices.find((d) => meterRole(d) === "production") ?? null,
      consumption: devices.find((d) => meterRole(d) === "consumption") ?? null,
    },
    inverters: devices.filter((d) => d.deviceType === "Inverter"),
  };
}

/**
 * Sum of the AC power of the inverters with fresh data, in kW (never the DC/MPPT power: stale night-time values
 * must not show as ghost production), or null when no inverter reports AC power at all.
 */
export function totalInverterPowerKw(list: Pick<DeviceList, "inverters">): number | null {
  let sum = 0;
  let seen = false;
  for (const inv of list.inverters) {
    const p = inv.metrics.p_3phsum_kw;
    if (typeof p !== "number") continue;
    seen = true;
    if (inv.stale === false) sum += p;
  }
  return seen ? sum : null;
}

/** Which of pvs-inverter-split's four outputs a device goes to. */
export function splitGroup(device: Pick<Device, "deviceType"> & { category?: DeviceCategory }): SplitGroup {
  return splitGroupOf(device.category ?? categoryOf(device.deviceType));
}

/** The devices of a pvs-device-list payload, or an error text saying why this is not one. */
export function devicesOf(payload: unknown): Device[] | string {
  if (!isJsonObject(payload) || !Array.isArray(payload.devices)) return "msg.payload is not a pvs-device-list payload (no devices array)";
  const bad = payload.devices.findIndex((d) => !isJsonObject(d) || !("deviceType" in d) || !isJsonObject(d.metrics));
  if (bad >= 0) return `msg.payload.devices[${bad}] is not a device`;
  return payload.devices as Device[];
}
