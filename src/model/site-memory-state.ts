// What the site memory stores, as plain JSON: the shape the context store keeps between polls and restarts.
// The bookkeeping that fills it is site-memory.ts; its validation when read back is site-memory-restore.ts.
import { DeviceCategory } from "./device-types";

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
export interface CounterState {
  good: number;
  at: string;
  suspect?: { value: number; count: number; reason: CounterIssueReason };
}

/** A device's data stamp (DATATIME / msmtEps) and when (the answer's time) it was first seen. */
export interface StampState {
  stamp: string;
  since: string;
}

/** What the readings say about the consumption CT (see site-ct.ts for how it is judged). */
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

/** Energy moved through the site's counters since the previous answer (kWh), per quantity that could be measured. */
export interface IntervalEnergy {
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

export function counterKey(serial: string, field: string): string {
  return `${serial} ${field}`;
}

/** The energy quantities a day (and an interval) counts. */
export const QUANTITIES = ["production_kwh", "consumption_kwh", "import_kwh", "export_kwh"] as const;

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
