// The one unit table of the package: every metric name maps to a unit here, and so do the docs and the
// SI-unit output option. The PVS names its measurements with a unit suffix (`p_3phsum_kw`), so most units
// follow from the name; the supervisor's `dl_*` health figures are listed by name.
import { setOwn } from "./safe-object";

export type Unit =
  | "kW"
  | "kWh"
  | "kvar"
  | "kVA"
  | "W"
  | "Wh"
  | "var"
  | "VA"
  | "V"
  | "A"
  | "Hz"
  | "°C"
  | "%"
  | "ratio"
  | "s"
  | "KiB"
  | "count"
  | "load"
  | "min"
  | "code";

/** Suffix → unit, longest suffixes first so that `_kwh` is not read as `_kw` or `_wh` as `_w`. */
const SUFFIX_UNITS: ReadonlyArray<readonly [string, Unit]> = [
  ["_kwh", "kWh"],
  ["_kvar", "kvar"],
  ["_kva", "kVA"],
  ["_kw", "kW"],
  ["_wh", "Wh"],
  ["_var", "var"],
  ["_va", "VA"],
  ["_w", "W"],
  ["_degc", "°C"],
  ["_pct", "%"],
  ["_rto", "ratio"],
  ["_hz", "Hz"],
  ["_fctr", "A"], // ct_scl_fctr: the CT's rating in amperes
  ["_v", "V"],
  ["_a", "A"],
  ["_s", "s"],
  ["_min", "min"],
];

/** Measurements whose name carries no unit. */
const NAMED_UNITS: Readonly<Record<string, Unit>> = {
  dl_uptime: "s",
  dl_cpu_load: "load", // a load average, not a percentage
  dl_mem_used: "KiB",
  dl_flash_avail: "KiB",
  dl_err_count: "count",
  dl_comm_err: "count",
  dl_skipped_scans: "count",
  dl_untransmitted: "count",
  dl_scan_time: "s", // unit not documented by the vendor; peers read seconds
  stat_ind: "code",
  flashwear_type_b: "code", // eMMC wear band: 1 = up to 10 % of rated life used … 10 = 100 %, 11 = beyond
  usb_erase_count: "count",
  midstate: "code",
  event_history: "code",
  fw_error: "code",
  relay_mode: "code",
  relay1_state: "code",
  relay2_state: "code",
  relay1_error: "code",
  relay2_error: "code",
};

/** The unit of a metric, or null when the name says nothing this package knows. */
export function unitOf(name: string): Unit | null {
  const named = Object.hasOwn(NAMED_UNITS, name) ? NAMED_UNITS[name] : undefined;
  if (named) return named;
  for (const [suffix, unit] of SUFFIX_UNITS) if (name.endsWith(suffix)) return unit;
  return null;
}

/** The PVS's kilo-units and their SI base units: the `units: "si"` output option. */
const TO_SI: ReadonlyArray<{ from: string; to: string; unit: Unit }> = [
  { from: "_kwh", to: "_wh", unit: "Wh" },
  { from: "_kvar", to: "_var", unit: "var" },
  { from: "_kva", to: "_va", unit: "VA" },
  { from: "_kw", to: "_w", unit: "W" },
];

export type UnitSystem = "pvs" | "si";

/** The name and factor a metric gets in SI base units (`p_3phsum_kw` → `p_3phsum_w`, × 1000). */
export function siName(name: string): { name: string; factor: number } {
  for (const c of TO_SI) if (name.endsWith(c.from)) return { name: name.slice(0, -c.from.length) + c.to, factor: 1000 };
  return { name, factor: 1 };
}

/** Rounds away binary noise from a ×1000 conversion (0.1234 kW → 123.4 W, not 123.39999999999999). */
export function scale(value: number, factor: number): number {
  return factor === 1 ? value : Number((value * factor).toPrecision(12));
}

/** A metric bag in SI base units: a new object, names and values converted together. */
export function metricsToSi<T extends number | null>(metrics: { [name: string]: T }): { [name: string]: T } {
  const out: { [name: string]: T } = {};
  for (const [key, value] of Object.entries(metrics)) {
    const { name, factor } = siName(key);
    setOwn(out, name, typeof value === "number" ? scale(value, factor) : value);
  }
  return out;
}

/** The unit table for a set of metric names: what the output's `units` object carries. */
export function unitsFor(names: Iterable<string>): { [name: string]: Unit | null } {
  const out: { [name: string]: Unit | null } = {};
  for (const name of [...new Set(names)].sort()) {
    setOwn(out, name, unitOf(name));
  }
  return out;
}

/** Every unit with what it means, for the docs and the editor help. */
export const UNIT_DESCRIPTIONS: Readonly<Record<Unit, string>> = {
  kW: "kilowatt (real power)",
  kWh: "kilowatt-hour (energy)",
  kvar: "kilovolt-ampere reactive (reactive power)",
  kVA: "kilovolt-ampere (apparent power)",
  W: "watt",
  Wh: "watt-hour",
  var: "volt-ampere reactive",
  VA: "volt-ampere",
  V: "volt",
  A: "ampere",
  Hz: "hertz",
  "°C": "degree Celsius",
  "%": "percent (0-100)",
  ratio: "dimensionless ratio (power factor: -1 to 1)",
  s: "second",
  min: "minute",
  KiB: "kibibyte (1024 bytes)",
  count: "count",
  load: "load average (runnable processes), not a percentage",
  code: "status code or flag as reported",
};
