// Reading a stored site memory back (the context store's file may be old, corrupted or edited by hand): each
// entry is checked on its own and kept only when it is well formed and physically possible; what is wrong is
// dropped (and counted), the rest is kept. A dropped counter simply takes the device's next reading as its base.
import { DeviceCategory } from "./device-types";
import { cleanIdentifier, hasControlCharacters } from "./identifiers";
import { plausibleLifetime } from "./plausible";
import { isJsonObject, JsonObject, setOwn } from "./safe-object";
import {
  CounterState,
  CtEvidence,
  DayEnergy,
  emptyEvidence,
  emptyState,
  QUANTITIES,
  SeenDevice,
  SiteMemoryState,
} from "./site-memory-state";

/** More devices than any PVS lists (it supports a few hundred): a store holding more is not ours. */
export const MAX_DEVICES = 5000;
/** More than a 5,000-inverter site makes in a day, by two orders of magnitude. */
const MAX_DAY_KWH = 1e6;
/** A power this package could ever have measured on one site (kW): 100 MW. */
const MAX_EVIDENCE_KW = 1e5;
/** The counter fields the memory keeps (monotonicCounters and signedCounters in site-memory.ts). */
const COUNTER_FIELDS: ReadonlySet<string> = new Set([
  "ltea_3phsum_kwh",
  "pos_ltea_3phsum_kwh",
  "neg_ltea_3phsum_kwh",
  "net_ltea_3phsum_kwh",
]);
/** Only the net counter of a consumption meter may go below zero (a home that exported more than it imported). */
const SIGNED_FIELD = "net_ltea_3phsum_kwh";
const CATEGORIES: ReadonlySet<string> = new Set<DeviceCategory>([
  "supervisor",
  "meter",
  "inverter",
  "storage",
  "disconnect",
  "weather",
  "ground-monitor",
  "unknown",
]);
/** The memory writes its times with toISOString() (UTC); anything else was not written by it. */
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/;
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);
const MAX_SERIAL_LENGTH = 200;

const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** A time the memory could have written: its own ISO form, within this century. */
export function isStoredTime(v: unknown): v is string {
  if (typeof v !== "string" || !ISO_TIME.test(v)) return false;
  const ms = Date.parse(v);
  return ms >= EARLIEST && ms < LATEST;
}

/** A serial as the model carries it: non-empty, clean text of a sane length. */
function isStoredSerial(s: string): boolean {
  return s !== "" && s.length <= MAX_SERIAL_LENGTH && !hasControlCharacters(s) && s.trim() === s;
}

function storedText(v: unknown): string | null {
  return typeof v === "string" ? cleanIdentifier(v) : null;
}

/** What restore() kept, and how many entries it dropped as malformed or impossible. */
export interface Restored {
  state: SiteMemoryState;
  dropped: number;
}

/** Rebuilds a state from stored JSON, keeping only entries that are well formed and plausible. */
export function restore(saved: unknown): Restored {
  const state = emptyState();
  if (!isJsonObject(saved) || saved.version !== 1) return { state, dropped: 0 };
  let kept = 0;
  let given = 0;
  const take = (ok: boolean) => {
    given++;
    if (ok) kept++;
  };
  if (saved.lastTime !== null && saved.lastTime !== undefined) take(isStoredTime(saved.lastTime));
  state.lastTime = isStoredTime(saved.lastTime) ? saved.lastTime : null;
  // Entries beyond MAX_DEVICES are dropped too: no PVS lists that many devices.
  const [devices, stamps] = [entries(saved.devices), entries(saved.stamps)];
  given += Math.max(0, devices.length - MAX_DEVICES) + Math.max(0, stamps.length - MAX_DEVICES);
  for (const [serial, d] of devices.slice(0, MAX_DEVICES)) take(restoreDevice(state, serial, d));
  for (const [key, c] of entries(saved.counters)) take(restoreCounter(state, key, c));
  for (const [serial, st] of stamps.slice(0, MAX_DEVICES)) take(restoreStamp(state, serial, st));
  if (isJsonObject(saved.ct)) state.ct = restoreEvidence(saved.ct);
  for (const day of ["today", "yesterday"] as const) {
    if (saved[day] === null || saved[day] === undefined) continue;
    state[day] = restoreDay(saved[day]);
    take(state[day] !== null);
  }
  // Yesterday is the day before today's: one that is not was not written by the memory.
  if (state.today && state.yesterday && state.yesterday.date >= state.today.date) {
    state.yesterday = null;
    kept--;
  }
  return { state, dropped: given - kept };
}

