// Runs a task now and then on a beat of `interval`; never two runs at once.
//
// The beat is aligned: runs fall on the instants where (time - phase) is a multiple of the interval. Every node
// polling one PVS gets that PVS's phase, so nodes with the same interval (or intervals that divide one another)
// poll at the same instant and the shared client answers them with one request per command, however many there
// are and whenever each was deployed. Different PVSs get different phases, so a fleet is spread over the interval
// instead of polled all at once.
//
// With a plan (the PVS's pace, src/pvs/schedule) the beat is the latest a run may come: the plan brings it
// sooner when the PVS will have news, or later while the PVS struggles or the site sleeps.

/** The least time between two runs' starts that a plan may set. */
const MIN_PLANNED_GAP_MS = 5000;

export class Poller {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private nextAt: number | null = null;
  private runStart: number | null = null;
  private readonly phaseMs: number;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    /** Any whole number (e.g. a hash of the PVS's config id); only its remainder by the interval matters. */
    phase = 0,
    /**
     * The least time from one run's start to the next (the PVS's DeviceList ration for a node whose runs read
     * it): a beat sooner than that would only wait for the ration, and did on every run after a deploy that
     * fell off the beat (a node sat at "polling…" for the difference each time).
     */
    private readonly minGapMs: () => number = () => 0,
    /** Hears what went wrong in a run or in timing the next (the node's error path); the beat goes on. */
    private readonly onError: (err: unknown) => void = () => undefined,
    /**
     * The pace (src/pvs/schedule/pace.ts): when to run (epoch ms) given the last start, the beat the poller would
     * keep, and a whole interval after the last start (the latest a run reading news may come: every node of the
     * PVS reads news at the same instants, so they stay together off the beat); sooner when the PVS will have
     * news, later while it struggles or the site sleeps.
     */
    private readonly plan: ((lastStart: number, beatAt: number, firstBeatAt: number) => number) | null = null,
  ) {
    this.phaseMs = ((Math.trunc(phase) % intervalMs) + intervalMs) % intervalMs;
  }

  /** The first run comes after `initialDelayMs` (at once by default), the next ones on the beat. */
  start(initialDelayMs = 0): void {
    this.stopped = false;
    this.schedule(initialDelayMs);
  }

  /** Epoch ms of the next run while one is scheduled; null while a run is going or after stop(). */
  get nextRunAt(): number | null {
    return this.nextAt;
  }

  /** Epoch ms at which the run going now started; null while none is. */
  get runStartedAt(): number | null {
    return this.runStart;
  }

  stop(): void {
    this.stopped = true;
    this.nextAt = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Milliseconds from `now` to the next beat at least half an interval after `lastStart`: a run that took longer
   * than the interval (waiting out a back-off) is not followed by one at once, and the first beat after a
   * deploy is not a moment after the first run.
   */
  delayAfter(lastStart: number, now: number): number {
    const gap = this.minGapMs();
    const beat = this.beatAfter(lastStart, now, gap);
    if (!this.plan) return beat;
    // The longest gap ends on the PVS's beat, or on a half-beat where no beat falls between half an interval and
    // an interval after the last start: the same instants for every node of the PVS whatever its last start, so
    // that they come back to reading together and share one request.
    const half = this.intervalMs / 2;
    const latest = lastStart + this.intervalMs;
    const onBeat = latest - this.sinceBeat(latest);
    const longest = Math.max(now, onBeat >= lastStart + half ? onBeat : latest - this.sinceBeat(latest, half));
    let at = this.plan(lastStart, now + beat, longest);
    // Later than that (easing off, the night watch: counted from this node's last start): onto a half-beat too.
    if (at > longest && this.sinceBeat(at, half) > 0) at += half - this.sinceBeat(at, half);
    // Never sooner than the ration allows, nor than MIN_PLANNED_GAP_MS (a plan in the past must not spin); a plan
    // that is no time keeps the beat.
    if (!Number.isFinite(at)) return beat;
    const earliest = Math.max(now, lastStart + Math.max(Number.isFinite(gap) ? gap : 0, MIN_PLANNED_GAP_MS));
    return Math.max(0, Math.ceil(Math.max(at, earliest) - now));
  }

  /** Milliseconds from `now` to the next beat at least half an interval and `minGapMs` after `lastStart`. */
  private beatAfter(lastStart: number, now: number, minGapMs: number): number {
    // A gap that is no number of milliseconds would set a timer that fires at once, again and again.
    const gap = Number.isFinite(minGapMs) && minGapMs > 0 ? minGapMs : 0;
    const earliest = Math.max(now, lastStart + Math.max(this.intervalMs / 2, gap));
    const sinceBeat = this.sinceBeat(earliest);
    const next = sinceBeat === 0 ? earliest : earliest + (this.intervalMs - sinceBeat);
    return Math.max(0, Math.ceil(next - now));
  }

  /** Milliseconds from the last beat (every `step`, on the PVS's phase) at or before `t` to `t`. */
  private sinceBeat(t: number, step = this.intervalMs): number {
    return (((t - this.phaseMs) % step) + step) % step;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.nextAt = Date.now() + Math.max(0, delayMs);
    this.timer = setTimeout(() => void this.run(), Math.max(0, delayMs));
  }

  private async run(): Promise<void> {
    this.timer = null;
    this.nextAt = null;
    const started = Date.now();
    this.runStart = started;
    try {
      await this.task();
    } catch (err) {
      // A throw must never stop the schedule or escape as a rejection (which stops Node-RED).
      this.report(err);
    }
    this.runStart = null;
    let delayMs: number;
    try {
      delayMs = this.delayAfter(started, Date.now());
    } catch (err) {
      // Timing the next run failed (what the ration is read from threw): the next beat, without the ration.
      this.report(err);
      delayMs = this.beatAfter(started, Date.now(), 0);
    }
    this.schedule(delayMs);
  }

  private report(err: unknown): void {
    try {
      this.onError(err);
    } catch {
      // Reporting must not stop the beat either.
    }
  }
}

/** A stable whole number for a string (FNV-1a), e.g. a PVS's phase from its config node's id. */
export function phaseOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
