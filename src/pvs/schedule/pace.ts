// The pace of one PVS, shared by every node that reads it (it lives with the PVS's shared client): when each
// group's data will be new (news.ts), how much to ease off while the PVS struggles (strain.ts), and whether the
// site sleeps (night.ts). The polling nodes ask it when to read next; the user's interval stays the longest gap
// they accept between readings, except while the PVS struggles or the site sleeps.
import { Device } from "../../model/device";
import { JsonObject } from "../../model/safe-object";
import { PvsError } from "../http/errors";
import { NewsClock } from "./news";
import { NightWatch, producing } from "./night";
import { AnswerSign, Strain } from "./strain";

/** Easing off stretches gaps up to half an hour: a PVS read that seldom is spared already, its data not lost. */
export const EASED_MAX_GAP_MS = 30 * 60_000;

/** The groups whose reads follow the PVS's publications. */
export type NewsGroup = "devices";

/** What the pvs-config dialog and the diagnostics show of the pace. */
export interface PaceSummary {
  /** "normal", "eased" (the PVS struggles: reads spaced out by `factor`) or "night" (device reads every 30 min). */
  state: "normal" | "eased" | "night";
  factor: number;
  /** The PVS's usual answer time (ms; the median of its normal answers); null before any. */
  usualMs: number | null;
  /** The device data's grid and publication delay as learned, and the next read the schedule aims at (ISO). */
  devices: { gridS: number; publicationDelayS: number | null; lastStamp: string | null; nextRead: string | null };
}

export class Pace {
  readonly strain = new Strain();
  private readonly news = new Map<NewsGroup, NewsClock>();
  readonly night = new NightWatch();
  private lastDevicesPlan: number | null = null;

  /** One answer of the PVS (its time, and whether it failed as a struggling PVS fails). */
  noteAnswer(durationMs: number, sign: AnswerSign, now = Date.now()): void {
    this.strain.note(durationMs, sign, now);
  }

  /** The outcome of a request that reached the PVS: timeouts, resets and 5xx are a struggling PVS's. */
  noteOutcome(outcome: JsonObject | PvsError, durationMs: number, now = Date.now()): void {
    if (!(outcome instanceof PvsError)) return this.noteAnswer(durationMs, "ok", now);
    const struggling =
      outcome.code === "PVS_TIMEOUT" || outcome.code === "PVS_UNREACHABLE" || (outcome.statusCode ?? 0) >= 500;
    if (struggling) this.noteAnswer(durationMs, "struggling", now);
  }

  /** A device list read at `at`: its newest stamp (news), and whether the site produces (night). */
  noteDevices(devices: readonly Device[], at = Date.now()): void {
    this.clock("devices").note(newestStamp(devices), at);
    this.night.note(producing(devices), at);
  }

  /**
   * When a node that last started a read at `lastStart` reads next (epoch ms). `beatAt` is the interval's beat (at
   * least half an interval on); `firstBeatAt` the first beat after the last start, the latest while reads follow
   * news (so that the interval stays the longest gap); `group` the data the node reads, null for data without
   * news (network figures).
   */
  nextReadAt(
    group: NewsGroup | null,
    lastStart: number,
    beatAt: number,
    now = Date.now(),
    firstBeatAt = beatAt,
  ): number {
    let at = beatAt;
    if (group !== null) {
      // A news time this node already read at or after, or that passed while its run waited (a read that failed,
      // noted nothing, or waited out a back-off): the beat decides.
      const news = this.clock(group).nextAt();
      if (news !== null && news > lastStart && news > now) at = Math.min(firstBeatAt, news);
      if (this.night.asleep(now)) at = this.night.nextAt(lastStart);
    }
    // Struggling: every gap stretched by the factor, to at most EASED_MAX_GAP_MS (a gap already that long is kept).
    const factor = this.strain.factorAt(now);
    if (factor > 1) {
      const gap = at - lastStart;
      at = lastStart + Math.max(gap, Math.min(gap * factor, EASED_MAX_GAP_MS));
    }
    return Math.max(at, now);
  }

  /** The next read a node of `group` has scheduled (its status shows it): what the dialog shows as the next read. */
  noteNextRead(group: NewsGroup, at: number): void {
    if (group === "devices" && Number.isFinite(at)) this.lastDevicesPlan = at;
  }

  summary(now = Date.now()): PaceSummary {
    const factor = this.strain.factorAt(now);
    const plan = this.lastDevicesPlan;
    return {
      state: factor > 1 ? "eased" : this.night.asleep(now) ? "night" : "normal",
      factor,
      usualMs: this.strain.usualMs(),
      devices: {
        ...this.clock("devices").describe(),
        nextRead: plan !== null && plan >= now ? new Date(plan).toISOString() : null,
      },
    };
  }

  private clock(group: NewsGroup): NewsClock {
    let clock = this.news.get(group);
    if (!clock) this.news.set(group, (clock = new NewsClock()));
    return clock;
  }
}

/** The newest data stamp of the meters and inverters (epoch ms), the supervisor's own left out; null: none. */
export function newestStamp(devices: readonly Device[]): number | null {
  let newest: number | null = null;
  for (const d of devices) {
    if (d.category === "supervisor" || d.dataTime === null) continue;
    const t = Date.parse(d.dataTime);
    if (Number.isFinite(t) && (newest === null || t > newest)) newest = t;
  }
  return newest;
}