const entries = (v: unknown): Array<[string, unknown]> => (isJsonObject(v) ? Object.entries(v) : []);

function restoreStamp(state: SiteMemoryState, serial: string, st: unknown): boolean {
  if (!isStoredSerial(serial) || !isJsonObject(st) || !isStoredTime(st.stamp) || !isStoredTime(st.since)) return false;
  setOwn(state.stamps, serial, { stamp: st.stamp, since: st.since });
  return true;
}

function restoreDevice(state: SiteMemoryState, serial: string, d: unknown): boolean {
  if (!isStoredSerial(serial) || !isJsonObject(d)) return false;
  if (!isStoredTime(d.firstSeen) || !isStoredTime(d.lastSeen) || d.firstSeen > d.lastSeen) return false;
  if (typeof d.category !== "string" || !CATEGORIES.has(d.category)) return false;
  const entry: SeenDevice = {
    deviceType: storedText(d.deviceType),
    category: d.category as DeviceCategory,
    model: storedText(d.model),
    firstSeen: d.firstSeen,
    lastSeen: d.lastSeen,
  };
  setOwn(state.devices, serial, entry);
  return true;
}

function restoreCounter(state: SiteMemoryState, key: string, c: unknown): boolean {
  const space = key.lastIndexOf(" ");
  const serial = key.slice(0, space);
  const field = key.slice(space + 1);
  if (space <= 0 || !isStoredSerial(serial) || !COUNTER_FIELDS.has(field) || !isJsonObject(c)) return false;
  if (!plausibleLifetime(c.good, field === SIGNED_FIELD) || !isStoredTime(c.at)) return false;
  const counter: CounterState = { good: c.good, at: c.at };
  setOwn(state.counters, key, counter);
  return true;
}

function restoreEvidence(ct: JsonObject): CtEvidence {
  const count = (v: unknown) => (isFiniteNumber(v) && v >= 0 ? Math.min(Math.floor(v), Number.MAX_SAFE_INTEGER) : 0);
  const kw = (v: unknown) => (isFiniteNumber(v) && Math.abs(v) <= MAX_EVIDENCE_KW ? v : null);
  const ev = emptyEvidence(typeof ct.subtype === "string" ? cleanIdentifier(ct.subtype) : null);
  ev.highSun = count(ct.highSun);
  ev.highSunImporting = Math.min(count(ct.highSunImporting), ev.highSun);
  ev.lowestDuringHighSun = kw(ct.lowestDuringHighSun);
  ev.highestProduction = kw(ct.highestProduction);
  ev.negative = count(ct.negative);
  ev.lowestConsumptionMeter = kw(ct.lowestConsumptionMeter);
  ev.productionNegative = count(ct.productionNegative);
  ev.lowestProductionMeter = kw(ct.lowestProductionMeter);
  // The export counter's first and last reading prove export by their growth: both real counters, in order.
  const first = ct.negFirst;
  const last = ct.negLast;
  if (plausibleLifetime(first, false) && plausibleLifetime(last, false) && first <= last) {
    ev.negFirst = first;
    ev.negLast = last;
  }
  return ev;
}

/** A calendar date YYYY-MM-DD that exists (not 2025-02-30). */
function isCalendarDate(v: unknown): v is string {
  if (typeof v !== "string" || !/^\d{4}-\d\d-\d\d$/.test(v)) return false;
  const ms = Date.parse(`${v}T00:00:00.000Z`);
  return ms >= EARLIEST && ms < LATEST && new Date(ms).toISOString().slice(0, 10) === v;
}

export function restoreDay(saved: unknown): DayEnergy | null {
  if (!isJsonObject(saved) || !isCalendarDate(saved.date) || !isStoredTime(saved.since)) return null;
  const day: DayEnergy = { date: saved.date, since: saved.since, complete: saved.complete === true };
  for (const q of QUANTITIES) {
    const v = saved[q];
    if (isFiniteNumber(v) && v >= 0 && v <= MAX_DAY_KWH) day[q] = v;
  }
  return day;
}
