// The normalized device model shared by every output of the package, whichever API reported the data.
import { ageLimitS, isPeer, peerLimitS, StampKind, stampKind } from "./cadence";
import { categoryOf, DeviceCategory, splitGroupOf, SplitGroup } from "./device-types";
import { MAX_DEVICE_KW, plausibleKw } from "./plausible";
import { isJsonObject, JsonObject } from "./safe-object";

/**
 * How a device is doing, from its state, its data age and its neighbours:
 * - `ok`: reporting, data fresh;
 * - `asleep`: an inverter without fresh data while the site as a whole does not produce (night, dawn, dusk);
 * - `fault`: an inverter without fresh data, or in error, while the site produces (its neighbours, the production
 *   meter or `/sys/livedata/pv_p` say so);
 * - `error`: any other device that reports STATE error (SunVault parts often sit there permanently);
 * - `stale`: any other device whose data stopped refreshing (see `stale`);
 * - `unknown`: the device reports neither a state nor a data time (identity-only records).
 */
export type DeviceCondition = "ok" | "asleep" | "fault" | "error" | "stale" | "unknown";

/** One device of the PVS. */
export interface Device {
  /**
   * `SERIAL`; the supervisor's own serial is masked (see redact.ts). Null when the PVS sent none, or its unset default
   * `n/a`.
   */
  serial: string | null;
  /** `DEVICE_TYPE` as reported, e.g. "PVS", "Power Meter", "Inverter", "ESS BMS". */
  deviceType: string | null;
  category: DeviceCategory;
  model: string | null;
  /** `STATE` as reported, e.g. "working" or "error". */
  state: string | null;
  /** When the PVS sampled this device's data (`DATATIME`; LocalAPI `msmtEps`), ISO-8601 UTC. */
  dataTime: string | null;
  /**
   * Seconds between the sample and the answer (`CURTIME − DATATIME`; LocalAPI `/sys/livedata/time − msmtEps`); null
   * without a data time.
   */
  dataAgeS: number | null;
  /**
   * Whether the data stopped refreshing, by the API's own cadence (cadence.ts): missed two or more refreshes
   * (its age, or its stamp not advancing from one poll to the next), or far behind the stamps of the other
   * meters and inverters. Null without a data time.
   */
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
    .map((d) => ({
      serial: d.serial,
      deviceType: d.deviceType,
      category: d.category,
      model: d.model,
      label: d.label ?? null,
    }));
}

/** What an API reports about a device; data age, staleness and condition are filled in by assess(). */
export type ReportedDevice = Pick<
  Device,
  "serial" | "deviceType" | "model" | "state" | "dataTime" | "parent" | "properties" | "metrics"
>;

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

/**
 * A device whose data counts as produced-now: fresh, working (or no state reported: LocalAPI), with AC power over
 * `minKw`.
 */
function producing(device: Device, minKw: number): boolean {
  const p = plausibleKw(device.metrics.p_3phsum_kw, MAX_DEVICE_KW);
  const working = device.state === null || device.state.toLowerCase() === "working";
  return device.stale === false && working && p !== null && p > minKw;
}

/** Inverters wake up within minutes of each other; until half of them produce, the rest are asleep, not faulty. */
const DAYLIGHT_SHARE = 0.5;
/** 20 W, about 5 % of a residential panel: below that the roof is not really producing yet. */
const DAYLIGHT_MEDIAN_KW = 0.02;
/** A site meter reads a few watts at night (8 W in the 04:06 UTC capture of ginoledesma/sunpower-pvs-exporter). */
const DAYLIGHT_SITE_MIN_KW = 0.05;

/** Whether the site produces now, judged from the inverters themselves (not from the clock). */
export function siteProducing(inverters: Device[]): boolean {
  if (inverters.length === 0) return false;
  const working = inverters.filter((d) => producing(d, 0)).map((d) => d.metrics.p_3phsum_kw as number);
  if (working.length === 0 || working.length < inverters.length * DAYLIGHT_SHARE) return false;
  working.sort((a, b) => a - b);
  return working[Math.floor(working.length / 2)] >= DAYLIGHT_MEDIAN_KW;
}

