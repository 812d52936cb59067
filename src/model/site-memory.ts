// What the package remembers about one PVS between polls: every device serial it has seen, the last good
// value of every lifetime counter, the evidence about the consumption CT, and the energy of the current
// local day. The state is plain JSON so that the Node-RED wrapper can keep it in the context store, where it
// survives redeploys and (with a persistent store) restarts.
import { stampKind, stopLimitS } from "./cadence";
import { Device, DeviceList, meterRole, totalInverterPowerKw } from "./device";
import { DeviceCategory } from "./device-types";
import { isJsonObject, setOwn } from "./safe-object";

/** A device remembered from an earlier answer. */
export interface SeenDevice {
  deviceType: string | null;
  category: DeviceCategory;
  model: string | null;
  firstSeen: string;
  lastSeen: string;
}

/** "zero": a lifetime counter that was above 0 read exactly 0, a firmware glitch (never taken as a reset). */
export type CounterIssueReason = "reset" | "rollback" | "jump" | "zero";

/** The last good value of one lifetime counter, and a reading that does not fit, while it is being watched. */
interface CounterState {
  good: number;
  at: string;
  suspect?: { value: number; count: number; reason: CounterIssueReason };
}

/** A device's data stamp (DATATIME / msmtEps) and when (the answer's time) it was first seen. */
interface StampState {
  stamp: string;
  since: string;
}

/** What the readings say about the consumption CT (see site.ts for how it is judged). */
export interface CtEvidence {
  /** The consumption meter's declared subtype when this evidence was gathered; a change restarts it. */
  subtype: string | null;
  /** Readings with production of at least HIGH_SUN_KW. */
  highSun: number;
  /** Of those, readings in which the consumption meter clearly imported (above IMPORTING_KW). */
  highSunImporting: number;
  lowestDuringHighSun: number | null;
  highestProduction: number | null;
  /** Readings in which the consumption meter read clearly negative (export). */
  negative: number;
  lowestConsumptionMeter: number | null;
  /** The consumption meter's export counter when first and last seen. */
  negFirst: number | null;
  negLast: number | null;
  /** Readings in which the production meter read clearly negative (reversed CT). */
  productionNegative: number;
  lowestProductionMeter: number | null;
}

/** Energy over one local calendar day, from counter deltas (kWh). Absent keys could not be measured. */
export interface DayEnergy {
  /** Local date of the Node-RED host, YYYY-MM-DD. */
  date: string;
  /** From when the energy is counted: local midnight, or the first answer of the day after a gap. */
  since: string;
  /** False when the package did not see the day start (Node-RED started mid-day, or a long gap at midnight). */
  complete: boolean;
  production_kwh?: number;
  consumption_kwh?: number;
  import_kwh?: number;
  export_kwh?: number;
}

export interface SiteMemoryState {
  version: 1;
  /** CURTIME of the last answer that advanced the memory. */
  lastTime: string | null;
  devices: { [serial: string]: SeenDevice };
  counters: { [serialAndField: string]: CounterState };
  /** Each device's last data stamp, and the answer time it was first seen at: when it stops advancing (cadence.ts). */
  stamps: { [serial: string]: StampState };
  ct: CtEvidence;
  today: DayEnergy | null;
  yesterday: DayEnergy | null;
}

/** A reading that did not fit its counter's history. */
export interface CounterEvent {
  serial: string;
  field: string;
  reason: CounterIssueReason;
  previous: number;
  current: number;
  /** True once the new base has been seen often enough to be accepted (the counter really was reset). */
  accepted: boolean;
}

export interface MissingDevice {
  serial: string;
  deviceType: string | null;
  category: DeviceCategory;
  model: string | null;
  lastSeen: string;
  /** Last good lifetime counters, which the site sums keep using while the device is away. */
  held: { [field: string]: number };
}

/** Energy moved through the site's counters since the previous answer (kWh), per quantity that could be measured. */
export interface IntervalEnergy {
  production_kwh?: number;
  consumption_kwh?: number;
  import_kwh?: number;
  export_kwh?: number;
}

