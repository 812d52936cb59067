// The request budget of one PVS: every HTTP exchange of the last hour (logins included), so that a user can
// see how hard their PVS is being asked and how long it takes to answer.

/** What one PVS received in the last hour, as the editor and `msg.pvs.requests` show it. */
export interface RequestBudget {
  windowS: number;
  requests: number;
  failed: number;
  /** Requests per kind: "DeviceList", "Get_Comm", "supervisor/info", "vars", "login", "logout", … */
  byKind: Record<string, number>;
  /** Over the exchanges of the window; null when there were none. */
  durationMs: { average: number; max: number } | null;
  /** ISO time of the newest exchange, or null. */
  lastAt: string | null;
}

/** The exchanges of one minute. */
interface Bucket {
  minute: number;
  requests: number;
  failed: number;
  byKind: Map<string, number>;
  totalMs: number;
  maxMs: number;
}

export const BUDGET_WINDOW_MS = 3600_000;
const MINUTE_MS = 60_000;

/**
 * Counted by the minute: the memory and the cost of a summary (made on every poll, for msg.pvs.requests) stay
 * the same however many requests an hour holds; the window's edge moves a minute at a time.
 */
export class RequestLog {
  private buckets: Bucket[] = [];
  private lastAt: number | null = null;

  add(kind: string, durationMs: number, ok: boolean, now = Date.now()): void {
    this.prune(now);
    const minute = Math.floor(now / MINUTE_MS);
    let bucket = this.buckets[this.buckets.length - 1];
    if (!bucket || bucket.minute !== minute) {
      bucket = { minute, requests: 0, failed: 0, byKind: new Map(), totalMs: 0, maxMs: 0 };
      this.buckets.push(bucket);
    }
    const ms = Math.max(0, Math.round(durationMs));
    bucket.requests++;
    if (!ok) bucket.failed++;
    bucket.byKind.set(kind, (bucket.byKind.get(kind) ?? 0) + 1);
    bucket.totalMs += ms;
    bucket.maxMs = Math.max(bucket.maxMs, ms);
    this.lastAt = now;
  }

  summary(now = Date.now()): RequestBudget {
    this.prune(now);
    const byKind: Record<string, number> = {};
    let requests = 0;
    let failed = 0;
    let total = 0;
    let max = 0;
    for (const b of this.buckets) {
      requests += b.requests;
      failed += b.failed;
      total += b.totalMs;
      max = Math.max(max, b.maxMs);
      for (const [kind, n] of b.byKind) byKind[kind] = (byKind[kind] ?? 0) + n;
    }
    return {
      windowS: BUDGET_WINDOW_MS / 1000,
      requests,
      failed,
      byKind,
      durationMs: requests > 0 ? { average: Math.round(total / requests), max } : null,
      lastAt: requests > 0 && this.lastAt !== null ? new Date(this.lastAt).toISOString() : null,
    };
  }

  /** Minutes held (at most one hour's and the current one). */
  get size(): number {
    return this.buckets.length;
  }

  private prune(now: number): void {
    // A minute whose start is more than the window ago has left it; a clock set back starts afresh.
    const from = now - BUDGET_WINDOW_MS;
    let drop = 0;
    while (
      drop < this.buckets.length &&
      (this.buckets[drop].minute * MINUTE_MS < from || this.buckets[drop].minute > now / MINUTE_MS)
    )
      drop++;
    if (drop > 0) this.buckets.splice(0, drop);
  }
}
