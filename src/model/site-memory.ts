// What the package remembers about one PVS between polls: every device serial it has seen, the last good
// value of every lifetime counter, the evidence about the consumption CT, and the energy of the current
// local day. The state is plain JSON (site-memory-state.ts) so that the Node-RED wrapper can keep it in the
// context store, where it survives redeploys and (with a persistent store) restarts; site-memory-restore.ts
// checks it when it is read back.
import { stampKind, stopLimitS } from "./cadence";
import { Device, DeviceList, meterRole, totalInverterPowerKw } from "./device";
import { DeviceCategory } from "./device-types";
import { setOwn } from "./safe-object";
import { addToDay } from "./site-day-energy";
import { plausibleLifetime } from "./plausible";
import { MAX_DEVICES, restore } from "./site-memory-restore";
import {
  counterKey,
  CounterIssueReason,
  CtEvidence,
  DayEnergy,
  emptyEvidence,
  emptyState,
  IntervalEnergy,
  SeenDevice,
  SiteMemoryState,
} from "./site-memory-state";

export type {
  CounterIssueReason,
  CtEvidence,
  DayEnergy,
  IntervalEnergy,
  SeenDevice,
  SiteMemoryState,
} from "./site-memory-state";
export { counterKey, emptyEvidence, emptyState } from "./site-memory-state";
export { localDate, localMidnight } from "./site-day-energy";

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

const min = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));
const max = (a: number | null, b: number) => (a === null ? b : Math.max(a, b));

export class SiteMemory {
  private constructor(
    private state: SiteMemoryState,
    /** How many stored entries fromJSON() dropped as malformed or impossible (0 for a fresh memory). */
    readonly droppedOnRestore = 0,
  ) {}

  static create(): SiteMemory {
    return new SiteMemory(emptyState());
  }

  /**
   * Restores a saved state; anything unreadable (an old format, a corrupted store) starts afresh, and each entry
   * that is malformed or impossible (a negative lifetime counter, a date that is no date) is dropped on its own.
   */
  static fromJSON(saved: unknown): SiteMemory {
    const { state, dropped } = restore(saved);
    return new SiteMemory(state, dropped);
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
    addToDay(this.state, sources.interval(deltas), t, last);
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
    // A reading no meter could hold (1e308, a negative lifetime) is no reading: it never becomes a base.
    if (!plausibleLifetime(reading, signed)) return null;
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
}