export interface Observation {
  /** True when the answer was not newer than the last one (a second node on the same PVS): nothing advanced. */
  replay: boolean;
  missing: MissingDevice[];
  counterEvents: CounterEvent[];
  today: DayEnergy | null;
  yesterday: DayEnergy | null;
  ct: CtEvidence;
}

/** How the caller says which counters feed which energy quantity (decided in site.ts from the meters). */
export interface EnergySources {
  /** Delta of the current interval for each quantity, from the counter deltas of this answer. */
  interval(deltas: ReadonlyMap<string, number>): IntervalEnergy;
}

/** Devices unseen this long are forgotten (a replaced inverter should not be "missing" forever). */
const FORGET_AFTER_MS = 30 * 24 * 3600_000;
/** A reading that does not fit is accepted as the counter's new base once it has been seen this often. */
const ACCEPT_AFTER = 3;
/** Float noise tolerated on a counter going backwards, kWh. */
const COUNTER_TOLERANCE_KWH = 0.01;
/** Production from which the consumption meter's sign says something about its placement, kW. */
export const HIGH_SUN_KW = 1;
/**
 * Above this a consumption meter clearly imports, kW. A net meter next to a battery hovers around zero
 * while the battery soaks up the surplus; that is not evidence of a load-only CT.
 */
export const IMPORTING_KW = 0.05;
/** Below this a meter is clearly negative, not noise around zero, kW. */
export const NEGATIVE_KW = -0.05;
/** A day's start is only split across midnight for gaps shorter than this. */
const MAX_SPLIT_GAP_MS = 2 * 3600_000;
const MAX_DEVICES = 5000;

export function counterKey(serial: string, field: string): string {
  return `${serial} ${field}`;
}

/** Counters that only ever grow on a healthy device, with the most power that could move them (kW). */
export function monotonicCounters(device: Device): Array<{ field: string; maxKw: number }> {
  if (device.category === "inverter") return [{ field: "ltea_3phsum_kwh", maxKw: 1 }];
  if (device.category !== "meter") return [];
  const maxKw = meterMaxKw(device);
  const fields = [
    { field: "pos_ltea_3phsum_kwh", maxKw },
    { field: "neg_ltea_3phsum_kwh", maxKw },
  ];
  if (meterRole(device) === "production") fields.push({ field: "net_ltea_3phsum_kwh", maxKw });
  return fields;
}

/** Counters that may go both ways (a net consumption meter's lifetime net energy). */
function signedCounters(device: Device): Array<{ field: string; maxKw: number }> {
  if (device.category !== "meter" || meterRole(device) !== "consumption") return [];
  return [{ field: "net_ltea_3phsum_kwh", maxKw: meterMaxKw(device) }];
}

/**
 * The most power a meter's counters could see: split-phase 240 V at its CT's rating, with a margin; 200 A when it does
 * not say.
 */
function meterMaxKw(meter: Device): number {
  const ct = meter.metrics.ct_scl_fctr;
  return (typeof ct === "number" && ct > 0 ? ct : 200) * 0.5;
}

export function emptyEvidence(subtype: string | null = null): CtEvidence {
  return {
    subtype,
    highSun: 0,
    highSunImporting: 0,
    lowestDuringHighSun: null,
    highestProduction: null,
    negative: 0,
    lowestConsumptionMeter: null,
    negFirst: null,
    negLast: null,
    productionNegative: 0,
    lowestProductionMeter: null,
  };
}

export function emptyState(): SiteMemoryState {
  return {
    version: 1,
    lastTime: null,
    devices: {},
    counters: {},
    stamps: {},
    ct: emptyEvidence(),
    today: null,
    yesterday: null,
  };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Local calendar date of the Node-RED host (the TZ environment variable, else the system zone). */
export function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Start of the local day holding `ms`; Date handles daylight-saving changes (23- and 25-hour days). */
export function localMidnight(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

const min = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));
const max = (a: number | null, b: number) => (a === null ? b : Math.max(a, b));

