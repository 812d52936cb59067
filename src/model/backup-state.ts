// Whether a SunVault site is on the grid or islanded on its battery, from what either API shows of the transfer
// switch (the MIDC, the legacy list's "HUB+") and the site's power, and the one event a flow acts on when it changes.
// Evidence, strongest first: a dead grid (the switch's grid-side voltages), the switch's own state word (CLOSED is
// connected to the grid, OPEN is islanded: what a contactor's position means), the livedata `midstate` number 2
// (SunStrong-Management/pypvs doc/LocalAPI.md: a SunVault site importing 0.67 kW from the grid), and, with a
// `midstate` no public source explains, a powered house with no power through the grid meter. No other number is
// given a meaning: it is reported as `unknown` with the raw value.

/** `on-grid`: the switch connects the site to the grid. `backup`: islanded, the house runs on the battery. */
export type BackupState = "on-grid" | "backup" | "unknown";

/** What decided the state: the grid-side voltage, the switch's state, or the grid meter's power. */
export type BackupBasis = "grid-voltage" | "mid-state" | "grid-flow" | "none";

/** The readings the state is derived from; each null when the API does not show it. */
export interface BackupReading {
  /** The switch's state as reported: livedata `midstate` (a number), `midStEnum`, legacy `contactor_position`. */
  mid: string | number | null;
  /** Grid-side voltages of the switch's legs, V. */
  gridVoltages: number[];
  /** Grid power, kW (+ import, − export). */
  gridKw: number | null;
  /** House load, kW. */
  loadKw: number | null;
  /** Battery power, kW (+ discharging), as livedata `ess_p`. */
  batteryKw: number | null;
  /** livedata `backupTimeRemaining`: minutes the battery would carry the house. */
  backupMinutes: number | null;
}

export interface BackupStatus {
  state: BackupState;
  basis: BackupBasis;
  /** The switch's state exactly as reported (null when the API shows none). */
  mid: string | number | null;
  batteryKw: number | null;
  backupMinutes: number | null;
}

/** Below this on every leg the grid is gone (a 120/240 V service reads about 120 V a leg). */
const DEAD_GRID_V = 30;
/** Grid power this close to 0 is none: the grid meter's noise. */
const NO_FLOW_KW = 0.05;
/** A house drawing at least this much is powered. */
const POWERED_KW = 0.05;
/** livedata `midstate` 2: connected, seen on a SunVault site importing from the grid (pypvs doc/LocalAPI.md). */
const MID_ON_GRID = 2;
/** livedata `midstate` 0: what a PVS6 without a SunVault reports (ksmooove/SunPower-Monitoring vars-livedata.json). */
const MID_NONE = 0;

function midWord(mid: string): "closed" | "open" | null {
  const word = mid.trim().toUpperCase();
  if (word === "CLOSED" || word.endsWith("_CLOSED")) return "closed";
  if (word === "OPEN" || word.endsWith("_OPEN")) return "open";
  return null;
}

/** The site's state, or null when it shows no transfer switch at all (no SunVault: nothing to tell). */
export function backupStatus(r: BackupReading): BackupStatus | null {
  const volts = r.gridVoltages.filter((v) => Number.isFinite(v) && v >= 0 && v < 1000);
  if ((r.mid === null || r.mid === MID_NONE) && volts.length === 0) return null;
  const of = (state: BackupState, basis: BackupBasis): BackupStatus => ({
    state,
    basis,
    mid: r.mid,
    batteryKw: r.batteryKw,
    backupMinutes: r.backupMinutes !== null && r.backupMinutes >= 0 ? Math.round(r.backupMinutes) : null,
  });
  if (volts.length > 0 && volts.every((v) => v < DEAD_GRID_V)) return of("backup", "grid-voltage");
  const word = typeof r.mid === "string" ? midWord(r.mid) : null;
  if (word === "open") return of("backup", "mid-state");
  if (word === "closed" || r.mid === MID_ON_GRID) return of("on-grid", "mid-state");
  if (r.mid === null) return of("on-grid", "grid-voltage");
  // A state number no source explains: only the grid meter can tell, when the house is powered and none flows.
  const islanded = r.gridKw !== null && Math.abs(r.gridKw) < NO_FLOW_KW && r.loadKw !== null && r.loadKw >= POWERED_KW;
  return islanded ? of("backup", "grid-flow") : of("unknown", "none");
}

/** The message a flow gets: the new state, what happened, since when, and the battery's minutes left. */
export interface BackupEvent {
  /** `outage` (on the battery now), `grid-back` (on the grid again after a backup), `on-grid`, `unknown`. */
  event: "outage" | "grid-back" | "on-grid" | "unknown";
  state: BackupState;
  /** When this state was first seen, ISO-8601 UTC. */
  since: string;
  /** When the state before it began (the outage's start, for `grid-back`), or null. */
  previousSince: string | null;
  /** Minutes the outage lasted, for `grid-back`; else null. */
  outageMinutes: number | null;
  basis: BackupBasis;
  mid: string | number | null;
  batteryKw: number | null;
  backupMinutes: number | null;
}

/**
 * Remembers the last state of one site and says when it changed. The first state seen is news only when it is not
 * `on-grid` (a node deployed during an outage hears of it; a quiet day sends nothing).
 */
export class BackupTracker {
  private state: BackupState | null = null;
  private since = 0;

  /** The event for a status read at `t` (ms), or null when nothing changed. */
  update(status: BackupStatus | null, t: number): BackupEvent | null {
    if (status === null) return null;
    const before = this.state;
    if (before === status.state) return null;
    const previousSince = before === null ? null : this.since;
    this.state = status.state;
    this.since = t;
    if (before === null && status.state === "on-grid") return null;
    const event: BackupEvent["event"] =
      status.state === "backup"
        ? "outage"
        : status.state === "unknown"
          ? "unknown"
          : before === "backup"
            ? "grid-back"
            : "on-grid";
    return {
      event,
      state: status.state,
      since: new Date(t).toISOString(),
      previousSince: previousSince === null ? null : new Date(previousSince).toISOString(),
      outageMinutes: event === "grid-back" && previousSince !== null ? Math.round((t - previousSince) / 60_000) : null,
      basis: status.basis,
      mid: status.mid,
      batteryKw: status.batteryKw,
      backupMinutes: status.backupMinutes,
    };
  }

  /** The current state and when it began (ms), or null before the first reading. */
  get current(): { state: BackupState; since: number } | null {
    return this.state === null ? null : { state: this.state, since: this.since };
  }
}

/** "3 h 10 min", "45 min": minutes as a status shows them. */
export function minutesText(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}
