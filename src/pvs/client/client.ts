// The per-PVS client that every node shares: one request in flight, identical requests coalesced,
// requests spaced (a LocalAPI login counts as a request too), the DeviceList rationed, back-off and a
// circuit breaker after failures, the one LocalAPI session, the request budget, and cancellation when the
// asking node closes. The queue and its pace are in request-queue.ts, the health bookkeeping in client-health.ts.
import { AnswerMemory } from "./answer-memory";
import { Breaker, DEFAULT_OPEN_AFTER, Health } from "./breaker";
import { ClientHealth } from "./client-health";
import { RequestBudget, RequestLog } from "./budget";
import { PvsError, PvsErrorCode, toPvsError } from "../http/errors";
import { parseLegacyAnswer } from "../legacy/dl-cgi";
import { PvsRequest, RequestOptions } from "../http/request";
import { DEFAULT_REFUSED_HOLD_MS, DEFAULT_RENEW_AFTER_MS, LocalApiSession } from "../localapi/session";
import { parseVarsAnswer, parseWriteAnswer } from "../localapi/vars-query";
import { Endpoint, endpointLabel, HttpAnswer, Transport } from "../http/transport";
import { JsonObject } from "../../model/safe-object";
import { AnswerLog } from "./answer-log";
import { Job, RequestQueue, settle, Waiter } from "./request-queue";

/** The LocalAPI side of a PVS: HTTPS on its own port, the owner password, certificate trust. */
export interface LocalApiOptions {
  port: number;
  /** The owner password (last 5 characters of the serial, or the user's); null while unknown. */
  password: () => string | null;
  /** Deadline of one variable read; some variables make the firmware hang forever. */
  timeoutMs?: number;
  /** Pinned SHA-256 certificate fingerprint ("AB:CD:…"), or null to accept the PVS's self-signed certificate. */
  pinnedFingerprint?: string | null;
  /** Hears the fingerprint of every certificate the PVS presents. */
  onCertificate?: (fingerprint: string) => void;
  renewAfterMs?: number;
  refusedHoldMs?: number;
  /** First wait before a new login after the PVS rejected a fresh session (doubles up to 5 min). */
  loginBackoffBaseMs?: number;
}

export const DEFAULT_LOCALAPI_TIMEOUT_MS = 15_000;

export interface ClientOptions extends Endpoint {
  /** Deadline of one request, from sending it to the end of the answer. */
  timeoutMs: number;
  /** Minimum quiet time between the end of one request and the start of the next. */
  spacingMs: number;
  /**
   * Quiet time after a light request (a LocalAPI variable read or login, the open supervisor/info): these are
   * cheap for the PVS (pypvs sends its reads back to back), so a LocalAPI poll takes a second, not 15 s.
   * Default: the smaller of `spacingMs` and 500 ms.
   */
  lightSpacingMs?: number;
  /** Back-off after failures: base doubles per consecutive failure up to max. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Failures in a row after which requests fail fast until the back-off has passed (circuit breaker). */
  openAfter?: number;
  /** The DeviceList ration: least time between the starts of two legacy DeviceLists; 0 = no limit. */
  deviceListEveryMs?: number;
  maxBodyBytes?: number;
  /** Masks secrets in text taken from an answer before it reaches an error message. */
  redact?: (text: string) => string;
  /** Present when the PVS may serve the LocalAPI. */
  localApi?: LocalApiOptions;
}

export interface ClientStats {
  /** Requests sent to the PVS (logins included). */
  requests: number;
  /** LocalAPI logins sent. */
  logins: number;
  failures: number;
  /** Requests answered by sharing another caller's request. */
  coalesced: number;
  /** DeviceLists answered with the previous answer, because they were asked again within the DeviceList ration. */
  reused: number;
  /** Requests refused at once because the circuit breaker was open. */
  refused: number;
  consecutiveFailures: number;
  lastDurationMs: number | null;
  lastErrorCode: PvsErrorCode | null;
  /** Epoch ms before which the next request will not start. */
  nextRequestAt: number;
}

/**
 * What a PVS answers to a command it will not carry out: the command's outcome, not the PVS's health (see
 * RequestOptions.command).
 */
const COMMAND_REFUSALS = new Set<PvsErrorCode>(["PVS_COMMAND_FAILED", "PVS_HTML_RESPONSE"]);

export const DEFAULT_BACKOFF_BASE_MS = 5_000;
export const DEFAULT_LIGHT_SPACING_MS = 500;
/** A LocalAPI login is a light exchange. */
const LOGIN: Pick<PvsRequest, "light"> = { light: true };
export const DEFAULT_BACKOFF_MAX_MS = 5 * 60_000;