export class SiteMemory {
  private constructor(private state: SiteMemoryState) {}

  static create(): SiteMemory {
    return new SiteMemory(emptyState());
  }

  /** Restores a saved state; anything unreadable (an old format, a corrupted store) starts afresh. */
  static fromJSON(saved: unknown): SiteMemory {
    return new SiteMemory(restore(saved));
  }

  /** A copy of the state. */
  toJSON(): SiteMemoryState {
    return structuredClone(this.state);
  }

  /**
   * The state itself, for the context store, which keeps it and serializes it when it writes (the file store
   * every 30 s). Not a copy: cloning a 1,000-inverter state on every poll cost more than the rest of the poll.
   */
  get persistable(): Readonly<SiteMemoryState> {
    return this.state;
  }

  get lastTime(): string | null {
    return this.state.lastTime;
  }

  /** The CT evidence gathered so far (read-only use). */
  get evidence(): CtEvidence {
    return this.state.ct;
  }

  /** The last good value of a counter, or null if it was never read. */
  lifetime(serial: string, field: string): number | null {
    return this.state.counters[counterKey(serial, field)]?.good ?? null;
  }

  /** Serials remembered for a category, present or not. */
  remembered(category: DeviceCategory): string[] {
    return Object.keys(this.state.devices).filter((s) => this.state.devices[s].category === category);
  }

  /**
   * Follows each device's data stamp from answer to answer and gives the serials whose stamp stopped
   * advancing: the same stamp for longer than its API refreshes it (cadence.ts). Call before observe(); an
   * answer not newer than the last one changes nothing.
   */
  stoppedStamps(list: DeviceList, now: number): Set<string> {
    const t = list.time !== null ? Date.parse(list.time) : now;
    const last = this.state.lastTime === null ? null : Date.parse(this.state.lastTime);
    const advance = last === null || t > last;
    const iso = new Date(t).toISOString();
    const stamps = this.state.stamps;
    const stopped = new Set<string>();
    let count = Object.keys(stamps).length;
    for (const d of list.devices) {
      if (d.serial === null || d.dataTime === null || d.category === "supervisor") continue;
      const known = Object.hasOwn(stamps, d.serial) ? stamps[d.serial] : null;
      if (known && known.stamp === d.dataTime) {
        if ((t - Date.parse(known.since)) / 1000 > stopLimitS(stampKind(d), d.category)) stopped.add(d.serial);
      } else if (advance && (known || count++ < MAX_DEVICES)) {
        setOwn(stamps, d.serial, { stamp: d.dataTime, since: iso });
      }
    }
    return stopped;
  }

  /**
   * Takes in one answer: remembers its devices, checks and advances its counters, updates the CT evidence and
   * adds the interval's energy to the local day. An answer not newer than the last one changes nothing.
   * `now` is used when the answer has no time of its own.
   */
  observe(list: DeviceList, sources: EnergySources, now: number): Observation {
    const t = list.time !== null ? Date.parse(list.time) : now;
    const iso = new Date(t).toISOString();
    const present = new Set(list.devices.map((d) => d.serial).filter((s): s is string => s !== null));
    const last = this.state.lastTime === null ? null : Date.parse(this.state.lastTime);
    if (last !== null && t <= last) {
      return {
        replay: true,
        missing: this.missing(present),
        counterEvents: [],
        today: this.state.today,
        yesterday: this.state.yesterday,
        ct: this.state.ct,
      };
    }

    this.remember(list, iso, t);
    const deltas = new Map<string, number>();
    const counterEvents: CounterEvent[] = [];
    const seen = new Set<string>();
    for (const device of list.devices) {
      if (device.serial === null || seen.has(device.serial)) continue; // a duplicate serial must not count twice
      seen.add(device.serial);
      for (const { field, maxKw } of monotonicCounters(device)) {
        const event = this.advanceCounter(device.serial, field, device.metrics[field], iso, maxKw, false, deltas);
        if (event) counterEvents.push(event);
      }
      for (const { field, maxKw } of signedCounters(device)) {
        const event = this.advanceCounter(device.serial, field, device.metrics[field], iso, maxKw, true, deltas);
        if (event) counterEvents.push(event);
      }
    }
    this.gatherCtEvidence(list);
    this.addToDay(sources.interval(deltas), t, last);
    this.state.lastTime = iso;
    return {
      replay: false,
      missing: this.missing(present),
      counterEvents,
      today: this.state.today,
      yesterday: this.state.yesterday,
      ct: this.state.ct,
    };
  }

