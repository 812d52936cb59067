// How hard a PVS finds it to answer, and how much the pace eases off for it. A PVS that hangs or reboots under
// polling slows down first (pypvs issue 49 on github.com/SunStrong-Management/pypvs: every 30 s crashed one every
// ~4 h): answers well above its own usual time, 5xx, resets and timeouts double the gaps between reads (up to
// MAX_FACTOR); every RECOVER_MS without strain halves them again, so the pace comes back gradually.
import { RunningMedian } from "./running-median";

export const MAX_FACTOR = 8;
/** Calm time after which the factor halves. */
export const RECOVER_MS = 10 * 60_000;
/** The factor is raised at most this often: one slow reading (several requests) is one sign, not several. */
const RAISE_EVERY_MS = 60_000;
/** Answer times held before a slow one counts: a usual needs a few answers. */
const MIN_SAMPLES = 5;
/** Slow: over this many times the usual, and at least SLOW_MIN_EXTRA_MS more (a 40 ms usual is not hurt by 150). */
const SLOW_RATIO = 3;
const SLOW_MIN_EXTRA_MS = 1000;
/** After this many slow answers in a row, slow is this PVS's new usual (a firmware update, a busier network). */
const NEW_USUAL_AFTER = 40;

/** What an answer said about the PVS. */
export type AnswerSign = "ok" | "struggling";

export class Strain {
  private readonly usual = new RunningMedian();
  private factor = 1;
  private lastStrainAt = -Infinity;
  private lastRaiseAt = -Infinity;
  private slowInRow = 0;
  private readonly slowHeld: number[] = [];

  /** One answer: its time, and whether it failed the way a struggling PVS fails (5xx, reset, timeout). */
  note(durationMs: number, sign: AnswerSign, now: number): void {
    if (!Number.isFinite(durationMs) || durationMs < 0) return;
    if (sign === "struggling") return this.strain(now);
    const usual = this.usual.count >= MIN_SAMPLES ? this.usual.median() : null;
    if (usual !== null && durationMs > Math.max(usual * SLOW_RATIO, usual + SLOW_MIN_EXTRA_MS)) {
      this.slowHeld.push(durationMs);
      if (++this.slowInRow < NEW_USUAL_AFTER) return this.strain(now);
      // Slow for this long is how this PVS answers now: learn it, and stop holding back for it.
      this.usual.clear();
      for (const ms of this.slowHeld) this.usual.add(ms);
    } else {
      this.usual.add(durationMs);
    }
    this.slowInRow = 0;
    this.slowHeld.length = 0;
  }

  /** The factor by which gaps between reads are stretched now (1: the normal pace). */
  factorAt(now: number): number {
    const calm = Math.max(0, now - this.lastStrainAt);
    const halvings = Math.floor(calm / RECOVER_MS);
    return Math.max(1, this.factor / 2 ** Math.min(halvings, 10));
  }

  /** This PVS's usual answer time (the median of its normal answers), ms; null before any. */
  usualMs(): number | null {
    const m = this.usual.median();
    return m === null ? null : Math.round(m);
  }

  private strain(now: number): void {
    // Start from the factor that recovery has reached by now.
    this.factor = this.factorAt(now);
    if (now - this.lastRaiseAt >= RAISE_EVERY_MS) {
      this.factor = Math.min(MAX_FACTOR, this.factor * 2);
      this.lastRaiseAt = now;
    }
    this.lastStrainAt = now;
  }
}
