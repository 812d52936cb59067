// The energy of the current and the previous local day, added up from the counter deltas of each answer.
import { DayEnergy, IntervalEnergy, QUANTITIES, SiteMemoryState } from "./site-memory-state";

/** A day's start is only split across midnight for gaps shorter than this. */
const MAX_SPLIT_GAP_MS = 2 * 3600_000;

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

/** Adds one interval (answer time `t`, previous answer `last`) to the state's today, starting a new day at midnight. */
export function addToDay(state: SiteMemoryState, interval: IntervalEnergy, t: number, last: number | null): void {
  const date = localDate(t);
  const today = state.today;
  if (today && today.date === date) {
    state.today = add(today, interval, 1);
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
  if (today) state.yesterday = splittable ? add(today, interval, 1 - after) : today;
  const fresh: DayEnergy = { date, since: new Date(splittable ? midnight : t).toISOString(), complete: splittable };
  // Without a split, the interval's energy belongs to no known day; the quantities still start at 0.
  state.today = add(fresh, interval, splittable ? after : 0);
}

function add(day: DayEnergy, interval: IntervalEnergy, share: number): DayEnergy {
  const out: DayEnergy = { ...day };
  for (const q of QUANTITIES) {
    const d = interval[q];
    if (typeof d === "number") out[q] = round6((out[q] ?? 0) + Math.max(0, d) * share);
  }
  return out;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