  private remember(list: DeviceList, iso: string, t: number): void {
    const devices = this.state.devices;
    for (const d of list.devices) {
      // The supervisor's serial is masked and it never goes missing; remembering it would only add noise.
      if (d.serial === null || d.category === "supervisor") continue;
      const known = Object.hasOwn(devices, d.serial) ? devices[d.serial] : null;
      const entry: SeenDevice = {
        deviceType: d.deviceType,
        category: d.category,
        model: d.model,
        firstSeen: known?.firstSeen ?? iso,
        lastSeen: iso,
      };
      setOwn(devices, d.serial, entry);
    }
    for (const [serial, entry] of Object.entries(devices)) {
      if (t - Date.parse(entry.lastSeen) > FORGET_AFTER_MS) {
        delete devices[serial];
        delete this.state.stamps[serial];
        for (const key of Object.keys(this.state.counters))
          if (key.slice(0, key.lastIndexOf(" ")) === serial) delete this.state.counters[key];
      }
    }
    const serials = Object.keys(devices);
    if (serials.length > MAX_DEVICES) {
      serials.sort((a, b) => Date.parse(devices[a].lastSeen) - Date.parse(devices[b].lastSeen));
      for (const s of serials.slice(0, serials.length - MAX_DEVICES)) {
        delete devices[s];
        delete this.state.stamps[s];
      }
    }
  }

  private missing(present: ReadonlySet<string>): MissingDevice[] {
    const absent = Object.keys(this.state.devices).filter((serial) => !present.has(serial));
    if (absent.length === 0) return [];
    const held = new Map<string, MissingDevice["held"]>(absent.map((serial) => [serial, {}]));
    for (const [key, c] of Object.entries(this.state.counters)) {
      const space = key.lastIndexOf(" ");
      const bag = held.get(key.slice(0, space));
      if (bag) setOwn(bag, key.slice(space + 1), c.good);
    }
    return absent.map((serial) => {
      const d = this.state.devices[serial];
      return {
        serial,
        deviceType: d.deviceType,
        category: d.category,
        model: d.model,
        lastSeen: d.lastSeen,
        held: held.get(serial) ?? {},
      };
    });
  }

