// Live site values for every pvs-live node of one PVS, from the fastest source the PVS offers: the PVS6
// telemetry WebSocket, else the LocalAPI's cached `/sys/livedata/` variables polled, else (legacy firmware) the
// meters of the rationed device list. One feed per PVS, shared and refcounted like Node-RED's MQTT broker node:
// opened by the first subscriber, closed with the last, so two nodes never open two sockets.
import { DeviceList } from "../../model/device";
import { LiveValues, mergeLive } from "../../model/live";
import { ApiKind } from "../connection/identity";
import { PvsError, toPvsError } from "../http/errors";
import { CloseReason, SocketEvent, TelemetrySocket } from "./telemetry";

export type LiveSource = "WebSocket" | "livedata" | "device list";

export interface LiveUpdate {
  source: LiveSource;
  /** Every value known now (frames merged into the last known ones). */
  values: LiveValues;
  /** Legacy: the device list the values come from (a node reads the meters with its CT knowledge). */
  list?: DeviceList;
  /** Values read when a connection opened (or handed to a new subscriber): the base, not news. */
  seed: boolean;
}

export type FeedState =
  | { state: "starting" }
  /** Values arrive: from the socket, or by polling every `everyMs`. */
  | { state: "live"; source: LiveSource; everyMs: number | null }
  /** The socket closed and is reconnecting at `retryAt`. */
  | { state: "reconnecting"; reason: CloseReason; retryAt: number; failures: number; detail: string }
  /** A read failed; polling goes on. */
  | { state: "failed"; source: LiveSource; error: PvsError };

export interface FeedListener {
  update(update: LiveUpdate): void;
  state(state: FeedState): void;
  /** Something the user should hear about that is not an error (a bad frame). */
  warning(text: string): void;
}

export interface Subscription {
  /** The node's poll interval for the polled sources (ms). */
  pollMs: number;
  listener: FeedListener;
}

/** What the feed needs from the PVS connection (PvsConnection implements it). */
export interface LiveAccess {
  readonly host: string;
  readonly telemetryPort: number;
  /** Least time between two requests to the PVS, and between two device lists (legacy). */
  readonly minSpacingMs: number;
  readonly deviceListEveryMs: number;
  detectedApi(signal: AbortSignal): Promise<ApiKind>;
  model(): string | null;
  readLiveVars(signal: AbortSignal): Promise<LiveValues>;
  /** Legacy: the device list, within its ration (a recent answer is shared with pvs-device-list). */
  readLiveDeviceList(signal: AbortSignal): Promise<DeviceList>;
  /** Sends the one allowed write; false when the PVS has no telemetry WebSocket (PVS5: HTTP 400). */
  enableTelemetry(signal: AbortSignal): Promise<boolean>;
  /** Hears every telemetry frame as received (the diagnostics' answer log). */
  noteFrame?(text: string): void;
}

export interface FeedOptions {
  /** No telemetry frame for this long: the socket is stalled (see telemetry.ts). */
  stallMs?: number;
  random?: () => number;
}

/**
 * The enable switch is written before the first connect and again before every reconnect (after the firmware's
 * routine close, a stall or a refusal), as pypvs does before every connect (pvs_websocket.py `_run_websocket`
 * calls `enable_callback` on each attempt): the reconnect waits until the write is answered or failed, at most
 * ENABLE_WAIT_MS (a PVS that does not answer does not keep the socket closed). Rate-limited: at most one write per
 * ENABLE_EVERY_MS after a routine close or a stall (the firmware closes the socket about every 10 minutes, so each
 * routine reconnect gets its write), and while the socket is refused at most one per ENABLE_WHILE_REFUSED_MS
 * (its back-off grows meanwhile).
 */
export const ENABLE_EVERY_MS = 60_000;
export const ENABLE_WHILE_REFUSED_MS = 10 * 60_000;
export const ENABLE_WAIT_MS = 30_000;
/** After the PVS said it has no WebSocket, the feed polls; it looks again after this long. */
const RECHECK_WEBSOCKET_MS = 60 * 60_000;

