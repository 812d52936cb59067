// The PVS's health as the shared client keeps it: each outcome fed to the back-off and circuit breaker, the
// failure counts of the client's stats, and the listeners that hear every change of the health state.
import { Breaker, Health } from "./breaker";
import { PvsError, PvsErrorCode } from "../http/errors";
import { JsonObject } from "../../model/safe-object";

/** The client's stats that are about failures (see ClientStats). */
export interface FailureCounts {
  failures: number;
  consecutiveFailures: number;
  lastErrorCode: PvsErrorCode | null;
}

export class ClientHealth {
  private readonly counts: FailureCounts = { failures: 0, consecutiveFailures: 0, lastErrorCode: null };
  private readonly listeners = new Set<(health: Health) => void>();
  private lastHealthState: Health["state"] = "ok";
  private lastRetryAt: number | null = null;

  constructor(private readonly breaker: Breaker) {}

  /** Whether the PVS is answering, backing off or left alone for a while (the circuit breaker). */
  health(): Health {
    return this.breaker.health();
  }

  failureCounts(): FailureCounts {
    return { ...this.counts };
  }

  /** Hears every change of the health state (ok, backing-off, open); returns the way to stop hearing. */
  onHealth(listener: (health: Health) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets every listener (the client is closed). */
  clearListeners(): void {
    this.listeners.clear();
  }

  /** Back-off and breaker after an outcome; null: an outcome that says nothing about the PVS (spacing only). */
  recordOutcome(outcome: JsonObject | PvsError | null, now: number): void {
    if (outcome instanceof PvsError && outcome.code !== "PVS_ABORTED") {
      this.noteFailure(outcome, now);
    } else if (outcome !== null && !(outcome instanceof PvsError)) {
      this.counts.consecutiveFailures = 0;
      this.counts.lastErrorCode = null;
      this.breaker.success();
    }
  }

  /** reading: a reading that failed as a whole (PvsClient.reportFailure), backed off on its own count. */
  noteFailure(error: PvsError, now: number, reading = false): void {
    this.counts.failures++;
    this.counts.consecutiveFailures++;
    this.counts.lastErrorCode = error.code;
    // The breaker never shortens a wait already set (a lock-out outlives a milder failure).
    if (reading) this.breaker.readingFailure(error, now);
    else this.breaker.failure(error, now);
  }

  /** The back-off set by the last failures was not about the API now in use (see PvsClient.endBackoff). */
  endBackoff(): void {
    this.breaker.success();
    this.counts.consecutiveFailures = 0;
  }

  /** Tells the listeners when the health state changed (or an open breaker's retry time moved). */
  announceHealth(): void {
    const health = this.breaker.health();
    // A failed probe reopens the breaker for longer: the nodes' "retry in" must follow.
    if (health.state === this.lastHealthState && (health.state !== "open" || health.retryAt === this.lastRetryAt))
      return;
    this.lastHealthState = health.state;
    this.lastRetryAt = health.retryAt;
    for (const listener of [...this.listeners]) {
      try {
        listener(health);
      } catch {
        // A listener's fault must not stop the client.
      }
    }
  }
}