  /**
   * Moves a counter to its new reading when the reading fits its history, and records the delta. A reading
   * that does not fit (a drop to zero, a step back, a rise faster than the device could produce) is held
   * back: the counter keeps its last good value, and only after ACCEPT_AFTER consistent readings is the
   * new value taken as the counter's base. No delta is counted across such a step, so sums never jump.
   */
  private advanceCounter(
    serial: string,
    field: string,
    reading: number | null | undefined,
    iso: string,
    maxKw: number,
    signed: boolean,
    deltas: Map<string, number>,
  ): CounterEvent | null {
    if (typeof reading !== "number") return null;
    const key = counterKey(serial, field);
    const counters = this.state.counters;
    const prev = Object.hasOwn(counters, key) ? counters[key] : null;
    if (!prev) {
      setOwn(counters, key, { good: reading, at: iso });
      return null;
    }
    const hours = Math.max(0, Date.parse(iso) - Date.parse(prev.at)) / 3600_000;
    const bound = maxKw * hours + 1;
    const delta = reading - prev.good;
    const fits = delta <= bound && (signed ? delta >= -bound : delta >= -COUNTER_TOLERANCE_KWH);
    if (fits) {
      counters[key] = { good: reading, at: iso };
      deltas.set(key, signed ? delta : Math.max(0, delta));
      return null;
    }
    // A counter first read as 0 (the firmware's placeholder before the device's first report) takes its real
    // value as the base, with no energy counted across the step.
    if (prev.good === 0 && reading !== 0 && !fits) {
      counters[key] = { good: reading, at: iso };
      return null;
    }
    // A lifetime counter does not fall to exactly 0 and stay healthy: the firmware sent a placeholder. The last
    // good value stays, and zeros never become its base (a real reset shows as small, growing readings).
    if (reading === 0 && Math.abs(prev.good) > COUNTER_TOLERANCE_KWH) {
      return { serial, field, reason: "zero", previous: prev.good, current: reading, accepted: false };
    }
    const reason: CounterIssueReason =
      delta > 0 ? "jump" : Math.abs(reading) < Math.max(1, Math.abs(prev.good) * 0.1) ? "reset" : "rollback";
    const suspect = prev.suspect;
    // Consistent with the suspect reading: it moves on from there as a healthy counter would.
    const continues =
      suspect !== undefined &&
      suspect.reason === reason &&
      reading - suspect.value >= -COUNTER_TOLERANCE_KWH &&
      reading - suspect.value <= bound;
    const count = continues ? suspect.count + 1 : 1;
    if (count >= ACCEPT_AFTER) {
      counters[key] = { good: reading, at: iso };
      return { serial, field, reason, previous: prev.good, current: reading, accepted: true };
    }
    counters[key] = { good: prev.good, at: prev.at, suspect: { value: reading, count, reason } };
    return count === 1 ? { serial, field, reason, previous: prev.good, current: reading, accepted: false } : null;
  }

  private gatherCtEvidence(list: DeviceList): void {
    const c = list.meters.consumption;
    const p = list.meters.production;
    const subtype = c && typeof c.properties.subtype === "string" ? c.properties.subtype.trim().toUpperCase() : null;
    if (subtype !== this.state.ct.subtype) this.state.ct = emptyEvidence(subtype);
    const ev = this.state.ct;
    const fresh = (d: Device | null) => d !== null && d.stale !== true;
    const pKw = p && fresh(p) ? p.metrics.p_3phsum_kw : null;
    const production = typeof pKw === "number" ? pKw : (totalInverterPowerKw(list) ?? 0);
    if (typeof pKw === "number" && pKw < NEGATIVE_KW) {
      ev.productionNegative++;
      ev.lowestProductionMeter = min(ev.lowestProductionMeter, pKw);
    }
    if (!c || !fresh(c)) return;
    const cKw = c.metrics.p_3phsum_kw;
    if (typeof cKw === "number") {
      if (cKw < NEGATIVE_KW) {
        ev.negative++;
        ev.lowestConsumptionMeter = min(ev.lowestConsumptionMeter, cKw);
      }
      if (production >= HIGH_SUN_KW) {
        ev.highSun++;
        if (cKw > IMPORTING_KW) ev.highSunImporting++;
        ev.lowestDuringHighSun = min(ev.lowestDuringHighSun, cKw);
        ev.highestProduction = max(ev.highestProduction, production);
      }
    }
    const neg = c.metrics.neg_ltea_3phsum_kwh;
    if (typeof neg === "number") {
      ev.negFirst ??= neg;
      ev.negLast = neg;
    }
  }

  private addToDay(interval: IntervalEnergy, t: number, last: number | null): void {
    const date = localDate(t);
    const today = this.state.today;
    if (today && today.date === date) {
      this.state.today = add(today, interval, 1);
      return;
    }
    const midnight = localMidnight(t);
    // The interval straddles midnight: split it by time between the two days.
    const splittable =
      today !== null &&
      last !== null &&
      last < midnight &&
      t - last <= MAX_SPLIT_GAP_MS &&
      localDate(last) === today.date;
    const after = splittable && last !== null ? (t - midnight) / (t - last) : 0;
    if (today) this.state.yesterday = splittable ? add(today, interval, 1 - after) : today;
    const fresh: DayEnergy = { date, since: new Date(splittable ? midnight : t).toISOString(), complete: splittable };
    // Without a split, the interval's energy belongs to no known day; the quantities still start at 0.
    this.state.today = add(fresh, interval, splittable ? after : 0);
  }
}

