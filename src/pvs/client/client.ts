// The per-PVS client that every node shares: one request in flight, identical requests coalesced,
// requests spaced (a LocalAPI login counts as a request too), the DeviceList rationed, back-off and a
// circuit breaker after failures, the one LocalAPI session, the request budget, and cancellation when the
// asking node closes. The queue and its pace are in request-queue.ts, the exchanges on the wire (login and
// logout included) in wire.ts, the health bookkeeping in client-health.ts, the settings in client-options.ts.
import { AnswerMemory } from "./answer-memory";
import { Breaker, DEFAULT_OPEN_AFTER, Health } from "./breaker";
import { ClientHealth } from "./client-health";
import { RequestBudget, RequestLog } from "./budget";
import {
  ClientOptions,
  ClientStats,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_MAX_MS,
  gapAfter,
  LocalApiOptions,
} from "./client-options";
import { PvsError, PvsErrorCode, toPvsError } from "../http/errors";
import { PvsRequest, RequestOptions } from "../http/request";
import { formatEndpoint } from "../http/transport";
import { JsonObject } from "../../model/safe-object";
import { AnswerLog } from "./answer-log";
import { Job, RequestQueue, settle, Waiter } from "./request-queue";
import { PvsWire } from "./wire";
import { Pace } from "../schedule/pace";

export type { ClientOptions, ClientStats, LocalApiOptions } from "./client-options";
export {
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_LIGHT_SPACING_MS,
  DEFAULT_LOCALAPI_TIMEOUT_MS,
} from "./client-options";

/** What a PVS answers to a command it will not carry out: the command's outcome, not its health (RequestOptions). */
const COMMAND_REFUSALS = new Set<PvsErrorCode>(["PVS_COMMAND_FAILED", "PVS_HTML_RESPONSE"]);

export class PvsClient {
  endpoint: string;
  /** The exchanges of the job in flight, the LocalAPI session and the transports (moved by PvsConnection.moveTo). */
  readonly wire: PvsWire;
  /** One job in flight, identical requests joined, each started when its turn has come. */
  private readonly queue: RequestQueue;
  private closed = false;
  /** The last login failure (refused, no password) until a session read succeeds again. */
  private authFailure: PvsError | null = null;
  /** The stats the client counts itself (the failure counts are kept with the health, see getStats). */
  private readonly stats: Omit<ClientStats, "failures" | "consecutiveFailures" | "lastErrorCode" | "nextRequestAt"> = {
    requests: 0,
    logins: 0,
    coalesced: 0,
    reused: 0,
    refused: 0,
    lastDurationMs: null,
  };
  private readonly breaker: Breaker;
  /** Outcomes fed to the breaker, the failure counts, and the health listeners. */
  private readonly pvsHealth: ClientHealth;
  private readonly log = new RequestLog();
  /** The last raw answer of every kind, frames and errors, for the diagnostics download (bounded). */
  readonly answerLog = new AnswerLog();
  /** When each request last started and its last answer: the DeviceList ration, "poll now" and one beat's sharing. */
  private readonly memory = new AnswerMemory();
  /** Hear every job's end (what a restart takes over may have changed). */
  private readonly settledListeners = new Set<() => void>();
  /** The end of the job in flight (closeAndLogout waits for it when a login is on the wire). */
  private jobDone: Promise<void> | null = null;
  /** Closing: waiting for a login in flight before logging out; nothing new starts. */
  private closing = false;
  /** When nodes read next: this PVS's publications, strain and nights (src/pvs/schedule). */
  readonly pace = new Pace();

  constructor(private readonly options: ClientOptions) {
    this.endpoint = formatEndpoint(options);
    this.breaker = new Breaker({
      baseMs: options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS,
      maxMs: options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS,
      openAfter: options.openAfter ?? DEFAULT_OPEN_AFTER,
    });
    this.pvsHealth = new ClientHealth(this.breaker);
    this.queue = new RequestQueue({
      halted: () => this.closed || this.closing,
      readyAt: (job) => Math.max(this.notBefore(job), job.urgent ? 0 : this.breaker.retryAtMs),
      start: (job) => {
        this.jobDone = this.execute(job);
      },
    });
    const records = { stats: this.stats, log: this.log, answerLog: this.answerLog };
    this.wire = new PvsWire(options, this.queue, records, () => this.closing);
  }

