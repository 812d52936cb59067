// Field classification and number parsing shared by the legacy normalizers.
import { cleanIdentifier, cleanOptional } from "./identifiers";
import { unitOf } from "./units";

/** Lower-case fields that describe a device rather than measure it: they stay as reported. */
const DESCRIPTIVE_FIELDS = new Set([
  "origin",
  "interface",
  "subtype",
  "hw_version",
  "mac_address",
  "module_serial",
  "slave",
  "parent",
  "panid",
]);

/** A measurement name is one the unit table knows (`p_3phsum_kw`, `dl_uptime`, `t_htsnk_degc`…). */
const isMeasurementName = (key: string) => unitOf(key) !== null || key.startsWith("dl_");

/** Values the PVS uses for "no reading"; they become null, never a made-up 0. */
const MISSING_MARKERS = new Set(["", "nan", "-nan", "n/a", "na", "none", "null", "-", "--"]);

/** Some firmware reports counters and masks in hex (`"0x1A"`); only `0x`-prefixed text is read as hex. */
const HEX = /^0x[0-9a-f]{1,12}$/i;

export function isPropertyField(key: string): boolean {
  return kindOfKey(key).property;
}

/**
 * What a field name says, worked out once per name: a device list repeats the same few dozen names on every
 * device, a thousand devices a poll.
 */
function kindOfKey(key: string): { property: boolean; measurement: boolean } {
  let kind = keyKinds.get(key);
  if (kind === undefined) {
    kind = {
      property: key !== key.toLowerCase() || DESCRIPTIVE_FIELDS.has(key) || key.endsWith("_enum"),
      measurement: isMeasurementName(key),
    };
    if (keyKinds.size >= KEY_KINDS_MAX) keyKinds.clear(); // names come from the device: bounded
    keyKinds.set(key, kind);
  }
  return kind;
}

const KEY_KINDS_MAX = 2048;
const keyKinds = new Map<string, { property: boolean; measurement: boolean }>();

/** Parses a decimal number sent as a string or number; anything else (hex, words, NaN) is null. */
export function parseDecimal(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string") return null;
  // Number() reads exactly the decimal syntax (and surrounding white space), plus "" as 0, "Infinity", and the
  // 0x/0b/0o prefixes: those are turned away here, without a regular expression on every field of every device.
  const n = Number(value);
  if (!Number.isFinite(n)) return null;
  if (n === 0 && value.trim() === "") return null;
  const s = value.trimStart();
  if (s.length > 1 && s.charCodeAt(0) === 48 /* 0 */ && RADIX_PREFIX.has(s[1])) return null;
  return n;
}

const RADIX_PREFIX = new Set(["x", "X", "b", "B", "o", "O"]);

/**
 * How one lower-case field is carried: a number (decimal text with any surrounding spaces, or `0x` hex on
 * a measurement name), a null measurement ("nan", "" on a `_kw` field: absent, never a made-up 0), or, for
 * anything that is neither, a property as reported so that nothing the PVS sent is lost.
 */
export function classifyLowerCase(key: string, value: unknown): { metric: number | null } | { property: unknown } {
  const metric = metricOf(key, value);
  return metric === NOT_A_METRIC ? { property: value } : { metric };
}

/** What `metricOf` answers for a field that is a property (allocation-free form of classifyLowerCase). */
export const NOT_A_METRIC = Symbol("not a metric");

/** The field's measurement (a number, or null for "no reading"), or NOT_A_METRIC: see classifyLowerCase. */
export function metricOf(key: string, value: unknown): number | null | typeof NOT_A_METRIC {
  const n = parseDecimal(value);
  if (n !== null) return n;
  if (typeof value === "string" && kindOfKey(key).measurement) {
    const s = value.trim();
    if (HEX.test(s)) return parseInt(s.slice(2), 16);
    if (MISSING_MARKERS.has(s.toLowerCase())) return null;
  }
  return NOT_A_METRIC;
}

export function optionalString(value: unknown): string | null {
  if (typeof value === "string") return value.trim() === "" ? null : value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * An identifier or name from the wire (model, device type, state, parent): optionalString with the control and
 * bidirectional characters made spaces (identifiers.ts), or null when nothing is left.
 */
export function optionalIdentifier(value: unknown): string | null {
  return cleanOptional(optionalString(value));
}

/**
 * A serial as an identity: trimmed clean text (optionalIdentifier), or null when absent, empty, or the firmware's
 * default for a text variable that was never set, `n/a` (the varserver's variable list, SunStrong-Management/pypvs
 * doc/varserver-variables-public-pvs6.csv: `/sys/devices/<class>/{index}/sn,str,n/a`).
 */
export function optionalSerial(value: unknown): string | null {
  const s = optionalIdentifier(value);
  return s === null || s.toLowerCase() === "n/a" ? null : s;
}

/**
 * The forms of a secret (the supervisor serial) that must be masked: as sent, and as optionalSerial cleans it, so
 * that neither the raw answer nor the model's cleaned serial shows it. Too short to be a serial: none.
 */
export function secretForms(value: unknown): string[] {
  if (typeof value !== "string") return [];
  const forms = [value.trim(), cleanIdentifier(value)].filter((s) => s.length >= 6);
  return [...new Set(forms)];
}
