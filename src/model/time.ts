// PVS time formats -> ISO-8601 UTC strings.

const PVS_TIME = /^\s*(\d{4}),(\d{1,2}),(\d{1,2}),(\d{1,2}),(\d{1,2}),(\d{1,2})\s*$/;

/**
 * Parses the legacy `"YYYY,MM,DD,HH,MM,SS"` stamp, which the PVS reports in UTC.
 * Returns null for anything that is not a real calendar time (never a guessed date).
 */
export function parsePvsTime(value: unknown): string | null {
  if (typeof value !== "string") return null;
  // A device list repeats a handful of stamps (every inverter reports on the same 5-minute boundary) a
  // thousand times: each distinct one is parsed once.
  const known = recentTimes.get(value);
  if (known !== undefined) return known;
  const parsed = parseCalendarStamp(value);
  if (recentTimes.size >= RECENT_TIMES_MAX) recentTimes.clear();
  recentTimes.set(value, parsed);
  return parsed;
}

const RECENT_TIMES_MAX = 256;
const recentTimes = new Map<string, string | null>();

function parseCalendarStamp(value: string): string | null {
  const m = PVS_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const d = new Date(ms);
  // Date.UTC rolls over out-of-range parts (month 13, day 32); reject those instead.
  if (
    d.getUTCFullYear() !== year ||
    d.getUTCMonth() !== month - 1 ||
    d.getUTCDate() !== day ||
    d.getUTCHours() !== hour ||
    d.getUTCMinutes() !== minute ||
    d.getUTCSeconds() !== second
  ) {
    return null;
  }
  return d.toISOString();
}

/** Parses a Unix epoch in seconds, given as a number or a numeric string (Get_Comm `ts`). */
export function parseEpochSeconds(value: unknown): string | null {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > 1e11) return null;
  return new Date(Math.round(n * 1000)).toISOString();
}

/** Parses the LocalAPI's ISO-8601 stamps (`msmtEps`, "2025-09-30T15:50:00Z"); only explicit UTC or offset times. */
export function parseIsoTime(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const s = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** `/sys/livedata/time`: epoch seconds (some firmware may send milliseconds). */
export function parseEpochFlexible(value: unknown): string | null {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) return null;
  return parseEpochSeconds(n > 1e11 ? n / 1000 : n);
}
