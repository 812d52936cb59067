// When pvs-live sends: on every update, on a change beyond a threshold, or at most every N seconds; never more
// than one message a second whatever the PVS does (a burst of frames after a reconnect is one message), and a
// seed (values read when a connection opens) is only sent when nothing was sent yet. Holds the latest values and
// sends them when the wait is over, so the last word is never lost.
import { changedBeyond, LiveValues } from "../model/live";

export type SendMode = "update" | "change" | "interval";

/** Never more often than this, in any mode. */
export const MIN_GAP_MS = 1000;

export interface PolicyOptions {
  mode: SendMode;
  /** "change": the least power change that is news (W). */
  thresholdW: number;
  /** "interval": the least time between two messages (ms). */
  everyMs: number;
}

export class SendPolicy<T> {
  private lastSent: LiveValues | null = null;
  private lastSentAt = -Infinity;
  private pending: { values: LiveValues; item: T } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: PolicyOptions,
    private readonly send: (item: T, values: LiveValues) => void,
  ) {}

  /** True once anything was sent. */
  get sentAny(): boolean {
    return this.lastSent !== null;
  }

  /** New values (and what to send with them). */
  offer(values: LiveValues, item: T, seed: boolean): void {
    if (seed && this.lastSent !== null) return;
    if (!this.wanted(values)) {
      this.pending = null;
      return;
    }
    this.pending = { values, item };
    this.schedule();
  }

  /** These values went out outside the policy (a message asked for them): later changes count from them. */
  noteSent(values: LiveValues): void {
    this.record(values);
  }

  cancel(): void {
    this.clearTimer();
    this.pending = null;
  }

  /**
   * Sends the pending values now if the gap since the last send has passed, else once it has. The due time is
   * checked again when the timer fires: a send in between (a frame offered as the gap ended, a message asking
   * for the values) moved it, and the timer must not send a second message right after that one.
   */
  private schedule(): void {
    const gap = this.options.mode === "interval" ? Math.max(this.options.everyMs, MIN_GAP_MS) : MIN_GAP_MS;
    const wait = this.lastSentAt + gap - Date.now();
    if (wait <= 0) {
      this.clearTimer();
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.pending) this.schedule();
      }, wait);
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private wanted(values: LiveValues): boolean {
    return this.options.mode !== "change" || changedBeyond(this.lastSent, values, this.options.thresholdW);
  }

  private flush(): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending || !this.wanted(pending.values)) return;
    this.record(pending.values);
    this.send(pending.item, pending.values);
  }

  private record(values: LiveValues): void {
    this.lastSent = values;
    this.lastSentAt = Date.now();
  }
}
