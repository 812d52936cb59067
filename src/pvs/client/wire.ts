// What one job sends: the HTTP exchanges of a request on the dl_cgi or the LocalAPI (with the session's login
// when it needs one), each waiting its turn in the queue, counted, logged and followed by its spacing.
import { AnswerLog } from "./answer-log";
import { RequestLog } from "./budget";
import { ClientOptions, ClientStats, DEFAULT_LOCALAPI_TIMEOUT_MS, gapAfter } from "./client-options";
import { RequestQueue } from "./request-queue";
import { PvsError, toPvsError } from "../http/errors";
import { PvsRequest } from "../http/request";
import { formatEndpoint, HttpAnswer, Transport } from "../http/transport";
import { parseLegacyAnswer } from "../legacy/dl-cgi";
import { DEFAULT_REFUSED_HOLD_MS, DEFAULT_RENEW_AFTER_MS, LocalApiSession } from "../localapi/session";
import { parseVarsAnswer, parseWriteAnswer } from "../localapi/vars-query";
import { JsonObject } from "../../model/safe-object";

/** The counts the wire keeps in the client's stats. */
export type WireCounters = Pick<ClientStats, "requests" | "logins" | "lastDurationMs">;

/** Where the wire records what it did: the client's counts, the request budget and the answer log. */
export interface WireRecords {
  stats: WireCounters;
  log: RequestLog;
  answerLog: AnswerLog;
}

/** A LocalAPI login or logout is a light exchange. */
const LIGHT: Pick<PvsRequest, "light"> = { light: true };

export class PvsWire {
  readonly transport: Transport;
  readonly localTransport: Transport | null;
  readonly session: LocalApiSession | null;
  /** The LocalAPI's host:port, for its errors (the dl_cgi port is another). */
  private localLabel: string;
  /** A login on the wire (closeAndLogout waits for it, to end its session too). */
  loginInFlight = false;
  /** Wire exchanges of the job in flight (0: it failed before sending anything). */
  exchanges = 0;

  constructor(
    private readonly options: ClientOptions,
    private readonly queue: RequestQueue,
    private readonly records: WireRecords,
    /** True once the connection is closing: a login that came back is then not followed by its read. */
    private readonly closing: () => boolean,
  ) {
    const local = options.localApi;
    this.localLabel = local ? formatEndpoint({ ...options, port: local.port }) : formatEndpoint(options);
    this.transport = new Transport(options, options.maxBodyBytes);
    this.localTransport = local
      ? new Transport({ protocol: "https", host: options.host, port: local.port }, options.maxBodyBytes, {
          pinned: local.fingerprint ?? null,
          onCertificate: (fp) => local.onCertificate?.(fp),
        })
      : null;
    this.session = local
      ? new LocalApiSession({
          password: local.password,
          renewAfterMs: local.renewAfterMs ?? DEFAULT_RENEW_AFTER_MS,
          refusedHoldMs: local.refusedHoldMs ?? DEFAULT_REFUSED_HOLD_MS,
          loginBackoffBaseMs: local.loginBackoffBaseMs,
          onSession: local.onSession,
        })
      : null;
  }

  /** The deadline of one LocalAPI exchange. */
  get localTimeoutMs(): number {
    return this.options.localApi?.timeoutMs ?? DEFAULT_LOCALAPI_TIMEOUT_MS;
  }

