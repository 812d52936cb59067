// Site power and energy as fast as the PVS offers them: the PVS6 telemetry WebSocket's frames, the LocalAPI's
// `/sys/livedata/` variables, or (legacy firmware) the meters of the device list, all in one shape. Frames
// carry only what changed, so values are merged into the last known ones; nothing absent is ever made 0.
import { Device, DeviceList } from "./device";
import { parseDecimal } from "./fields";
import { plausibleKw, plausibleLiveValue, plausibleNumber } from "./plausible";
import { isJsonObject, JsonObject } from "./safe-object";
import { consumptionCt, splitByCt } from "./site";
import { CtEvidence, emptyEvidence, NEGATIVE_KW } from "./site-memory";
import { parseEpochFlexible } from "./time";
import { metricsToSi, unitsFor, Unit, UnitSystem } from "./units";

/**
 * The livedata fields, by their PVS names (docs/protocol.md "Variables" and "Telemetry WebSocket"). Power kW, energy
 * kWh, soc a fraction.
 */
export const LIVE_FIELDS = [
  "time",
  "pv_p",
  "pv_en",
  "net_p",
  "net_en",
  "site_load_p",
  "site_load_en",
  "ess_p",
  "ess_en",
  "soc",
  "backupTimeRemaining",
  "midstate",
] as const;
export type LiveField = (typeof LIVE_FIELDS)[number];

/** The last known value of every field the PVS has sent; a field never sent is absent. */
export type LiveValues = Partial<Record<LiveField, number>>;

const FIELD_SET: ReadonlySet<string> = new Set(LIVE_FIELDS);
const LIVEDATA = "/sys/livedata/";
/** A frame is a few hundred bytes; anything far larger is not a telemetry frame. */
export const MAX_FRAME_BYTES = 64 * 1024;

export type FrameResult =
  /** Values to merge (possibly none), and fields that came with a type or a value they cannot have. */
  | { kind: "values"; values: LiveValues; rejected: string[] }
  /** A frame of another kind (not "power"): nothing to merge, nothing wrong. */
  | { kind: "other"; notification: string }
  /** Not a frame at all: says why, never quotes the text. */
  | { kind: "bad"; reason: string };

/**
 * A value as the PVS sends it (a JSON number, or a decimal string in the variables), when it is within the field's
 * physical range (plausible.ts); null otherwise: a soc of 5000 or a power of 1e308 is never passed on.
 */
function fieldValue(field: string, value: unknown): number | null {
  const n = parseDecimal(value);
  return n === null ? null : plausibleLiveValue(field, n);
}

/** Reads one WebSocket frame `{"notification":"power","params":{…}}`; never throws. */
export function parseTelemetryFrame(text: string): FrameResult {
  if (text.length > MAX_FRAME_BYTES)
    return { kind: "bad", reason: `a frame of ${text.length} bytes (over the ${MAX_FRAME_BYTES}-byte limit)` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: "bad", reason: `a frame that is not JSON (${text.length} bytes)` };
  }
  if (!isJsonObject(parsed)) return { kind: "bad", reason: "a frame that is not a JSON object" };
  const notification = parsed.notification;
  if (typeof notification !== "string") return { kind: "bad", reason: "a frame without a notification name" };
  if (notification !== "power") return { kind: "other", notification: notification.slice(0, 40) };
  if (!isJsonObject(parsed.params)) return { kind: "bad", reason: "a power frame without params" };
  const values: LiveValues = {};
  const rejected: string[] = [];
  for (const [name, value] of Object.entries(parsed.params)) {
    if (!FIELD_SET.has(name)) continue; // a field a newer firmware adds: not ours to interpret
    const n = fieldValue(name, value);
    if (n === null) rejected.push(name);
    else values[name as LiveField] = n;
  }
  return { kind: "values", values, rejected };
}

/** The values of a `/sys/livedata/` read (strings like "1.747903", "nan"); unreadable ones are left out. */
export function liveFromVars(vars: JsonObject): LiveValues {
  const values: LiveValues = {};
  for (const field of LIVE_FIELDS) {
    const n = fieldValue(field, vars[LIVEDATA + field]);
    if (n !== null) values[field] = n;
  }
  return values;
}

/** The last known values with a frame's merged in: a new object. */
export function mergeLive(known: LiveValues, update: LiveValues): LiveValues {
  return { ...known, ...update };
}

const meterKw = (meter: Device | null): number | null =>
  meter && meter.stale !== true ? plausibleKw(meter.metrics.p_3phsum_kw) : null;

/**
 * Live values from a device list's meters (legacy firmware): production from the production meter, grid and
 * consumption from the consumption meter as its CT is read (`evidence`: what pvs-device-list learnt about it),
 * power and lifetime energy alike, by the same derivation as pvs-device-list's site figures (splitByCt).
 */
