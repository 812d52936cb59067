// Field classification and number parsing shared by the legacy normalizers.
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

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** Some firmware reports counters and masks in hex (`"0x1A"`); only `0x`-prefixed text is read as hex. */
const HEX = /^0x[0-9a-f]{1,12}$/i;

export function isPropertyField(key: string): boolean {
  return key !== key.toLowerCase() || DESCRIPTIVE_FIELDS.has(key) || key.endsWith("_enum");
}

/** Parses a decimal number sent as a string or number; anything else (hex, words, NaN) is null. */
export function parseDecimal(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string") return null;
  const s = value.trim();
  if (!DECIMAL.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/**
 * How one lower-case field is carried: a number (decimal text with any surrounding spaces, or `0x` hex on
 * a measurement name), a null measurement ("nan", "" on a `_kw` field: absent, never a made-up 0), or, for
 * anything that is neither, a property as reported so that nothing the PVS sent is lost.
 */
export function classifyLowerCase(key: string, value: unknown): { metric: number | null } | { property: unknown } {
  const n = parseDecimal(value);
  if (n !== null) return { metric: n };
  if (typeof value === "string" && isMeasurementName(key)) {
    const s = value.trim();
    if (HEX.test(s)) return { metric: parseInt(s.slice(2), 16) };
    if (MISSING_MARKERS.has(s.toLowerCase())) return { metric: null };
  }
  return { property: value };
}

export function optionalString(value: unknown): string | null {
  if (typeof value === "string") return value.trim() === "" ? null : value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}
