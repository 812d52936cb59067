// The ranges physics gives the figures the package derives: a value outside is not a measurement (a corrupted
// frame, a firmware placeholder such as 1e308, an edited store) and is dropped where it enters the model, never
// passed on, so that no output shows an impossible number.

/** A site's power (kW): 100 MW, far beyond any site one PVS supervises. */
export const MAX_SITE_KW = 1e5;
/** One device's power (kW): 10 MW, far beyond any inverter or meter a PVS lists. */
export const MAX_DEVICE_KW = 1e4;
/**
 * A lifetime counter of 1 TWh: a thousand inverters of 500 W running 2,000 full-load hours a year for a century
 * stay a hundred times below it.
 */
export const MAX_LIFETIME_KWH = 1e9;

const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** A power within ±bound (kW), else null. */
export function plausibleKw(value: unknown, bound = MAX_SITE_KW): number | null {
  return isFiniteNumber(value) && Math.abs(value) <= bound ? value : null;
}

/** A counter value that could be a real lifetime: finite, within MAX_LIFETIME_KWH, and ≥ 0 unless signed. */
export function plausibleLifetime(value: unknown, signed: boolean): value is number {
  return isFiniteNumber(value) && Math.abs(value) <= MAX_LIFETIME_KWH && (signed || value >= 0);
}

/** A measurement by its name's unit: powers (`_kw`) within MAX_SITE_KW, energies (`_kwh`) within a TWh, else finite. */
export function plausibleNumber(field: string, value: unknown): number | null {
  if (field.endsWith("_kw")) return plausibleKw(value);
  if (field.endsWith("_kwh")) return plausibleLifetime(value, true) ? value : null;
  return isFiniteNumber(value) ? value : null;
}

/** Below this a power is clearly negative, not a meter's noise around zero (kW); as NEGATIVE_KW in site-memory.ts. */
const NOISE_KW = -0.05;
/** A backup time of ten years (min): no battery holds a home that long. */
const MAX_BACKUP_MIN = 10 * 365 * 24 * 60;

/**
 * A `/sys/livedata/` value (by its PVS name: power kW, energy kWh, soc a fraction) within what physics allows, else
 * null. Production and site load read a few watts negative at night: that noise is 0; a site load clearly below 0
 * is impossible (a house does not feed the grid; the battery is `ess_p`).
 */
export function plausibleLiveValue(field: string, n: number): number | null {
  if (!Number.isFinite(n)) return null;
  switch (field) {
    case "pv_p":
      return n < 0 && n >= NOISE_KW ? 0 : plausibleKw(n);
    case "site_load_p":
      return n < 0 ? (n >= NOISE_KW ? 0 : null) : plausibleKw(n);
    case "net_p":
    case "ess_p":
      return plausibleKw(n);
    case "pv_en":
    case "site_load_en":
      return plausibleLifetime(n, false) ? n : null;
    case "net_en":
    case "ess_en":
      return plausibleLifetime(n, true) ? n : null;
    case "soc":
      return n >= 0 && n <= 1 ? n : null;
    case "backupTimeRemaining":
      return n >= 0 && n <= MAX_BACKUP_MIN ? n : null;
    default:
      return n;
  }
}

/** A state of charge in percent, 0 to 100, else null. */
export function plausiblePct(value: unknown): number | null {
  return isFiniteNumber(value) && value >= 0 && value <= 100 ? value : null;
}
