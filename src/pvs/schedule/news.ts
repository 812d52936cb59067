// When a group of device data will have something new. The PVS stamps device values on a grid (LocalAPI
// `msmtEps` on 5-minute boundaries; legacy DATATIME) and publishes them some time after the stamp: 265 s and
// 502 s behind `/sys/livedata/time` in two captures (test/fixtures/corpus/PROVENANCE.md). Each read brackets that
// delay: a read that shows a new stamp says it was published by then (an upper bound), the read before it that
// did not says it was not yet (a lower bound). Reads are aimed into the bracket until it is narrower than
// NARROW_MS, then at its top, so a new value is read once, soon after it appears. A change that is late is
// probed after PROBES_MS, then left to the interval.

/**
 * The grid device stamps fall on: 5 minutes (docs/protocol.md, src/model/cadence.ts). Stamps off it (a legacy
 * DATATIME of a device sampled at any moment) give no schedule: such a group is read on the interval's beat.
 */
export const GRID_MS = 5 * 60_000;
/** After a read that found nothing new: look again after these waits, then fall back to the interval. */
export const PROBES_MS = [30_000, 60_000] as const;
/** A bracket this narrow is aimed at its top: every read then finds the new value. */
const NARROW_MS = 30_000;
/** Aimed a little after the bound, as clocks and answers take a moment. */
const MARGIN_MS = 2_000;
/**
 * Brackets kept: a day of publications. A miss's lower bound must outlive the many reads that hit after it, or
 * the bracket widens again and reads go exploring; a changed delay shows as brackets that no longer overlap.
 */
const KEPT = 288;
/** A stamp this old when first seen is data that stopped (inverters asleep), not a publication delay. */
const STOPPED_MS = 15 * 60_000;
/** Two notes this close with the same stamp are one read shared by several nodes, not a look and a look again. */
const SAME_READ_MS = 5_000;
/** A stamp further ahead of the read than this is a wrong clock, not a publication. */
const AHEAD_MS = 3600_000;

interface Bracket {
  lower: number;
  upper: number;
}

export class NewsClock {
  private lastStamp: number | null = null;
  private lastReadAt: number | null = null;
  /** Reads in a row since the last new stamp that found none. */
  private misses = 0;
  private brackets: Bracket[] = [];

  /** A read at `at` whose newest stamp is `stamp` (epoch ms; null: none). True when the stamp is new. */
  note(stamp: number | null, at: number): boolean {
    if (stamp === null || !Number.isFinite(stamp) || stamp > at + AHEAD_MS || stamp % GRID_MS !== 0) return false;
    const prev = this.lastReadAt;
    if (this.lastStamp !== null && stamp <= this.lastStamp) {
      if (stamp < this.lastStamp) return false; // an older answer (shared, or a device behind the others)
      // A look after the expected publication that found nothing new: the change is late.
      const expected = this.expectedAt();
      if (expected !== null && at >= expected && (prev === null || at - prev > SAME_READ_MS)) this.misses++;
      this.lastReadAt = Math.max(prev ?? at, at);
      return false;
    }
    // The read before this one did not show the stamp: it was published after that read.
    const lower = prev !== null && this.lastStamp !== null ? prev - stamp : -Infinity;
    if (at - stamp <= STOPPED_MS) this.addBracket({ lower, upper: at - stamp });
    this.lastStamp = stamp;
    this.lastReadAt = at;
    this.misses = 0;
    return true;
  }

  /** The publication delay reads aim at (ms after the stamp); null before any new stamp was seen. */
  delayMs(): number | null {
    if (this.brackets.length === 0) return null;
    const upper = Math.min(...this.brackets.map((b) => b.upper));
    let lower = Math.max(...this.brackets.map((b) => b.lower));
    if (!Number.isFinite(lower)) lower = upper - GRID_MS;
    return upper - lower > NARROW_MS ? Math.round((lower + upper) / 2) : upper;
  }

  /**
   * When to read next for news (epoch ms): just after the next stamp's expected publication, or a probe after a
   * read that found nothing new; null when there is nothing to aim at (nothing learned, or the probes ran out:
   * the interval decides).
   */
  nextAt(): number | null {
    const expected = this.expectedAt();
    if (expected === null || this.lastReadAt === null) return null;
    if (this.misses === 0) return Math.max(expected, this.lastReadAt + MARGIN_MS);
    // Probes are for a change that is late, not for data that stopped (inverters asleep): that is the interval's.
    if (this.misses > PROBES_MS.length || this.lastReadAt > expected + GRID_MS) return null;
    return this.lastReadAt + PROBES_MS[this.misses - 1];
  }

  /** When the next stamp should be readable (epoch ms, with a margin); null before anything was learned. */
  private expectedAt(): number | null {
    const delay = this.delayMs();
    if (this.lastStamp === null || delay === null) return null;
    return this.lastStamp + GRID_MS + delay + MARGIN_MS;
  }

  /** What the diagnostics show: the grid and the learned delay (s), and the newest stamp (ISO). */
  describe(): { gridS: number; publicationDelayS: number | null; lastStamp: string | null } {
    const delay = this.delayMs();
    return {
      gridS: Math.round(GRID_MS / 1000),
      publicationDelayS: delay === null ? null : Math.round(delay / 1000),
      lastStamp: this.lastStamp === null ? null : new Date(this.lastStamp).toISOString(),
    };
  }

  private addBracket(b: Bracket): void {
    const kept = [...this.brackets, b].slice(-KEPT);
    const upper = Math.min(...kept.map((k) => k.upper));
    const lower = Math.max(...kept.map((k) => k.lower));
    // Brackets that no longer overlap: the delay changed (a firmware update, another PVS): start from this one.
    this.brackets = lower >= upper ? [b] : kept;
  }
}
