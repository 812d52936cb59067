// What a Node-RED restart takes over from the connection before it (PvsConnection.memory), and the check a stored
// memory passes before anything in it is believed: a context store is a file that an older version, a crash mid-write
// or a person may have left in any shape, and one impossible time in it must not stop Node-RED at every start.
import net from "net";
import { DetectionMemory } from "./detection";
import { isJsonObject } from "../../model/safe-object";

/** See PvsConnection.memory. */
export interface ConnectionMemory {
  format: 1;
  detection: DetectionMemory | null;
  deviceListStartedAt: number | null;
  /** When a 403 lock-out in force ends (epoch ms); absent in memories written before it was kept. */
  lockedOutUntil?: number | null;
  /** SHA-256 digest of the serial of the PVS reached (follow.ts serialDigest), never the serial; absent before. */
  serialDigest?: string | null;
  /** The address the PVS was followed to, other than the configured host (tried first after a restart). */
  followedHost?: string | null;
}

/** No time this package remembers is older than this (it was written years later). */
export const MEMO_EARLIEST_MS = Date.UTC(2010, 0, 1);
/** How far past this machine's clock a remembered start may be: clocks a little apart, an NTP step back. */
export const MEMO_CLOCK_SKEW_MS = 5 * 60_000;
/** A lock-out's end lies at most this far ahead (the breaker itself holds it to its longest wait). */
const LATEST_LOCKOUT_MS = 24 * 60 * 60_000;
/** Model and version texts are short ("PVS6", "2025.09.04.61845"). */
const MAX_TEXT = 64;

/** A whole epoch-ms instant from 2010 up to `latest`; null for anything else. */
function instant(value: unknown, latest: number): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= MEMO_EARLIEST_MS && value <= latest
    ? value
    : null;
}

/** A short printable text; null for anything else. */
function text(value: unknown): string | null {
  // eslint-disable-next-line no-control-regex
  return typeof value === "string" && value.length <= MAX_TEXT && !/[\u0000-\u001f\u007f]/.test(value) ? value : null;
}

/** A firmware build: a positive whole number of at most 7 digits (identity.ts reads 3 to 7). */
function build(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value < 10_000_000 ? value : null;
}

function readDetection(value: unknown, now: number): DetectionMemory | null {
  if (!isJsonObject(value) || value.api !== "legacy") return null;
  const detectedAt = instant(value.detectedAt, now + MEMO_CLOCK_SKEW_MS);
  if (detectedAt === null) return null;
  return {
    api: "legacy",
    model: text(value.model),
    build: build(value.build),
    version: text(value.version),
    detectedAt,
  };
}

/**
 * A stored memory as far as it can be believed: each field of the right type, each time one that this PVS and this
 * machine can have had (not before 2010, not later than now and a small skew; a lock-out's end within a day);
 * anything else is left out (null), the rest kept. Null when it is no memory at all.
 */
export function readMemory(value: unknown, now = Date.now()): ConnectionMemory | null {
  if (!isJsonObject(value) || value.format !== 1) return null;
  return {
    format: 1,
    detection: readDetection(value.detection, now),
    deviceListStartedAt: instant(value.deviceListStartedAt, now + MEMO_CLOCK_SKEW_MS),
    lockedOutUntil: instant(value.lockedOutUntil, now + LATEST_LOCKOUT_MS),
    ...followed(value),
  };
}

/** What a following connection keeps (follow.ts), present only when it was stored. */
function followed(value: Readonly<Record<string, unknown>>): Pick<ConnectionMemory, "serialDigest" | "followedHost"> {
  const out: Pick<ConnectionMemory, "serialDigest" | "followedHost"> = {};
  if ("serialDigest" in value)
    out.serialDigest =
      typeof value.serialDigest === "string" && /^[0-9a-f]{64}$/.test(value.serialDigest) ? value.serialDigest : null;
  // Only an IP address: what a search found (a name here would send requests wherever it resolves).
  if ("followedHost" in value)
    out.followedHost =
      typeof value.followedHost === "string" && net.isIP(value.followedHost) !== 0 ? value.followedHost : null;
  return out;
}

/** An instant as ISO text, null when it has none (a Date cannot hold it). */
export function isoTime(ms: number | null): string | null {
  if (ms === null) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