  /**
   * Sends `request` (or joins an identical one already waiting or in flight) and resolves with its JSON
   * answer. A DeviceList asked again within the DeviceList ration waits for the ration to pass, or with
   * `freshness` "reuse" gets the last answer at once.
   */
  request(
    request: PvsRequest,
    signal?: AbortSignal,
    {
      freshness = "wait",
      urgent = false,
      probe = false,
      command = false,
      shareWithinMs = 0,
      onStart,
    }: RequestOptions = {},
  ): Promise<JsonObject> {
    return new Promise<JsonObject>((resolve, reject) => {
      if (this.closed || this.closing) return reject(new PvsError("PVS_ABORTED", "the PVS connection is closed"));
      if (signal?.aborted) return reject(new PvsError("PVS_ABORTED", "request cancelled"));
      // While a refused login is held off, say so at once instead of queueing for minutes.
      if (request.session && this.authFailure && Date.now() < this.breaker.retryAtMs) return reject(this.authFailure);
      // "Poll now" within the ration: the last answer, even while the breaker is open.
      const recent =
        request.rationed && freshness === "reuse" && this.deviceListEveryMs() > 0
          ? this.memory.recent(request.key, this.deviceListEveryMs() - 1)
          : null;
      if (recent) {
        this.stats.reused++;
        return resolve(recent);
      }
      const shared = shareWithinMs > 0 ? this.memory.recent(request.key, shareWithinMs) : null;
      if (shared) {
        this.stats.coalesced++;
        return resolve(shared);
      }
      if (this.breaker.isOpen() && !urgent) {
        this.stats.refused++;
        return reject(this.breaker.openError(this.endpoint));
      }
      const waiter: Waiter = { resolve, reject, signal, onStart };
      let job = this.queue.find(request.key);
      if (job) {
        this.stats.coalesced++;
        job.urgent ||= urgent;
        job.probe &&= probe;
        job.command &&= command;
      } else {
        job = { request, urgent, probe, command, waiters: new Set(), controller: new AbortController() };
        this.queue.add(job);
      }
      const target = job;
      target.waiters.add(waiter);
      if (signal) {
        waiter.onAbort = () => this.queue.leave(target, waiter);
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.queue.pump();
      if (target === this.queue.inFlight) started(waiter);
    });
  }

  getStats(): Readonly<ClientStats> {
    // The next start is derived: the later of the spacing after the last exchange and the back-off.
    return {
      ...this.stats,
      ...this.pvsHealth.failureCounts(),
      nextRequestAt: Math.max(this.queue.spacedUntil, this.breaker.retryAtMs),
    };
  }

  /** Whether the PVS is answering, backing off or left alone for a while (the circuit breaker). */
  health(): Health {
    return this.pvsHealth.health();
  }

  /** What the PVS received in the last hour. */
  budget(): RequestBudget {
    return this.log.summary();
  }

  /** Hears every change of the health state (ok, backing-off, open); returns the way to stop hearing. */
  onHealth(listener: (health: Health) => void): () => void {
    return this.pvsHealth.onHealth(listener);
  }

  /**
   * New limits and certificate pin for the requests from now on (pvs-config nodes sharing this PVS agreed on new
   * ones); a wait already set is not shortened.
   */
  retune(
    limits: Partial<Pick<ClientOptions, "timeoutMs" | "minSpacingMs" | "deviceListEveryMs">> &
      Partial<Pick<LocalApiOptions, "fingerprint">> & { localApiTimeoutMs?: number },
  ): void {
    if (limits.timeoutMs !== undefined) this.options.timeoutMs = limits.timeoutMs;
    if (limits.minSpacingMs !== undefined) this.options.minSpacingMs = limits.minSpacingMs;
    if (limits.deviceListEveryMs !== undefined) this.options.deviceListEveryMs = limits.deviceListEveryMs;
    if (this.options.localApi && limits.localApiTimeoutMs !== undefined)
      this.options.localApi.timeoutMs = limits.localApiTimeoutMs;
    // The pin checks every LocalAPI connection made from now on, the session's next request included: with a pin
    // the PVS does not match, nothing more is sent (the session it may hold is the PVS's, and ends with its life).
    const local = this.options.localApi;
    if (local && limits.fingerprint !== undefined && limits.fingerprint !== (local.fingerprint ?? null)) {
      local.fingerprint = limits.fingerprint;
      this.wire.localTransport?.pin(limits.fingerprint);
      // A hold set because the PVS's certificate was not the old pin was about the pin, not the PVS (nothing was
      // sent to it): another pin is tried at the next turn, as a corrected password is.
      if (this.health().lastError?.code === "PVS_CERT_MISMATCH") this.endBackoff();
    }
  }

  /** When the request `key` last started (the DeviceList ration counts from there); null when it never did here. */
  lastStart(key: string): number | null {
    return this.memory.lastStart(key);
  }

  /** A start remembered from before a restart: the ration counts from it, as if this client had sent it. */
  restoreStart(key: string, startedAt: number): void {
    if ((this.memory.lastStart(key) ?? -Infinity) < startedAt && startedAt <= Date.now())
      this.memory.started(key, true, startedAt);
  }

  /** When the 403 lock-out in force ends (epoch ms); null when none is. */
  lockedOutUntil(): number | null {
    return this.breaker.lockedOutUntil();
  }

  /**
   * A lock-out remembered from before a restart: no request but an urgent one until it ends (see
   * Breaker.restoreLockout).
   */
  restoreLockout(until: number): void {
    if (this.breaker.restoreLockout(until)) {
      this.pvsHealth.announceHealth();
    }
  }

  /** Hears the end of every job, answered or failed; returns the way to stop hearing. */
  onSettled(listener: () => void): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  /** True while a request is on the wire (or between the exchanges of one job, such as a login and its read). */
  get requestInFlight(): boolean {
    return this.queue.inFlight !== null;
  }

  /** True while a request is in flight or waiting for its turn. */
  isBusy(): boolean {
    return this.queue.busy;
  }

  /** Cancels everything, in flight and waiting, and releases the connection. */
  close(): void {
    this.abortAll();
    this.wire.close();
  }

  /** Refuses new requests and cancels those in flight or waiting; the transports stay open. */
  private abortAll(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.stop();
    this.pvsHealth.clearListeners();
    this.settledListeners.clear();
    const inFlight = this.queue.inFlight;
    const jobs = [...this.queue.take(), ...(inFlight ? [inFlight] : [])];
    for (const job of jobs) {
      job.controller.abort();
      settle(job, new PvsError("PVS_ABORTED", "the PVS connection is closed"));
    }
  }

  /** Ends the LocalAPI session (one short request, errors ignored) after cancelling everything, then closes. */
  async closeAndLogout(): Promise<void> {
    // A login on the wire will create a session on the PVS whatever happens here: let it finish (within its
    // deadline), then end that session too. Nothing else is sent meanwhile: the queue is cancelled first.
    if (this.wire.loginInFlight && this.jobDone && !this.closed) await this.loginDone(this.jobDone);
    if (this.closed || !this.wire.session?.active) return this.close();
    this.abortAll();
    await this.wire.logoutAtClose();
    this.close();
  }

  /** Cancels what waits, then waits for the job whose login is on the wire (within the login's deadline). */
  private async loginDone(jobDone: Promise<void>): Promise<void> {
    this.closing = true;
    for (const job of this.queue.take()) settle(job, new PvsError("PVS_ABORTED", "the PVS connection is closed"));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.wire.localTimeoutMs + 1000)));
    await Promise.race([jobDone, deadline]);
    clearTimeout(timer);
  }

  private deviceListEveryMs(): number {
    return this.options.deviceListEveryMs ?? 0;
  }

  /** When a job may start: a DeviceList not before the DeviceList ration has passed since the last one started. */
  private notBefore(job: Job): number {
    if (!job.request.rationed) return 0;
    const last = this.memory.lastStart(job.request.key);
    return last === null ? 0 : last + this.deviceListEveryMs();
  }

  private async execute(job: Job): Promise<void> {
    const { request } = job;
    let outcome: JsonObject | PvsError;
    const startedAt = Date.now();
    if (request.rationed) this.memory.started(request.key, true, startedAt);
    for (const waiter of job.waiters) started(waiter);
    this.wire.exchanges = 0;
    try {
      outcome = await this.wire.perform(request, job.controller.signal);
    } catch (err) {
      outcome = toPvsError(err);
    }
    this.queue.finished();
    if (outcome instanceof PvsError && outcome.code !== "PVS_ABORTED")
      this.answerLog.error(request.label, outcome.code, outcome.message, outcome.statusCode ?? null);
    if (outcome instanceof PvsError && (outcome.code === "PVS_LOGIN_REFUSED" || outcome.code === "PVS_NO_PASSWORD"))
      this.authFailure = outcome;
    else if (!(outcome instanceof PvsError) && request.session) this.authFailure = null;
    if (!(outcome instanceof PvsError))
      this.memory.answered(request.key, request.rationed === true, startedAt, outcome);
    // A failure before anything was sent (no password, a refusal still held), of a probe, or a command the PVS
    // declined says nothing about the PVS's health: it gets the spacing, not a back-off.
    // An urgent request went past a back-off (the look at the firmware after a legacy 403): its success does not
    // end a lock-out that still holds for every other request (retrying during a lock-out extends it).
    // A 404 is a definite "no such thing here" (a path an old firmware lacks), not a struggling PVS.
    const uninformative =
      outcome instanceof PvsError
        ? this.wire.exchanges === 0 ||
          job.probe ||
          outcome.statusCode === 404 ||
          (job.command && COMMAND_REFUSALS.has(outcome.code))
        : job.urgent && this.breaker.retryAtMs > Date.now();
    this.recordOutcome(uninformative ? null : outcome, request);
    if (this.wire.exchanges > 0) this.pace.noteOutcome(outcome, Date.now() - startedAt);
    settle(job, outcome);
    // Once the breaker is open, the requests waiting behind the failure are not sent either: they fail now.
    if (this.breaker.isOpen()) this.refuseQueue();
    for (const listener of [...this.settledListeners]) {
      try {
        listener();
      } catch {
        // A listener's fault must not stop the client.
      }
    }
    this.queue.pump();
  }

  private refuseQueue(): void {
    for (const job of this.queue.take((job) => !job.urgent)) {
      this.stats.refused++;
      settle(job, this.breaker.openError(this.endpoint));
    }
  }

  /** Back-off and breaker after an outcome; null: an outcome that says nothing about the PVS (spacing only). */
  private recordOutcome(outcome: JsonObject | PvsError | null, request: PvsRequest): void {
    const now = Date.now();
    this.pvsHealth.recordOutcome(outcome, now);
    // A job that sent nothing still waits its spacing, so that a caller retrying at once cannot spin.
    if (this.wire.exchanges === 0) this.queue.spaceUntil(now + gapAfter(this.options, request.light));
    this.pvsHealth.announceHealth();
  }

  /**
   * A reading whose requests were answered but that failed as a whole (a PVS listing no devices while it
   * starts up): backed off like any failure, so that polls do not keep asking a PVS that is busy rediscovering.
   */
  reportFailure(error: PvsError): void {
    this.pvsHealth.noteFailure(error, Date.now(), true);
    this.pvsHealth.announceHealth();
  }

  /**
   * A reading succeeded as a whole: the back-off of readings that failed (reportFailure) starts again at its first
   * step.
   */
  reportSuccess(): void {
    this.breaker.readingSuccess();
  }

  /**
   * The firmware turned out to be another (a legacy 403 that meant "updated to the LocalAPI"): the back-off
   * that the 403 set was not a lock-out of the API now in use.
   */
  endBackoff(): void {
    this.pvsHealth.endBackoff();
    this.pvsHealth.announceHealth();
    this.queue.pump();
  }
}

/** Tells a waiter once that its request is on the wire; what its callback throws stays with the caller. */
function started(waiter: Waiter): void {
  const hear = waiter.onStart;
  waiter.onStart = undefined;
  try {
    hear?.();
  } catch {
    // A status update that failed must not fail the request.
  }
}
