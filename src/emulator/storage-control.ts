// The SunVault as its owner and the grid affect it: the two settings the owner may write (control mode and
// reserve, SunStrong-Management/pypvs doc/varserver-variables-public-pvs6.csv: `/ess/config/dcm/mode_param/
// control_mode` and `/ess/config/dcm/control_param/min_customer_soc`, both ssm_owner read and write), grid
// outages, and the tests' controls: a PVS that ignores writes, a cloud that puts the old mode back.

import { cFloat } from "./vars-leaves";

export const CONTROL_MODE = "/ess/config/dcm/mode_param/control_mode";
export const MIN_CUSTOMER_SOC = "/ess/config/dcm/control_param/min_customer_soc";

/**
 * Modes the varserver stores: the three an owner picks (smcneece/ha-esunpower custom_components/sunpower/select.py
 * BATTERY_MODE_MAP), TARIFF_OPTIMIZER (set by the firmware itself, docs/SunVault-Notes.md) and the CSV's default
 * STANDBY.
 */
const MODES = new Set(["SELF_CONSUMPTION", "ENERGY_ARBITRAGE", "BACKUP_ONLY", "TARIFF_OPTIMIZER", "STANDBY"]);

const BATTERY_MAX_KW = 6.8;
/** The site's system state of charge below which the battery never discharges (site.ts). */
const SYSTEM_FLOOR = 0.2;

export interface Outage {
  start: number;
  end: number;
}

/** A write's outcome: null when taken, else why refused ("read-only", "bad-value"). */
export type WriteRefusal = "read-only" | "bad-value";

export class StorageControl {
  controlMode = "SELF_CONSUMPTION";
  /** Customer reserve, 0-1. 0 keeps the site's earlier behaviour (discharge down to the system floor). */
  minCustomerSoc = 0;
  /** Answer writes as taken but change nothing (a PVS whose varserver drops them). */
  ignoreWrites = false;
  /** The cloud puts the previous mode back this long after an owner's write; null: it never does. */
  cloudRevertAfterMs: number | null = null;
  private readonly outages: Outage[] = [];
  private revert: { at: number; mode: string } | null = null;

  /** The grid goes away at `start` for `durationMs` (Infinity: until endOutage). */
  addOutage(start: number, durationMs: number): void {
    this.outages.push({ start, end: start + Math.max(0, durationMs) });
  }

  /** The grid is back at `t`: every outage open at `t` ends then. */
  endOutage(t: number): void {
    for (const o of this.outages) if (o.start <= t && o.end > t) o.end = t;
  }

  islanded(t: number): boolean {
    return this.outages.some((o) => o.start <= t && t < o.end);
  }

  /** The mode in force at `t`: the cloud's revert applies once its time has come. */
  modeAt(t: number): string {
    if (this.revert && t >= this.revert.at) {
      this.controlMode = this.revert.mode;
      this.revert = null;
    }
    return this.controlMode;
  }

  /** Whether the varserver would take `value` for `name`, as the CSV describes the variable; null when it would. */
  check(name: string, value: string): WriteRefusal | null {
    if (name === CONTROL_MODE) return MODES.has(value) ? null : "bad-value";
    if (name !== MIN_CUSTOMER_SOC) return "read-only";
    // "should be between 0.0 and 1.0 including borders" (the CSV's description).
    const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
    return n >= 0 && n <= 1 ? null : "bad-value";
  }

  /** An owner's write at `t`, checked first; null when taken (or, with ignoreWrites, answered but dropped). */
  write(name: string, value: string, t: number): WriteRefusal | null {
    const refused = this.check(name, value);
    if (refused || this.ignoreWrites) return refused;
    if (name === MIN_CUSTOMER_SOC) {
      this.minCustomerSoc = Number(value);
      return null;
    }
    const before = this.modeAt(t);
    this.controlMode = value;
    this.revert =
      this.cloudRevertAfterMs !== null && before !== value ? { at: t + this.cloudRevertAfterMs, mode: before } : null;
    return null;
  }

  /** The two variables as the varserver prints them (a float with C "%f", as every float leaf: vars-leaves.ts). */
  variables(t: number): Array<[string, string]> {
    return [
      [MIN_CUSTOMER_SOC, cFloat(this.minCustomerSoc)],
      [CONTROL_MODE, this.modeAt(t)],
    ];
  }

  /**
   * Battery power for a surplus (kW, + charging) at `t`. Islanded, the battery carries the whole house down to
   * its floor, whatever the mode and reserve; on the grid it charges from surplus, and discharges only above the
   * reserve and not in BACKUP_ONLY.
   */
  batteryFor(surplusKw: number, soc: number, t: number): number {
    if (surplusKw > 0) return soc >= 1 ? 0 : Math.min(surplusKw, BATTERY_MAX_KW);
    if (this.islanded(t)) return soc <= SYSTEM_FLOOR ? 0 : Math.max(surplusKw, -BATTERY_MAX_KW);
    const floor = SYSTEM_FLOOR + this.minCustomerSoc * (1 - SYSTEM_FLOOR);
    if (this.modeAt(t) === "BACKUP_ONLY" || soc <= floor) return 0;
    return Math.max(surplusKw, -BATTERY_MAX_KW);
  }
}

/** `--outage AT:DURATION`: seconds after start, seconds long. */
export function parseOutage(spec: string): { atMs: number; durationMs: number } | null {
  const m = /^(\d{1,7}):(\d{1,7})$/.exec(spec.trim());
  if (!m) return null;
  return { atMs: Number(m[1]) * 1000, durationMs: Number(m[2]) * 1000 };
}

/**
 * The varserver's namespace at `t` with the owner's settings and the grid's state: the two settings listed; the
 * ESS's `opMode` as the mode in force; in an outage no power through the grid meter, the transfer switch open with
 * 0 V on its grid side. No public capture shows `midstate` or `midStEnum` during an outage: the emulator's "1" and
 * "MID_STATE_OPEN" are placeholders, and the client never takes the number for a backup by itself.
 */
export function overlayStorageVariables(vars: Map<string, string>, control: StorageControl, t: number): void {
  if (!vars.has("/sys/devices/ess/0/opMode")) return;
  for (const [name, value] of control.variables(t)) vars.set(name, value);
  vars.set("/sys/devices/ess/0/opMode", control.modeAt(t));
  if (!control.islanded(t)) return;
  const set = (name: string, value: string) => vars.has(name) && vars.set(name, value);
  set("/sys/livedata/midstate", "1");
  set("/sys/livedata/net_p", "0.0000");
  set("/sys/devices/transfer_switch/0/midStEnum", "MID_STATE_OPEN");
  set("/sys/devices/transfer_switch/0/v1nGridV", "0");
  set("/sys/devices/transfer_switch/0/v2nGridV", "0");
}