export class PvsClient {
  readonly label: string;
  /** The LocalAPI's host:port, for its errors (the dl_cgi port is another). */
  private readonly localLabel: string;
  private readonly transport: Transport;
  private readonly localTransport: Transport | null;
  private readonly session: LocalApiSession | null;
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
  /**
   * A login on the wire, and the end of the job it belongs to (closeAndLogout waits for it, to end its session too).
   */
  private loginInFlight = false;
  private jobDone: Promise<void> | null = null;
  /** Closing: waiting for a login in flight before logging out; nothing new starts. */
  private closing = false;
  /** Wire exchanges of the job in flight (0: it failed before sending anything). */
  private exchanges = 0;

  constructor(private readonly options: ClientOptions) {
    this.label = endpointLabel(options);
    this.localLabel = options.localApi ? endpointLabel({ ...options, port: options.localApi.port }) : this.label;
    this.transport = new Transport(options, options.maxBodyBytes);
    const local = options.localApi;
    this.localTransport = local
      ? new Transport({ protocol: "https", host: options.host, port: local.port }, options.maxBodyBytes, {
          pinned: local.pinnedFingerprint ?? null,
          onCertificate: (fp) => local.onCertificate?.(fp),
        })
      : null;
    this.session = local
      ? new LocalApiSession({
          password: local.password,
          renewAfterMs: local.renewAfterMs ?? DEFAULT_RENEW_AFTER_MS,
          refusedHoldMs: local.refusedHoldMs ?? DEFAULT_REFUSED_HOLD_MS,
          loginBackoffBaseMs: local.loginBackoffBaseMs,
        })
      : null;
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
  }