export function liveFromDeviceList(list: DeviceList, evidence: CtEvidence = emptyEvidence()): LiveValues {
  const values: LiveValues = {};
  if (list.time) values.time = Date.parse(list.time) / 1000;
  const p = list.meters.production;
  const rawPv = meterKw(p);
  // A production meter reads a few watts negative at night: that is 0, as in the site figures.
  const pv = rawPv !== null && rawPv < 0 && rawPv > NEGATIVE_KW ? 0 : rawPv;
  if (pv !== null) values.pv_p = pv;
  const pvKwh = plausibleNumber("net_ltea_3phsum_kwh", p?.metrics.net_ltea_3phsum_kwh);
  if (pvKwh !== null) values.pv_en = pvKwh;
  const c = list.meters.consumption;
  const ct = consumptionCt(list, evidence);
  const power = splitByCt(ct.mode, pv, meterKw(c));
  // A house never feeds the grid: a negative site load is production and grid of different moments.
  if (power.consumption !== null) values.site_load_p = Math.max(0, power.consumption);
  if (power.net !== null) values.net_p = power.net;
  const cKwh = plausibleNumber("net_ltea_3phsum_kwh", c?.metrics.net_ltea_3phsum_kwh);
  const energy = splitByCt(ct.mode, pvKwh, cKwh);
  if (energy.consumption !== null && energy.consumption >= 0) values.site_load_en = energy.consumption;
  if (energy.net !== null) values.net_en = energy.net;
  return values;
}

/** What pvs-live sends: power (kW), energy counters (kWh), battery, and the derived fields automations want. */
export interface LivePayload {
  /** When the PVS measured these values (ISO-8601 UTC), or when they were received. */
  time: string;
  production_kw?: number;
  /** The house load (site load), without the battery. */
  consumption_kw?: number;
  /** Grid power: positive when importing, negative when exporting. */
  net_kw?: number;
  import_kw?: number;
  export_kw?: number;
  /** Production beyond the house load (≥ 0): what goes to the grid or into the battery. */
  surplus_kw?: number;
  /** Battery power: positive when discharging, negative when charging. */
  battery_kw?: number;
  soc_pct?: number;
  backup_min?: number;
  midstate?: number;
  production_kwh?: number;
  consumption_kwh?: number;
  net_kwh?: number;
  battery_kwh?: number;
}

const round = (n: number, digits = 4) => Number(n.toFixed(digits));

/** A PVS6 without storage reports its battery fields as zeros: those say nothing and are left out. */
function hasBattery(v: LiveValues): boolean {
  return [v.soc, v.ess_en, v.ess_p, v.backupTimeRemaining].some((x) => x !== undefined && x !== 0);
}

/**
 * Grid power with a meter's noise around zero (a few watts "exported") read as 0 when nothing on site could export:
 * no production and no battery discharging. Otherwise, as reported.
 */
function gridKw(v: LiveValues): number | undefined {
  const net = v.net_p;
  if (net === undefined || net >= 0 || net < NEGATIVE_KW || v.pv_p === undefined) return net;
  return v.pv_p > 0 || (v.ess_p ?? 0) > 0 ? net : 0;
}

/** The payload for the current values (a new object); `now` stands in for a time the values lack. */
export function livePayload(v: LiveValues, now: number): LivePayload {
  const stamp = v.time !== undefined ? parseEpochFlexible(v.time) : null;
  const out: LivePayload = { time: stamp ?? new Date(now).toISOString() };
  const put = (name: keyof LivePayload, value: number | undefined, digits = 4) => {
    if (value !== undefined && Number.isFinite(value))
      (out as unknown as Record<string, number>)[name] = round(value, digits);
  };
  put("production_kw", v.pv_p);
  put("consumption_kw", v.site_load_p);
  const net = gridKw(v);
  put("net_kw", net);
  if (net !== undefined) {
    put("import_kw", Math.max(0, net));
    put("export_kw", Math.max(0, -net));
  }
  if (v.pv_p !== undefined && v.site_load_p !== undefined) put("surplus_kw", Math.max(0, v.pv_p - v.site_load_p));
  else if (net !== undefined && !hasBattery(v)) put("surplus_kw", Math.max(0, -net));
  if (hasBattery(v)) {
    put("battery_kw", v.ess_p);
    if (v.soc !== undefined) put("soc_pct", v.soc * 100, 2);
    put("backup_min", v.backupTimeRemaining, 0);
    put("midstate", v.midstate, 0);
    put("battery_kwh", v.ess_en, 3);
  }
  put("production_kwh", v.pv_en, 3);
  put("consumption_kwh", v.site_load_en, 3);
  put("net_kwh", v.net_en, 3);
  return out;
}

/** The payload in the chosen units ("si": W and Wh, names `_w`/`_wh`), and the unit of each of its numbers. */
export function inUnits(
  payload: LivePayload,
  units: UnitSystem,
): { payload: LivePayload; units: { [name: string]: Unit | null } } {
  const { time, ...numbers } = payload;
  const converted =
    units === "si" ? metricsToSi(numbers as { [name: string]: number }) : (numbers as { [name: string]: number });
  return { payload: { time, ...converted } as LivePayload, units: unitsFor(Object.keys(converted)) };
}

/** Power fields compared by the "on change" option, in kW. */
const POWER_FIELDS = ["pv_p", "net_p", "site_load_p", "ess_p"] as const;

/**
 * Whether `current` differs from `sent` by at least `thresholdW` in any power, or 1 point of charge, or in which fields
 * are known.
 */
export function changedBeyond(sent: LiveValues | null, current: LiveValues, thresholdW: number): boolean {
  if (!sent) return true;
  for (const f of POWER_FIELDS) {
    const a = sent[f];
    const b = current[f];
    if ((a === undefined) !== (b === undefined)) return true;
    if (a !== undefined && b !== undefined && a !== b && Math.abs(a - b) * 1000 >= thresholdW) return true;
  }
  if (sent.soc !== undefined && current.soc !== undefined && Math.abs(sent.soc - current.soc) >= 0.01) return true;
  return false;
}
