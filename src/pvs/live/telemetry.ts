// The PVS6 telemetry WebSocket (`ws://<pvs>:9002`, plain, no auth; docs/protocol.md "Telemetry WebSocket"): one
// connection kept open, frames parsed, and the ways it ends handled as the firmware behaves: it closes every 10 minutes
// (normal: reconnect at once, no error), it sometimes goes silent with TCP open (stalled: close and reconnect), and a
// refused or failing connection backs off like pypvs (a few fast retries, then ×1.5 up to 5 minutes, ±20 % jitter) so
// that a PVS in trouble is not hammered.
import WebSocket from "ws";
import { LiveValues, MAX_FRAME_BYTES, parseTelemetryFrame } from "../../model/live";

export const DEFAULT_TELEMETRY_PORT = 9002;
/** No frame for this long while the connection is open: the socket is stalled (quiet gaps are 60–70 s). */
export const DEFAULT_STALL_MS = 90_000;
/** A connection that lasted this long and then closed was the firmware's routine close, not a failure. */
export const ROUTINE_CLOSE_AFTER_MS = 60_000;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const FAST_RETRIES = 3;
const FAST_RETRY_MS = 2_000;
const BACKOFF_START_MS = 5_000;
const BACKOFF_FACTOR = 1.5;
export const BACKOFF_MAX_MS = 5 * 60_000;
const JITTER = 0.2;

/** Wait before reconnect attempt after `failures` failures in a row (0: a routine close), before jitter. */
export function reconnectBaseMs(failures: number): number {
  if (failures <= FAST_RETRIES) return FAST_RETRY_MS;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * BACKOFF_FACTOR ** (failures - FAST_RETRIES - 1));
}

/** The base wait spread by ±20 % (`random` in [0, 1)), so that many clients do not reconnect in step. */
export function withJitter(ms: number, random: () => number): number {
  return Math.round(ms * (1 - JITTER + 2 * JITTER * random()));
}

export type CloseReason =
  /** The PVS closed a connection that had been working (every 10 minutes on real firmware). */
  | "routine"
  /** Open, but no frame for the stall time. */
  | "stalled"
  /** Refused, reset, timed out, or closed soon after opening. */
  | "failed";

export type SocketEvent =
  | { kind: "open"; reconnect: boolean }
  | { kind: "frame"; values: LiveValues; rejected: string[] }
  | { kind: "bad-frame"; reason: string }
  | { kind: "closed"; reason: CloseReason; opened: boolean; failures: number; retryAt: number; detail: string };

export interface TelemetryOptions {
  host: string;
  port: number;
  /** No frame for this long while open: stalled (DEFAULT_STALL_MS). */
  stallMs?: number;
  /** For tests of the jitter; Math.random otherwise. */
  random?: () => number;
  /** Hears every text frame as received, before parsing. */
  onText?: (text: string) => void;
  /**
   * Runs before every reconnect (after the back-off wait, before the upgrade request), with how the last
   * connection ended; the connect waits for it (the feed writes the enable switch here, bounded in time).
   */
  beforeReconnect?: (reason: CloseReason, opened: boolean) => Promise<void>;
}

export class TelemetrySocket {
  private ws: WebSocket | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  private failures = 0;
  private openedAt: number | null = null;
  private everOpened = false;
  private lastError = "";
  /** Bumped by stop(): a reconnect whose beforeReconnect outlived a stop (or a stop and start) does not connect. */
  private generation = 0;

  constructor(
    private readonly options: TelemetryOptions,
    private readonly onEvent: (event: SocketEvent) => void,
  ) {}

  get url(): string {
    const host = this.options.host.includes(":") ? `[${this.options.host}]` : this.options.host;
    return `ws://${host}:${this.options.port}/`;
  }

  /** True while the connection is open. */
  get open(): boolean {
    return this.openedAt !== null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Closes the connection and clears every timer; no event follows. */
  stop(): void {
    this.stopped = true;
    this.generation++;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    this.openedAt = null;
    if (ws) {
      ws.removeAllListeners();
      ws.on("error", () => undefined); // a late error of a socket being torn down is no one's concern
      ws.terminate();
    }
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.retryTimer = null;
    this.stallTimer = null;
  }

  private connect(): void {
    this.lastError = "";
    const ws = new WebSocket(this.url, {
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES,
      followRedirects: false,
    });
    this.ws = ws;
    ws.on("open", () => {
      this.openedAt = Date.now();
      const reconnect = this.everOpened;
      this.everOpened = true;
      this.armStall();
      this.onEvent({ kind: "open", reconnect });
    });
    ws.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
      this.armStall();
      if (isBinary) return this.onEvent({ kind: "bad-frame", reason: "a binary frame" });
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString("utf8")
        : Buffer.from(data as ArrayBuffer).toString("utf8");
      this.options.onText?.(text);
      const frame = parseTelemetryFrame(text);
      if (frame.kind === "bad") this.onEvent({ kind: "bad-frame", reason: frame.reason });
      else if (frame.kind === "values") this.onEvent({ kind: "frame", values: frame.values, rejected: frame.rejected });
    });
    ws.on("error", (err: Error & { code?: string }) => {
      this.lastError = err.code ?? err.message;
    });
    ws.on("close", (code: number) => this.closed(ws, "closed", code));
  }

  /** Connects after the beforeReconnect step has settled (it never rejects the reconnect, whatever it throws). */
  private async reconnect(reason: CloseReason, opened: boolean): Promise<void> {
    const before = this.options.beforeReconnect;
    if (before) {
      const generation = this.generation;
      try {
        await before(reason, opened);
      } catch {
        // The step's failure is its own concern: the socket reconnects all the same.
      }
      if (generation !== this.generation) return;
    }
    if (this.stopped || this.ws) return;
    this.connect();
  }

  private armStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null;
      const ws = this.ws;
      if (ws) this.closed(ws, "stalled", 0);
    }, this.options.stallMs ?? DEFAULT_STALL_MS);
  }

  private closed(ws: WebSocket, how: "closed" | "stalled", code: number): void {
    if (ws !== this.ws || this.stopped) return;
    this.ws = null;
    ws.removeAllListeners();
    ws.on("error", () => undefined);
    if (how === "stalled") ws.terminate();
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
    const openedAt = this.openedAt;
    this.openedAt = null;
    const lasted = openedAt !== null ? Date.now() - openedAt : 0;
    const reason: CloseReason =
      how === "stalled" ? "stalled" : openedAt !== null && lasted >= ROUTINE_CLOSE_AFTER_MS ? "routine" : "failed";
    this.failures = reason === "routine" ? 0 : this.failures + 1;
    const wait = withJitter(reconnectBaseMs(this.failures), this.options.random ?? Math.random);
    const retryAt = Date.now() + wait;
    const detail =
      how === "stalled"
        ? `no frame for ${Math.round((this.options.stallMs ?? DEFAULT_STALL_MS) / 1000)} s`
        : this.lastError || `closed (code ${code})`;
    const opened = openedAt !== null;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) void this.reconnect(reason, opened);
    }, wait);
    this.onEvent({ kind: "closed", reason, opened, failures: this.failures, retryAt, detail });
  }
}