  /**
   * Sends `request` (or joins an identical one already waiting or in flight) and resolves with its JSON
   * answer. A DeviceList asked again within the DeviceList ration waits for the ration to pass, or with
   * `freshness` "reuse" gets the last answer at once.
   */
  request(
    request: PvsRequest,
    signal?: AbortSignal,
    { freshness = "wait", urgent = false, probe = false, command = false, shareWithinMs = 0 }: RequestOptions = {},
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
        return reject(this.breaker.openError(this.label));
      }
      const waiter: Waiter = { resolve, reject, signal };
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
    limits: Partial<Pick<ClientOptions, "timeoutMs" | "spacingMs" | "deviceListEveryMs">> &
      Partial<Pick<LocalApiOptions, "pinnedFingerprint">> & { localApiTimeoutMs?: number },
  ): void {
    if (limits.timeoutMs !== undefined) this.options.timeoutMs = limits.timeoutMs;
    if (limits.spacingMs !== undefined) this.options.spacingMs = limits.spacingMs;
    if (limits.deviceListEveryMs !== undefined) this.options.deviceListEveryMs = limits.deviceListEveryMs;
    if (this.options.localApi && limits.localApiTimeoutMs !== undefined)
      this.options.localApi.timeoutMs = limits.localApiTimeoutMs;
    // The pin checks every LocalAPI connection made from now on, the session's next request included: with a pin
    // the PVS does not match, nothing more is sent (the session it may hold is the PVS's, and ends with its life).
    const local = this.options.localApi;
    if (
      local &&
      limits.pinnedFingerprint !== undefined &&
      limits.pinnedFingerprint !== (local.pinnedFingerprint ?? null)
    ) {
      local.pinnedFingerprint = limits.pinnedFingerprint;
      this.localTransport?.pin(limits.pinnedFingerprint);
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
    this.transport.close();
    this.localTransport?.close();
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
    if (this.loginInFlight && this.jobDone && !this.closed) {
      this.closing = true;
      for (const job of this.queue.take()) settle(job, new PvsError("PVS_ABORTED", "the PVS connection is closed"));
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>(
        (resolve) =>
          (timer = setTimeout(resolve, (this.options.localApi?.timeoutMs ?? DEFAULT_LOCALAPI_TIMEOUT_MS) + 1000)),
      );
      await Promise.race([this.jobDone, deadline]);
      clearTimeout(timer);
    }
    const cookie = this.session?.logoutHeader() ?? null;
    const transport = this.localTransport;
    if (this.closed || !cookie || !transport) return this.close();
    this.session?.invalidate();
    this.abortAll();
    try {
      this.stats.requests++;
      const answer = await transport.get("/auth?logout", {}, 3000, undefined, cookie);
      this.log.add("logout", answer.durationMs, answer.status < 400);
    } catch {
      // The session expires by itself within minutes; closing must not wait on a PVS that does not answer.
    }
    this.close();
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
    this.exchanges = 0;
    try {
      outcome = await this.perform(request, job.controller.signal);
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
    // end a lock-out that still holds for every other request (issue: retrying during a lock-out extends it).
    // A 404 is a definite "no such thing here" (a path an old firmware lacks), not a struggling PVS.
    const uninformative =
      outcome instanceof PvsError
        ? this.exchanges === 0 ||
          job.probe ||
          outcome.statusCode === 404 ||
          (job.command && COMMAND_REFUSALS.has(outcome.code))
        : job.urgent && this.breaker.retryAtMs > Date.now();
    this.recordOutcome(uninformative ? null : outcome, request);
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
      settle(job, this.breaker.openError(this.label));
    }
  }

  private async perform(request: PvsRequest, signal: AbortSignal): Promise<JsonObject> {
    const query = request.query ?? request.params;
    if (request.kind === "dl_cgi") {
      const answer = await this.wire(
        this.transport,
        request,
        request.label,
        request.path,
        query,
        request.timeoutMs ?? this.options.timeoutMs,
        signal,
      );
      return parseLegacyAnswer(answer, this.options.redact);
    }
    const transport = this.localTransport;
    const session = this.session;
    if (!transport || !session) throw new PvsError("PVS_BAD_CONFIG", "this PVS connection has no LocalAPI settings");
    const timeoutMs = request.timeoutMs ?? this.options.localApi?.timeoutMs ?? DEFAULT_LOCALAPI_TIMEOUT_MS;
    if (!request.session)
      return parseVarsAnswer(
        await this.wire(transport, request, request.label, request.path, query, timeoutMs, signal),
        this.options.redact,
      );
    const loginTimeoutMs = this.options.localApi?.timeoutMs ?? DEFAULT_LOCALAPI_TIMEOUT_MS;
    const answer = await session.read(request.write === true, this.localLabel, {
      read: (cookie) => this.wire(transport, request, request.label, request.path, query, timeoutMs, signal, cookie),
      login: async (headers) => {
        // Cancelled while waiting its turn: nothing is sent. Once sent, a login is not cut off when its caller
        // leaves (a node closed by a redeploy): the PVS makes the session whether or not the answer is read, so
        // the cookie is kept, for the next poll or for the logout when the connection closes (within its deadline).
        await this.queue.turn(signal);
        this.stats.logins++;
        this.loginInFlight = true;
        try {
          return await this.wire(
            transport,
            LOGIN,
            "login",
            "/auth?login",
            {},
            loginTimeoutMs,
            new AbortController().signal,
            headers,
          );
        } finally {
          this.loginInFlight = false;
        }
      },
      closing: () => this.closing,
    });
    return request.write ? parseWriteAnswer(answer) : parseVarsAnswer(answer, this.options.redact);
  }

  /** One HTTP exchange, spaced from the previous one like every request to this PVS. */
  private async wire(
    transport: Transport,
    request: Pick<PvsRequest, "light">,
    kind: string,
    path: string,
    query: Record<string, string> | string,
    timeoutMs: number,
    signal: AbortSignal,
    headers?: Record<string, string>,
  ): Promise<HttpAnswer> {
    await this.queue.turn(signal);
    this.stats.requests++;
    this.exchanges++;
    const started = Date.now();
    try {
      const answer = await transport.get(path, query, timeoutMs, signal, headers);
      this.stats.lastDurationMs = answer.durationMs;
      this.log.add(kind, answer.durationMs, answer.status < 400);
      this.logAnswer(transport, kind, path, query, answer, started);
      return answer;
    } catch (err) {
      if (toPvsError(err).code !== "PVS_ABORTED") this.log.add(kind, Date.now() - started, false);
      throw err;
    } finally {
      this.queue.spaceUntil(Date.now() + this.gapAfter(request), true);
    }
  }

  /** Keeps the answer as the last of its kind: a `/vars` read by its request line, the login without its body. */
  private logAnswer(
    transport: Transport,
    kind: string,
    path: string,
    query: Record<string, string> | string,
    answer: HttpAnswer,
    startedAt: number,
  ): void {
    const search = typeof query === "string" ? query : new URLSearchParams(query).toString();
    const request = `GET ${path}${search ? `?${search}` : ""}`;
    const api = transport === this.localTransport ? "vars" : "dl_cgi";
    const login = kind === "login";
    this.answerLog.answer(api === "vars" && !login ? request : kind, api, request, answer, startedAt, !login);
  }

  /** The quiet time after an exchange: the full spacing, or the light one after a light request. */
  private gapAfter(request: Pick<PvsRequest, "light">): number {
    const light = this.options.lightSpacingMs ?? Math.min(this.options.spacingMs, DEFAULT_LIGHT_SPACING_MS);
    return request.light ? Math.min(light, this.options.spacingMs) : this.options.spacingMs;
  }

  /** Back-off and breaker after an outcome; null: an outcome that says nothing about the PVS (spacing only). */
  private recordOutcome(outcome: JsonObject | PvsError | null, request: PvsRequest): void {
    const now = Date.now();
    this.pvsHealth.recordOutcome(outcome, now);
    // A job that sent nothing still waits its spacing, so that a caller retrying at once cannot spin.
    if (this.exchanges === 0) this.queue.spaceUntil(now + this.gapAfter(request));
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