const QUANTITIES = ["production_kwh", "consumption_kwh", "import_kwh", "export_kwh"] as const;

function add(day: DayEnergy, interval: IntervalEnergy, share: number): DayEnergy {
  const out: DayEnergy = { ...day };
  for (const q of QUANTITIES) {
    const d = interval[q];
    if (typeof d === "number") out[q] = round6((out[q] ?? 0) + Math.max(0, d) * share);
  }
  return out;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isTime = (v: unknown): v is string => typeof v === "string" && !Number.isNaN(Date.parse(v));
const numOrNull = (v: unknown) => (isFiniteNumber(v) ? v : null);

/** Rebuilds a state from stored JSON, keeping only entries that are well formed. */
function restore(saved: unknown): SiteMemoryState {
  const state = emptyState();
  if (!isJsonObject(saved) || saved.version !== 1) return state;
  state.lastTime = isTime(saved.lastTime) ? saved.lastTime : null;
  if (isJsonObject(saved.devices)) {
    for (const [serial, d] of Object.entries(saved.devices)) {
      if (!isJsonObject(d) || !isTime(d.firstSeen) || !isTime(d.lastSeen) || typeof d.category !== "string") continue;
      const entry: SeenDevice = {
        deviceType: typeof d.deviceType === "string" ? d.deviceType : null,
        category: d.category as DeviceCategory,
        model: typeof d.model === "string" ? d.model : null,
        firstSeen: d.firstSeen,
        lastSeen: d.lastSeen,
      };
      setOwn(state.devices, serial, entry);
    }
  }
  if (isJsonObject(saved.counters)) {
    for (const [key, c] of Object.entries(saved.counters)) {
      if (!isJsonObject(c) || !isFiniteNumber(c.good) || !isTime(c.at)) continue;
      setOwn(state.counters, key, { good: c.good, at: c.at });
    }
  }
  if (isJsonObject(saved.stamps)) {
    for (const [serial, st] of Object.entries(saved.stamps)) {
      if (!isJsonObject(st) || !isTime(st.stamp) || !isTime(st.since)) continue;
      setOwn(state.stamps, serial, { stamp: st.stamp, since: st.since });
    }
  }
  if (isJsonObject(saved.ct)) {
    const ct = saved.ct;
    const count = (v: unknown) => (isFiniteNumber(v) && v >= 0 ? Math.floor(v) : 0);
    state.ct = {
      subtype: typeof ct.subtype === "string" ? ct.subtype : null,
      highSun: count(ct.highSun),
      highSunImporting: count(ct.highSunImporting),
      lowestDuringHighSun: numOrNull(ct.lowestDuringHighSun),
      highestProduction: numOrNull(ct.highestProduction),
      negative: count(ct.negative),
      lowestConsumptionMeter: numOrNull(ct.lowestConsumptionMeter),
      negFirst: numOrNull(ct.negFirst),
      negLast: numOrNull(ct.negLast),
      productionNegative: count(ct.productionNegative),
      lowestProductionMeter: numOrNull(ct.lowestProductionMeter),
    };
  }
  state.today = restoreDay(saved.today);
  state.yesterday = restoreDay(saved.yesterday);
  return state;
}

function restoreDay(saved: unknown): DayEnergy | null {
  if (
    !isJsonObject(saved) ||
    typeof saved.date !== "string" ||
    !/^\d{4}-\d\d-\d\d$/.test(saved.date) ||
    !isTime(saved.since)
  )
    return null;
  const day: DayEnergy = { date: saved.date, since: saved.since, complete: saved.complete === true };
  for (const q of QUANTITIES) if (isFiniteNumber(saved[q]) && (saved[q] as number) >= 0) day[q] = saved[q] as number;
  return day;
}
