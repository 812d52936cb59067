// The HTTP layer for one PVS: an axios instance with its own agents, an overall deadline per request,
// and every failure mapped to a PvsError.
import axios, { AxiosError, AxiosInstance } from "axios";
import http from "http";
import { Duplex } from "stream";
import { Socket } from "net";
import { diagnosticHeaders } from "../client/answer-log";
import { armConnectDeadline, CONNECT_TIMEOUT_CODE } from "./connect-deadline";
import { PvsError } from "./errors";
import { CertificateMismatchError, PvsHttpsAgent, TlsObserver } from "./tls-trust";

export type Protocol = "http" | "https";

export interface Endpoint {
  protocol: Protocol;
  host: string;
  port: number;
}

export interface HttpAnswer {
  status: number;
  body: string;
  durationMs: number;
  /** `Set-Cookie` headers (the LocalAPI's session). */
  setCookie: string[];
  /** The headers that help diagnose (answer-log.ts DIAGNOSTIC_HEADERS), for the diagnostics' answer log. */
  headers?: Record<string, string>;
}

/** HTTPS trust for this PVS: an optional pinned fingerprint, and who hears of each certificate seen. */
export interface TlsTrust extends TlsObserver {
  pinned: string | null;
}

/** A DeviceList of 1,000 devices is about 1 MB; anything far larger is not a PVS answer. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EPIPE",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

/** Plain HTTP's agent, with the connect deadline (PvsHttpsAgent has its own, up to the end of the handshake). */
class PvsHttpAgent extends http.Agent {
  override createConnection(
    options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    if (socket instanceof Socket && socket.connecting) armConnectDeadline(socket, "connect");
    return socket;
  }
}

export function formatEndpoint(endpoint: Endpoint): string {
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
  return `${host}:${endpoint.port}`;
}

export class Transport {
  private readonly client: AxiosInstance;
  private readonly agent: http.Agent;
  private endpoint: string;

  constructor(
    endpoint: Endpoint,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    trust: TlsTrust = { pinned: null, onCertificate: () => undefined },
  ) {
    this.endpoint = formatEndpoint(endpoint);
    // No keep-alive: polls are minutes apart and the PVS's web server is small. The agent is ours alone,
    // so trusting the PVS's self-signed certificate never loosens TLS for anything else in Node-RED.
    this.agent =
      endpoint.protocol === "https"
        ? new PvsHttpsAgent(trust.pinned, trust)
        : new PvsHttpAgent({ keepAlive: false, maxSockets: 1 });
    this.client = axios.create({
      baseURL: `${endpoint.protocol}://${this.endpoint}`,
      httpAgent: endpoint.protocol === "http" ? this.agent : undefined,
      httpsAgent: endpoint.protocol === "https" ? this.agent : undefined,
      proxy: false,
      maxRedirects: 0,
      maxContentLength: maxBodyBytes,
      responseType: "text",
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      headers: { Accept: "application/json" },
    });
  }

  /**
   * GET `path` with `query`: parameters (percent-encoded by axios), or a string sent exactly as written.
   * Resolves with any HTTP status, rejects with a PvsError for transport failures.
   */
  async get(
    path: string,
    query: Record<string, string> | string,
    timeoutMs: number,
    signal?: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    if (signal?.aborted) controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const started = Date.now();
    try {
      // A raw query stays as written: axios only encodes `params`, and the URL parser leaves "/", "," and "=" be.
      const res =
        typeof query === "string"
          ? await this.client.get<string>(query ? `${path}?${query}` : path, { headers, signal: controller.signal })
          : await this.client.get<string>(path, { params: query, headers, signal: controller.signal });
      const body = typeof res.data === "string" ? res.data : String(res.data ?? "");
      const cookies: unknown = res.headers["set-cookie"];
      const setCookie = Array.isArray(cookies) ? cookies.filter((c): c is string => typeof c === "string") : [];
      return {
        status: res.status,
        body,
        durationMs: Date.now() - started,
        setCookie,
        headers: diagnosticHeaders(res.headers as Record<string, unknown>),
      };
    } catch (err) {
      if (timedOut)
        throw new PvsError(
          "PVS_TIMEOUT",
          `PVS at ${this.endpoint} did not answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`,
        );
      if (signal?.aborted || controller.signal.aborted) throw new PvsError("PVS_ABORTED", "request cancelled");
      throw this.mapError(err);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Sends to another host from the next request on, same port and trust (a PVS followed to its new address is the
   * same box: a pinned certificate still applies).
   */
  moveTo(endpoint: Endpoint): void {
    this.endpoint = formatEndpoint(endpoint);
    this.client.defaults.baseURL = `${endpoint.protocol}://${this.endpoint}`;
  }

  /** Pins another certificate (or none) for the connections made from now on; nothing on plain HTTP. */
  pin(fingerprint: string | null): void {
    if (this.agent instanceof PvsHttpsAgent) this.agent.pin(fingerprint);
  }

  close(): void {
    this.agent.destroy();
  }

  private mapError(err: unknown): PvsError {
    const ax = err as AxiosError;
    const code = typeof ax?.code === "string" ? ax.code : "";
    const message = err instanceof Error ? err.message : String(err);
    const cause: unknown = (err as { cause?: unknown })?.cause;
    const mismatch =
      err instanceof CertificateMismatchError
        ? err
        : cause instanceof CertificateMismatchError
          ? cause
          : code === "PVS_CERT_MISMATCH"
            ? (err as CertificateMismatchError)
            : null;
    if (mismatch) {
      return new PvsError(
        "PVS_CERT_MISMATCH",
        `PVS at ${this.endpoint} presented a certificate (SHA-256 ${mismatch.seen || "unknown"}) that is not the pinned one; nothing was sent. If the PVS was replaced or reset, clear or update the pinned fingerprint in the PVS settings`,
      );
    }
    const causeCode: unknown = (cause as { code?: unknown } | undefined)?.code;
    if (code === CONNECT_TIMEOUT_CODE || causeCode === CONNECT_TIMEOUT_CODE)
      return new PvsError("PVS_UNREACHABLE", `no answer at ${this.endpoint} (${message})`);
    if (/maxContentLength/i.test(message))
      return new PvsError("PVS_TOO_LARGE", `PVS at ${this.endpoint} sent an answer over the size limit`);
    if (code === "ECONNABORTED" || code === "ETIMEDOUT")
      return new PvsError("PVS_TIMEOUT", `PVS at ${this.endpoint} timed out`);
    if (UNREACHABLE.has(code))
      return new PvsError("PVS_UNREACHABLE", `PVS at ${this.endpoint} is unreachable (${code})`);
    return new PvsError("PVS_UNREACHABLE", `PVS at ${this.endpoint}: ${message}`);
  }
}