export class LiveFeed {
  private readonly subscribers = new Set<Subscription>();
  private readonly controller = new AbortController();
  private socket: TelemetrySocket | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private values: LiveValues = {};
  private list: DeviceList | null = null;
  private source: LiveSource | null = null;
  private currentState: FeedState = { state: "starting" };
  private closed = false;
  private started = false;
  private lastEnableAt = -Infinity;
  private noWebSocketUntil = -Infinity;

  constructor(
    private readonly access: LiveAccess,
    private readonly options: FeedOptions = {},
  ) {}

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** True while the telemetry socket is open. */
  get socketOpen(): boolean {
    return this.socket?.open === true;
  }

  get state(): FeedState {
    return this.currentState;
  }

  /** Adds a subscriber; a late one gets the current state and values at once. Returns the way to leave. */
  subscribe(sub: Subscription): () => void {
    this.subscribers.add(sub);
    if (!this.started) {
      this.started = true;
      void this.run();
    } else {
      sub.listener.state(this.currentState);
      if (this.source && (Object.keys(this.values).length > 0 || this.list))
        sub.listener.update({
          source: this.source,
          values: { ...this.values },
          seed: true,
          ...(this.list ? { list: this.list } : {}),
        });
    }
    return () => {
      this.subscribers.delete(sub);
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.abort();
    this.socket?.stop();
    this.socket = null;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.subscribers.clear();
  }

  /** The shortest interval any subscriber asked for, never below the PVS's spacing (or the device list's ration). */
  pollEveryMs(source: LiveSource): number {
    const wanted = Math.min(...[...this.subscribers].map((s) => s.pollMs));
    const floor =
      source === "device list"
        ? Math.max(this.access.minSpacingMs, this.access.deviceListEveryMs)
        : this.access.minSpacingMs;
    return Math.max(Number.isFinite(wanted) ? wanted : 10_000, floor, 1000);
  }

  private emit(fn: (listener: FeedListener) => void): void {
    for (const sub of [...this.subscribers]) {
      try {
        fn(sub.listener);
      } catch {
        // One node's fault must not stop the others' feed.
      }
    }
  }

  private setState(state: FeedState): void {
    this.currentState = state;
    this.emit((l) => l.state(state));
  }

  private publish(source: LiveSource, update: LiveValues, seed: boolean, list?: DeviceList): void {
    this.source = source;
    // Frames carry only what changed; a poll reads everything there is.
    this.values = source === "WebSocket" ? mergeLive(this.values, update) : update;
    this.list = list ?? null;
    const values = { ...this.values };
    this.emit((l) => l.update({ source, values, seed, ...(list ? { list } : {}) }));
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    this.setState({ state: "starting" });
    let api: ApiKind;
    try {
      api = await this.access.detectedApi(signal);
    } catch (err) {
      if (this.closed) return;
      // The PVS cannot be reached yet: poll, which goes on asking (and detecting) at the interval.
      this.setState({ state: "failed", source: "livedata", error: toPvsError(err) });
      this.schedule(() => void this.run(), this.pollEveryMs("livedata"));
      return;
    }
    if (this.closed) return;
    if (api === "legacy") return this.poll("device list");
    if (this.access.model() === "PVS5" || Date.now() < this.noWebSocketUntil) return this.poll("livedata");
    await this.seed();
    if (this.closed) return;
    // The PVS starts with the socket off (pypvs doc/LocalAPI.md): switch it on first; a PVS without it answers 400.
    if (!(await this.enable())) return;
    if (this.closed) return;
    this.openSocket();
  }

  private schedule(fn: () => void, ms: number): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      if (!this.closed) fn();
    }, ms);
  }

  /** Reads the livedata variables as the base the frames are merged into. */
  private async seed(): Promise<void> {
    try {
      const values = await this.access.readLiveVars(this.controller.signal);
      if (!this.closed) this.publish("livedata", values, true);
    } catch (err) {
      const error = toPvsError(err);
      // Without a seed the frames still come: the first ones fill in the values.
      if (!this.closed && error.code !== "PVS_ABORTED")
        this.emit((l) =>
          l.warning(
            `could not read the live data variables to start from (${error.code}); values fill in as frames arrive`,
          ),
        );
    }
  }

  private openSocket(): void {
    const socket = new TelemetrySocket(
      {
        host: this.access.host,
        port: this.access.telemetryPort,
        stallMs: this.options.stallMs,
        random: this.options.random,
        onText: (text) => this.access.noteFrame?.(text),
        beforeReconnect: (reason, opened) => this.beforeReconnect(reason, opened),
      },
      (event) => this.onSocket(event),
    );
    this.socket = socket;
    socket.start();
  }

  private onSocket(event: SocketEvent): void {
    if (this.closed) return;
    switch (event.kind) {
      case "open":
        this.setState({ state: "live", source: "WebSocket", everyMs: null });
        // Frames carry only what changed: after a reconnect, read the base again (sent as a seed, not news).
        if (event.reconnect) void this.seed();
        return;
      case "frame":
        if (event.rejected.length > 0)
          this.emit((l) =>
            l.warning(`ignored telemetry fields of the wrong type or out of range: ${event.rejected.join(", ")}`),
          );
        if (Object.keys(event.values).length > 0) this.publish("WebSocket", event.values, false);
        return;
      case "bad-frame":
        this.emit((l) => l.warning(`ignored ${event.reason} from the telemetry WebSocket`));
        return;
      case "closed":
        // The switch is written in beforeReconnect, when the back-off has passed.
        this.setState({
          state: "reconnecting",
          reason: event.reason,
          retryAt: event.retryAt,
          failures: event.failures,
          detail: event.detail,
        });
        return;
    }
  }

  /**
   * Whatever closed the socket (a refusal, a stall, the routine close), the switch may be off again: write it
   * before the reconnect, rate-limited, and wait for its answer (at most ENABLE_WAIT_MS). A PVS that says it has
   * no socket is polled instead (enable stops the socket, which then does not connect).
   */
  private async beforeReconnect(reason: CloseReason, opened: boolean): Promise<void> {
    if (this.closed) return;
    const everyMs = !opened && reason === "failed" ? ENABLE_WHILE_REFUSED_MS : ENABLE_EVERY_MS;
    if (Date.now() - this.lastEnableAt < everyMs) return;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, ENABLE_WAIT_MS)));
    await Promise.race([this.enable(), waited]);
    clearTimeout(timer);
  }

  /** Writes the enable switch; false when this PVS has no telemetry WebSocket (polling the livedata then). */
  private async enable(): Promise<boolean> {
    this.lastEnableAt = Date.now();
    let enabled: boolean;
    try {
      enabled = await this.access.enableTelemetry(this.controller.signal);
    } catch (err) {
      const error = toPvsError(err);
      if (this.closed || error.code === "PVS_ABORTED") return false;
      // Could not ask (PVS busy, unreachable): the socket keeps retrying with back-off, and asks again later.
      this.emit((l) => l.warning(`could not enable the telemetry WebSocket (${error.code}); retrying the socket`));
      return true;
    }
    if (this.closed) return false;
    if (enabled) return true;
    // This PVS has no telemetry WebSocket (PVS5, or a firmware without it): poll the livedata variables.
    this.noWebSocketUntil = Date.now() + RECHECK_WEBSOCKET_MS;
    this.socket?.stop();
    this.socket = null;
    this.poll("livedata");
    return false;
  }

  private poll(source: Exclude<LiveSource, "WebSocket">): void {
    const tick = async () => {
      const everyMs = this.pollEveryMs(source);
      try {
        if (source === "device list") {
          const list = await this.access.readLiveDeviceList(this.controller.signal);
          if (this.closed) return;
          this.setState({ state: "live", source, everyMs });
          this.publish(source, {}, false, list);
        } else {
          const values = await this.access.readLiveVars(this.controller.signal);
          if (this.closed) return;
          this.setState({ state: "live", source, everyMs });
          this.publish(source, values, false);
        }
      } catch (err) {
        const error = toPvsError(err);
        if (this.closed || error.code === "PVS_ABORTED") return;
        this.setState({ state: "failed", source, error });
      }
      if (this.closed) return;
      // The PVS says it has no socket for an hour: then look again (a firmware update may have added it).
      if (
        source === "livedata" &&
        this.noWebSocketUntil > -Infinity &&
        Date.now() >= this.noWebSocketUntil &&
        this.access.model() !== "PVS5"
      ) {
        this.noWebSocketUntil = -Infinity;
        this.schedule(() => void this.run(), everyMs);
        return;
      }
      this.schedule(() => void tick(), everyMs);
    };
    void tick();
  }
}
