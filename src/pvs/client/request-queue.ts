// The order and pace of the requests to one PVS: one job in flight, identical requests joined into one job,
// each job started when its turn has come (the spacing after the last exchange, and what the client adds: the
// back-off, the DeviceList ration), the spacing between the exchanges of one job, and cancellation.
import { PvsError } from "../http/errors";
import { PvsRequest } from "../http/request";
import { JsonObject } from "../../model/safe-object";

export interface Waiter {
  resolve: (value: JsonObject) => void;
  reject: (err: PvsError) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** Hears that the job went on the wire (RequestOptions.onStart). */
  onStart?: () => void;
}

export interface Job {
  request: PvsRequest;
  urgent: boolean;
  probe: boolean;
  command: boolean;
  waiters: Set<Waiter>;
  controller: AbortController;
}

/** What the queue asks its client. */
export interface QueuePolicy {
  /** True while nothing may start (the client is closed or closing). */
  halted(): boolean;
  /** Epoch ms before which `job` may not start, spacing aside (the back-off, the DeviceList ration). */
  readyAt(job: Job): number;
  /** Sends `job`: it is in flight until `finished()`. */
  start(job: Job): void;
}

/** Resolves or rejects every waiter of `job` with `outcome`. */
export function settle(job: Job, outcome: JsonObject | PvsError): void {
  for (const waiter of job.waiters) {
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener("abort", waiter.onAbort);
    if (outcome instanceof PvsError) waiter.reject(outcome);
    else waiter.resolve(outcome);
  }
  job.waiters.clear();
}

export class RequestQueue {
  private readonly queue: Job[] = [];
  private current: Job | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Epoch ms before which the spacing after the last exchange forbids the next (back-off aside). */
  private spacedUntilMs = 0;

  constructor(private readonly policy: QueuePolicy) {}

  /** The job on the wire (or between the exchanges of one job, such as a login and its read); null when none. */
  get inFlight(): Job | null {
    return this.current;
  }

  /** True while a job is in flight or waiting for its turn. */
  get busy(): boolean {
    return this.current !== null || this.queue.length > 0;
  }

  get spacedUntil(): number {
    return this.spacedUntilMs;
  }

  /** The next exchange waits until `until` (never shortens a wait already set unless `replace`). */
  spaceUntil(until: number, replace = false): void {
    this.spacedUntilMs = replace ? until : Math.max(this.spacedUntilMs, until);
  }

  /** A job to join: the same request, waiting or on the wire, and not being cancelled. */
  find(key: string): Job | undefined {
    const inFlight = this.current;
    if (inFlight?.request.key === key && !inFlight.controller.signal.aborted) return inFlight;
    return this.queue.find((j) => j.request.key === key);
  }

  /** Queues a new job. */
  add(job: Job): void {
    this.queue.push(job);
    // The timer may be waiting out a DeviceList's ration: a new job that may go sooner must not wait behind it.
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A waiter no longer wants the answer (its signal aborted): rejected, and the job dropped when nobody is left. */
  leave(job: Job, waiter: Waiter): void {
    if (!job.waiters.delete(waiter)) return;
    waiter.reject(new PvsError("PVS_ABORTED", "request cancelled"));
    if (job.waiters.size > 0) return;
    // Nobody wants this answer any more: drop it from the queue, or stop it on the wire.
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    else job.controller.abort();
  }

  /** Removes the waiting jobs that `match` (all by default) and returns them. */
  take(match: (job: Job) => boolean = () => true): Job[] {
    const taken = this.queue.filter(match);
    this.queue.splice(0, this.queue.length, ...this.queue.filter((job) => !match(job)));
    return taken;
  }

  /** The job in flight has ended. */
  finished(): void {
    this.current = null;
  }

  /** Stops the timer; nothing starts until the next pump. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Starts the first job whose turn has come, or sets a timer for the earliest turn. */
  pump(): void {
    if (this.policy.halted() || this.current || this.timer || this.queue.length === 0) return;
    const now = Date.now();
    // The first job whose turn has come (spacing, back-off, and for a DeviceList its ration); the others wait.
    let next = -1;
    let earliest = Infinity;
    this.queue.forEach((job, i) => {
      const at = Math.max(this.policy.readyAt(job), this.spacedUntilMs);
      if (next < 0 && at <= now) next = i;
      earliest = Math.min(earliest, at);
    });
    const wait = next >= 0 ? 0 : earliest - now;
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    const [job] = this.queue.splice(next, 1);
    this.current = job;
    this.policy.start(job);
  }

  /** Waits out the spacing between two exchanges of one job (a login and its read). */
  turn(signal: AbortSignal): Promise<void> {
    const wait = this.spacedUntilMs - Date.now();
    if (wait <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new PvsError("PVS_ABORTED", "request cancelled"));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, wait);
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
