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

interface Entry {
  at: number;
  kind: string;
  durationMs: number;
  ok: boolean;
}

export const BUDGET_WINDOW_MS = 3600_000;
/** A PVS asked more than this in an hour is being hurt anyway; the log stays bounded whatever the settings. */
const MAX_ENTRIES = 20_000;

export class RequestLog {
  private entries: Entry[] = [];

  add(kind: string, durationMs: number, ok: boolean, now = Date.now()): void {
    this.prune(now);
    if (this.entries.length >= MAX_ENTRIES) this.entries.shift();
    this.entries.push({ at: now, kind, durationMs: Math.max(0, Math.round(durationMs)), ok });
  }

  summary(now = Date.now()): RequestBudget {
    this.prune(now);
    const byKind: Record<string, number> = {};
    let failed = 0;
    let total = 0;
    let max = 0;
    for (const e of this.entries) {
      byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
      if (!e.ok) failed++;
      total += e.durationMs;
      max = Math.max(max, e.durationMs);
    }
    const n = this.entries.length;
    const last = n > 0 ? this.entries[n - 1].at : null;
    return {
      windowS: BUDGET_WINDOW_MS / 1000,
      requests: n,
      failed,
      byKind,
      durationMs: n > 0 ? { average: Math.round(total / n), max } : null,
      lastAt: last === null ? null : new Date(last).toISOString(),
    };
  }

  private prune(now: number): void {
    const from = now - BUDGET_WINDOW_MS;
    let drop = 0;
    while (drop < this.entries.length && this.entries[drop].at < from) drop++;
    if (drop > 0) this.entries.splice(0, drop);
  }
}