  /** Sends `request` (and the login its session needs) and parses its answer. */
  async perform(request: PvsRequest, signal: AbortSignal): Promise<JsonObject> {
    const query = request.query ?? request.params;
    if (request.kind === "dl_cgi") {
      const timeoutMs = request.timeoutMs ?? this.options.timeoutMs;
      const answer = await this.wire(this.transport, request, request.label, request.path, query, timeoutMs, signal);
      return parseLegacyAnswer(answer, this.options.redact);
    }
    const transport = this.localTransport;
    const session = this.session;
    if (!transport || !session) throw new PvsError("PVS_BAD_CONFIG", "this PVS connection has no LocalAPI settings");
    const timeoutMs = request.timeoutMs ?? this.localTimeoutMs;
    const read = (cookie?: Record<string, string>) =>
      this.wire(transport, request, request.label, request.path, query, timeoutMs, signal, cookie);
    if (!request.session) return parseVarsAnswer(await read(), this.options.redact);
    const answer = await session.read(request.write === true, this.localLabel, {
      read,
      login: (headers) => this.login(transport, headers, signal),
      logout: (cookie) => this.logout(transport, cookie, signal),
      closing: this.closing,
    });
    return request.write ? parseWriteAnswer(answer) : parseVarsAnswer(answer, this.options.redact);
  }

  private async login(transport: Transport, headers: Record<string, string>, signal: AbortSignal) {
    // Cancelled while waiting its turn: nothing is sent. Once sent, a login is not cut off when its caller
    // leaves (a node closed by a redeploy): the PVS makes the session whether or not the answer is read, so
    // the cookie is kept, for the next poll or for the logout when the connection closes (within its deadline).
    await this.queue.turn(signal);
    this.records.stats.logins++;
    this.loginInFlight = true;
    try {
      const never = new AbortController().signal;
      return await this.wire(transport, LIGHT, "login", "/auth?login", {}, this.localTimeoutMs, never, headers);
    } finally {
      this.loginInFlight = false;
    }
  }

  /** Ends a session the client gives up on (its answer does not matter: the session expires by itself). */
  private async logout(transport: Transport, cookie: Record<string, string>, signal: AbortSignal): Promise<void> {
    try {
      await this.wire(transport, LIGHT, "logout", "/auth?logout", {}, this.localTimeoutMs, signal, cookie);
    } catch (err) {
      if (toPvsError(err).code === "PVS_ABORTED") throw err;
    }
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
    const { stats, log } = this.records;
    stats.requests++;
    this.exchanges++;
    const started = Date.now();
    try {
      const answer = await transport.get(path, query, timeoutMs, signal, headers);
      stats.lastDurationMs = answer.durationMs;
      log.add(kind, answer.durationMs, answer.status < 400);
      this.logAnswer(transport, kind, path, query, answer, started);
      return answer;
    } catch (err) {
      if (toPvsError(err).code !== "PVS_ABORTED") log.add(kind, Date.now() - started, false);
      throw err;
    } finally {
      this.queue.spaceUntil(Date.now() + gapAfter(this.options, request.light), true);
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
    const bare = kind === "login" || kind === "logout";
    this.records.answerLog.answer(api === "vars" && !bare ? request : kind, api, request, answer, startedAt, !bare);
  }

  /**
   * Sends to `host` from the next exchange on (a PVS followed to its new address): the session of the old address is
   * dropped, not logged out (that address no longer answers); the next read logs in afresh.
   */
  moveTo(host: string): void {
    this.transport.moveTo({ ...this.options, host });
    const local = this.options.localApi;
    if (local) {
      this.localTransport?.moveTo({ protocol: "https", host, port: local.port });
      this.localLabel = formatEndpoint({ ...this.options, host, port: local.port });
    }
    this.session?.invalidate();
  }

  /** Ends the session at close: one short request, errors ignored, after which the client closes. */
  async logoutAtClose(): Promise<void> {
    const cookie = this.session?.logoutHeader() ?? null;
    const transport = this.localTransport;
    if (!cookie || !transport) return;
    this.session?.invalidate();
    try {
      this.records.stats.requests++;
      const answer = await transport.get("/auth?logout", {}, 3000, undefined, cookie);
      this.records.log.add("logout", answer.durationMs, answer.status < 400);
    } catch {
      // The session expires by itself within minutes; closing must not wait on a PVS that does not answer.
    }
  }

  close(): void {
    this.transport.close();
    this.localTransport?.close();
  }
}
