// How hard a PVS is asked after it failed: exponential back-off with jitter after every failure, and a
// circuit breaker that, after a few failures in a row, stops asking at all until the back-off has passed
// and then lets one request through as a probe. Shared by every node that uses the PVS.
import { PvsError, PvsErrorCode } from "../http/errors";

export interface BreakerOptions {
  /** Back-off after the first failure; doubles per failure in a row, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** Failures in a row after which requests fail fast until the back-off has passed. */
  openAfter: number;
  /** For tests: [0, 1). */
  random?: () => number;
}

/** What nodes show and the editor reads: the PVS's health as this package sees it. */
export interface Health {
  /** ok; backing-off (failed, the next request waits); open (failed repeatedly, requests fail fast). */
  state: "ok" | "backing-off" | "open";
  failuresInARow: number;
  /** Epoch ms before which no request is sent; null when there is no wait. */
  retryAt: number | null;
  lastError: { code: PvsErrorCode; message: string; statusCode?: number } | null;
}

export const DEFAULT_OPEN_AFTER = 3;

/** A refused password or a changed certificate will not mend by itself: the longest wait at once. */
const HOPELESS = new Set<PvsErrorCode>(["PVS_LOGIN_REFUSED", "PVS_NO_PASSWORD", "PVS_CERT_MISMATCH"]);
/** Old firmware's 403 lock-outs last minutes to hours: start the back-off at a minute, not seconds. */
const LOCKOUT_BASE_MS = 60_000;

export class Breaker {
  private failures = 0;
  private retryAt = 0;
  private lastError: PvsError | null = null;
  /** When the last 403 lock-out's wait ends (0: none since the last success); what a restart takes over. */
  private lockoutUntil = 0;
  /** Readings failed as a whole in a row (see readingFailure). */
  private readingFailures = 0;

  constructor(private readonly options: BreakerOptions) {}

  /** Records a failed request; returns how long the PVS is left alone before the next one. */
  failure(error: PvsError, now = Date.now()): number {
    this.failures++;
    this.lastError = error;
    const { baseMs, maxMs } = this.options;
    const base = error.code === "PVS_FORBIDDEN" ? Math.max(baseMs, Math.min(maxMs, LOCKOUT_BASE_MS)) : baseMs;
    const backoff = HOPELESS.has(error.code) ? maxMs : Math.min(maxMs, base * 2 ** Math.min(this.failures - 1, 30));
    // Jitter (±10 %) keeps several Node-RED instances from retrying a recovering PVS in lock-step.
    const wait = Math.min(maxMs, Math.round(backoff * (0.9 + (this.options.random ?? Math.random)() * 0.2)));
    // A longer wait already running (a lock-out) is never shortened by a later, milder failure.
    this.retryAt = Math.max(this.retryAt, now + wait);
    if (error.code === "PVS_FORBIDDEN") this.lockoutUntil = this.retryAt;
    return this.retryAt - now;
  }

  /**
   * A reading that failed as a whole although each of its requests was answered (a PVS listing no devices): a
   * streak of its own, which those answers do not end, so that its back-off grows like any other failure's
   * (each answered request counts as a success and would otherwise hold it at the first step).
   */
  readingFailure(error: PvsError, now = Date.now()): number {
    this.readingFailures++;
    this.failures = Math.max(this.failures, this.readingFailures - 1);
    return this.failure(error, now);
  }

  /** A reading succeeded as a whole: its failure streak ends. */
  readingSuccess(): void {
    this.readingFailures = 0;
  }

  /** Epoch ms before which no request but an urgent one starts (0: no back-off); a longer wait is never shortened. */
  get retryAtMs(): number {
    return this.retryAt;
  }

  success(): void {
    this.failures = 0;
    this.retryAt = 0;
    this.lastError = null;
    this.lockoutUntil = 0;
  }

  /** When the 403 lock-out in force ends (epoch ms); null when none is. */
  lockedOutUntil(now = Date.now()): number | null {
    return this.lockoutUntil > now ? this.lockoutUntil : null;
  }

  /**
   * A lock-out remembered from before a restart: held as if its 403 had just been answered here. Ignored (false)
   * when it has ended or ends later than the longest wait this breaker sets (not a time it could have set).
   */
  restoreLockout(until: number, now = Date.now()): boolean {
    if (!Number.isFinite(until) || until <= now || until > now + this.options.maxMs) return false;
    this.failures = Math.max(this.failures, 1);
    this.retryAt = Math.max(this.retryAt, until);
    this.lockoutUntil = Math.max(this.lockoutUntil, until);
    this.lastError ??= new PvsError(
      "PVS_FORBIDDEN",
      `the PVS answered 403 (a lock-out) before Node-RED restarted; not asked until ${new Date(until).toISOString()}`,
      403,
    );
    return true;
  }

  /** True while requests must fail fast: failed `openAfter` times in a row and the back-off has not passed. */
  isOpen(now = Date.now()): boolean {
    return this.failures >= this.options.openAfter && now < this.retryAt;
  }

  /** The error a request gets while the breaker is open. */
  openError(label: string, now = Date.now()): PvsError {
    const last = this.lastError;
    const minutes = Math.max(1, Math.ceil((this.retryAt - now) / 60_000));
    const error = new PvsError(
      "PVS_CIRCUIT_OPEN",
      `not asking the PVS at ${label} for ${minutes} min after ${this.failures} failures in a row${last ? ` (last: ${last.message})` : ""}`,
      last?.statusCode,
    );
    error.retryAt = this.retryAt;
    if (last) error.reason = last.code;
    return error;
  }

  health(now = Date.now()): Health {
    const last = this.lastError;
    const waiting = this.failures > 0 && now < this.retryAt;
    return {
      state: this.failures === 0 ? "ok" : this.isOpen(now) ? "open" : "backing-off",
      failuresInARow: this.failures,
      retryAt: waiting ? this.retryAt : null,
      lastError: last
        ? {
            code: last.code,
            message: last.message,
            ...(last.statusCode !== undefined ? { statusCode: last.statusCode } : {}),
          }
        : null,
    };
  }
}
