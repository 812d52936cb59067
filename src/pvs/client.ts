// The per-PVS client that every node shares: one request in flight, identical requests coalesced,
// requests spaced, back-off after failures, and cancellation when the asking node closes.
import { PvsError, PvsErrorCode, toPvsError } from "./errors";
import { parseLegacyAnswer, PvsRequest } from "./legacy";
import { Endpoint, endpointLabel, Transport } from "./transport";
import { JsonObject } from "../model/safe-object";

export interface ClientOptions extends Endpoint {
  /** Deadline of one request, from sending it to the end of the answer. */
  timeoutMs: number;
  /** Minimum quiet time between the end of one request and the start of the next. */
  spacingMs: number;
  /** Back-off after failures: base doubles per consecutive failure up to max. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  maxBodyBytes?: number;
  /** Masks secrets in text taken from an answer before it reaches an error message. */
  redact?: (text: string) => string;
}

export interface ClientStats {
  /** Requests sent to the PVS. */
  requests: number;
  failures: number;
  /** Requests answered by sharing another caller's request. */
  coalesced: number;
  consecutiveFailures: number;
  lastDurationMs: number | null;
  lastErrorCode: PvsErrorCode | null;
  /** Epoch ms before which the next request will not start. */
  nextRequestAt: number;
}

interface Waiter {
  resolve: (value: JsonObject) => void;
  reject: (err: PvsError) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Job {
  request: PvsRequest;
  waiters: Set<Waiter>;
  controller: AbortController;
}

export const DEFAULT_BACKOFF_BASE_MS = 5_000;
export const DEFAULT_BACKOFF_MAX_MS = 5 * 60_000;

export class PvsClient {
  readonly label: string;
  private readonly transport: Transport;
  private readonly queue: Job[] = [];
  private inFlight: Job | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly stats: ClientStats = { requests: 0, failures: 0, coalesced: 0, consecutiveFailures: 0, lastDurationMs: null, lastErrorCode: null, nextRequestAt: 0 };

  constructor(private readonly options: ClientOptions) {
    this.label = endpointLabel(options);
    this.transport = new Transport(options, options.maxBodyBytes);
  }

  /** Sends `request` (or joins an identical one already waiting or in flight) and resolves with its JSON answer. */
  request(request: PvsRequest, signal?: AbortSignal): Promise<JsonObject> {
    return new Promise<JsonObject>((resolve, reject) => {
      if (this.closed) return reject(new PvsError("PVS_ABORTED", "the PVS connection is closed"));
      if (signal?.aborted) return reject(new PvsError("PVS_ABORTED", "request cancelled"));
      const waiter: Waiter = { resolve, reject, signal };
      let job = this.findJob(request.key);
      if (job) {
        this.stats.coalesced++;
      } else {
        job = { request, waiters: new Set(), controller: new AbortController() };
        this.queue.push(job);
      }
      const target = job;
      target.waiters.add(waiter);
      if (signal) {
        waiter.onAbort = () => this.leave(target, waiter);
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.pump();
    });
  }

  getStats(): Readonly<ClientStats> {
    return { ...this.stats };
  }

  /** True while a request is in flight or waiting for its turn. */
  isBusy(): boolean {
    return this.inFlight !== null || this.queue.length > 0;
  }

  /** Cancels everything, in flight and waiting, and releases the connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const jobs = [...this.queue, ...(this.inFlight ? [this.inFlight] : [])];
    this.queue.length = 0;
    for (const job of jobs) {
      job.controller.abort();
      this.settle(job, new PvsError("PVS_ABORTED", "the PVS connection is closed"));
    }
    this.transport.close();
  }

  private findJob(key: string): Job | undefined {
    if (this.inFlight?.request.key === key) return this.inFlight;
    return this.queue.find((j) => j.request.key === key);
  }

  private leave(job: Job, waiter: Waiter): void {
    if (!job.waiters.delete(waiter)) return;
    waiter.reject(new PvsError("PVS_ABORTED", "request cancelled"));
    if (job.waiters.size > 0) return;
    // Nobody wants this answer any more: drop it from the queue, or stop it on the wire.
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    else job.controller.abort();
  }

  private pump(): void {
    if (this.closed || this.inFlight || this.timer || this.queue.length === 0) return;
    const wait = this.stats.nextRequestAt - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    const job = this.queue.shift() as Job;
    this.inFlight = job;
    void this.execute(job);
  }

  private async execute(job: Job): Promise<void> {
    const { request } = job;
    let outcome: JsonObject | PvsError;
    this.stats.requests++;
    try {
      const answer = await this.transport.get(request.path, request.params, request.timeoutMs ?? this.options.timeoutMs, job.controller.signal);
      this.stats.lastDurationMs = answer.durationMs;
      outcome = parseLegacyAnswer(answer, this.options.redact);
    } catch (err) {
      outcome = toPvsError(err);
    }
    this.inFlight = null;
    this.recordOutcome(outcome);
    this.settle(job, outcome);
    this.pump();
  }

  private recordOutcome(outcome: JsonObject | PvsError): void {
    let gap = this.options.spacingMs;
    if (outcome instanceof PvsError && outcome.code !== "PVS_ABORTED") {
      this.stats.failures++;
      this.stats.consecutiveFailures++;
      this.stats.lastErrorCode = outcome.code;
      const base = this.options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
      const max = this.options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
      const backoff = Math.min(max, base * 2 ** (this.stats.consecutiveFailures - 1));
      // Jitter keeps several Node-RED instances from retrying a recovering PVS in lock-step.
      gap = Math.max(gap, Math.round(backoff * (0.9 + Math.random() * 0.2)));
    } else if (!(outcome instanceof PvsError)) {
      this.stats.consecutiveFailures = 0;
      this.stats.lastErrorCode = null;
    }
    this.stats.nextRequestAt = Date.now() + gap;
  }

  private settle(job: Job, outcome: JsonObject | PvsError): void {
    for (const waiter of job.waiters) {
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener("abort", waiter.onAbort);
      if (outcome instanceof PvsError) waiter.reject(outcome);
      else waiter.resolve(outcome);
    }
    job.waiters.clear();
  }
}
