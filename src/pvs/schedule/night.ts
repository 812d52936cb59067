// Rest at night: while the site produces nothing (no inverter and no production meter shows power), device reads
// drop to a slow watch, until the watch sees production again or the sunrise estimated from the day before comes.
// Site power keeps flowing from livedata or the telemetry socket (pvs-live), which this does not touch.
import { Device, meterRole } from "../../model/device";

/** The slow watch: one device read per half hour while the site sleeps. */
export const WATCH_MS = 30 * 60_000;
/** Asleep once nothing was produced for this long (one cloud is not a night). */
const ASLEEP_AFTER_MS = 20 * 60_000;
/** Above this, a production meter measures production, not its own standby noise. */
const PRODUCING_KW = 0.02;
/** The wake-up read comes this long before the estimated sunrise. */
const WAKE_EARLY_MS = 10 * 60_000;
const DAY_MS = 24 * 3600_000;

/** Whether a device list shows the site producing: an inverter or production meter with power. */
export function producing(devices: readonly Device[]): boolean {
  return devices.some((d) => {
    const kw = d.metrics.p_3phsum_kw;
    if (typeof kw !== "number" || !Number.isFinite(kw)) return false;
    if (d.category === "inverter") return kw > 0;
    return meterRole(d) === "production" && kw > PRODUCING_KW;
  });
}

export class NightWatch {
  /** Since when nothing was produced; null while producing. */
  private idleSince: number | null = null;
  /** When production came back after the last night (its time of day estimates the next sunrise). */
  private lastWakeAt: number | null = null;
  private seen = false;

  note(isProducing: boolean, at: number): void {
    if (isProducing) {
      if (this.idleSince !== null && at - this.idleSince >= ASLEEP_AFTER_MS) this.lastWakeAt = at;
      this.idleSince = null;
    } else if (this.idleSince === null) {
      this.idleSince = at;
    }
    this.seen = true;
  }

  asleep(now: number): boolean {
    return this.seen && this.idleSince !== null && now - this.idleSince >= ASLEEP_AFTER_MS;
  }

  /** The next watch read after `lastRead`: half an hour on, or the estimated sunrise if that comes first. */
  nextAt(lastRead: number): number {
    const watch = lastRead + WATCH_MS;
    const sunrise = this.sunriseAfter(lastRead);
    return sunrise !== null && sunrise < watch ? Math.max(sunrise, lastRead) : watch;
  }

  /** The estimated next sunrise after `t` (epoch ms, WAKE_EARLY_MS early); null before one was seen. */
  sunriseAfter(t: number): number | null {
    if (this.lastWakeAt === null) return null;
    let at = this.lastWakeAt - WAKE_EARLY_MS;
    if (at <= t) at += Math.ceil((t - at) / DAY_MS) * DAY_MS;
    return at;
  }
}