/**
 * Whether a site power (the production meter, `/sys/livedata/pv_p`, or the working inverters' sum) shows
 * daylight: as much as every inverter at the dawn level, so that inverters that died in full sun are faults
 * however many they are, and a meter's night-time noise is not daylight.
 */
export function sitePowerShowsDaylight(kw: number | null | undefined, inverterCount: number): boolean {
  return typeof kw === "number" && kw >= Math.max(DAYLIGHT_SITE_MIN_KW, DAYLIGHT_MEDIAN_KW * inverterCount);
}

/** What assess() may know beyond the devices of one answer. */
export interface AssessContext {
  /** `/sys/livedata/pv_p` (kW), the PVS's production now: one more witness of daylight. */
  livePvKw?: number | null;
  /** Serials whose data stamp the site memory saw stop advancing (see cadence.ts). */
  stopped?: ReadonlySet<string>;
}

/** Adds category, data age, staleness and condition to devices freshly read from one answer. */
export function assess(time: string | null, devices: Device[], context: AssessContext = {}): void {
  const answeredAt = time === null ? null : Date.parse(time);
  // Devices share a few data times (inverters report on the same 5-minute boundary): each is parsed once.
  const parsed = new Map<string, number>();
  const epoch = (iso: string) => parsed.get(iso) ?? parsed.set(iso, Date.parse(iso)).get(iso) ?? NaN;
  // The newest stamp among the meters and inverters of each API: a device far behind it stopped reporting.
  // A stamp later than the answer itself (beyond one period) is a clock glitch, not a peer to keep up with.
  const newest = new Map<StampKind, number>();
  for (const d of devices) {
    d.category = categoryOf(d.deviceType);
    const kind = stampKind(d);
    if (d.dataTime === null || kind === null || !isPeer(d)) continue;
    const at = epoch(d.dataTime);
    if (answeredAt !== null && at - answeredAt > peerLimitS(kind, d.category) * 1000) continue;
    newest.set(kind, Math.max(newest.get(kind) ?? -Infinity, at));
  }
  for (const d of devices) {
    d.stale = null;
    d.dataAgeS = null;
    if (d.dataTime === null) continue;
    const at = epoch(d.dataTime);
    const kind = stampKind(d);
    const peers = kind !== null && isPeer(d) ? newest.get(kind) : undefined;
    const behindPeers = peers !== undefined && (peers - at) / 1000 > peerLimitS(kind, d.category);
    const stopped = d.serial !== null && context.stopped?.has(d.serial) === true;
    if (answeredAt !== null) {
      d.dataAgeS = Math.max(0, Math.round((answeredAt - at) / 1000));
      d.stale = d.dataAgeS > ageLimitS(kind, d.category) || behindPeers || stopped;
    } else if (behindPeers || stopped || peers !== undefined) {
      d.stale = behindPeers || stopped;
    }
  }
  const inverters = devices.filter((d) => d.category === "inverter");
  const daylight = siteProducing(inverters) || siteDaylight(devices, inverters, context.livePvKw);
  for (const d of devices) d.condition = conditionOf(d, daylight);
}

/** Daylight from the site's power: the fresh production meter, the livedata, or the working inverters together. */
function siteDaylight(devices: Device[], inverters: Device[], livePvKw: number | null | undefined): boolean {
  const meter = devices.find((d) => meterRole(d) === "production");
  const meterKw = meter && meter.stale === false ? plausibleKw(meter.metrics.p_3phsum_kw) : null;
  const working = inverters
    .filter((d) => producing(d, 0))
    .reduce((sum, d) => sum + (d.metrics.p_3phsum_kw as number), 0);
  return [meterKw, livePvKw, working].some((kw) => sitePowerShowsDaylight(kw, inverters.length));
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
    // A reading no inverter could give (1e308) is no reading: it must not make the sum infinite.
    const p = plausibleKw(inv.metrics.p_3phsum_kw, MAX_DEVICE_KW);
    if (p === null) continue;
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
  if (!isJsonObject(payload) || !Array.isArray(payload.devices))
    return "msg.payload is not a pvs-device-list payload (no devices array)";
  const bad = payload.devices.findIndex((d) => !isJsonObject(d) || !("deviceType" in d) || !isJsonObject(d.metrics));
  if (bad >= 0) return `msg.payload.devices[${bad}] is not a device`;
  return payload.devices as Device[];
}
