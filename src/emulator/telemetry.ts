// The PVS6 telemetry WebSocket (docs/protocol.md "Telemetry WebSocket"): plain ws on its own port, served only once
// `/sys/telemetryws/enable=1` was written, frames `{"notification":"power","params":{…}}` with only the fields
// that changed (about every second while values change), and the firmware's habits, switchable: it closes
// every connection after 10 minutes, it can go silent with TCP open (stall), and it can refuse connections.
import http from "http";
import { AddressInfo, Socket } from "net";
import { WebSocket, WebSocketServer } from "ws";

export interface TelemetrySettings {
  /** Close every connection this long after it opened (real firmware: 10 minutes); 0 never. */
  closeEveryMs: number;
  /** Connections stay open, but no frame is sent. */
  stall: boolean;
  /** Connections are accepted and dropped at once (a daemon that fails them; not enabled, the port is closed). */
  refuse: boolean;
}

export const DEFAULT_CLOSE_EVERY_MS = 10 * 60_000;
const FRAME_EVERY_MS = 1000;
/** The longest a Node timer waits (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const STORAGE_FIELDS = new Set(["ess_p", "ess_en", "soc", "backupTimeRemaining", "midstate"]);

/** A replay's telemetry: the recorded frames, sent to each client in a loop at their recorded offsets. */
export interface RecordedFrames {
  /** The frames in their recorded order, with their offsets (ms from the first). */
  frames: ReadonlyArray<{ atMs: number; frame: unknown }>;
  /** Frame `index` as it is sent now (a replay moved forward in time moves its time and counters). */
  frameNow(index: number): unknown;
}

/**
 * How long one round of a recording's frames lasts: its span plus the mean gap between its frames, so that the
 * rhythm runs on across the seam (one frame alone: the firmware's second).
 */
export function loopPeriodMs(frames: ReadonlyArray<{ atMs: number }>): number {
  const span = Math.max(0, ...frames.map((f) => f.atMs));
  return span + (frames.length > 1 && span > 0 ? span / (frames.length - 1) : FRAME_EVERY_MS);
}

interface Client {
  /** The values last sent to this client, by field. */
  sent: Map<string, number>;
  closeTimer: NodeJS.Timeout | null;
  /** A replay's next recorded frame. */
  replayTimer: NodeJS.Timeout | null;
  /** The `time` last sent and when (ms), so that a repeated frame carries a fresh one. */
  lastTime: { value: number; at: number } | null;
}

export class TelemetryServer {
  readonly settings: TelemetrySettings = { closeEveryMs: DEFAULT_CLOSE_EVERY_MS, stall: false, refuse: false };
  /** WebSocket connections accepted so far. */
  accepted = 0;
  /** Frames sent so far (to all clients). */
  framesSent = 0;
  /** Connections dropped at once (not enabled, or refusing). */
  refused = 0;
  /** Hears each WebSocket upgrade request as it arrives (the emulator logs it against its HTTP requests). */
  onUpgrade: (() => void) | null = null;
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly clients = new Map<WebSocket, Client>();
  private readonly sockets = new Set<Socket>();
  private frameTimer: NodeJS.Timeout | null = null;
  private isEnabled = false;
  /** Where the socket listens while enabled: the port is taken at start, so that it stays the same. */
  private bound: { port: number; host: string } | null = null;

  /**
   * `livedata`: the site's `/sys/livedata/` fields now, as numbers by field name. `recorded`: a replay's frames,
   * sent to each client at their offsets from its connect, over and over (a round lasts loopPeriodMs), instead of
   * frames made from `livedata`: a long replay never goes quiet, as a real PVS's socket does not.
   */
  constructor(
    private readonly livedata: () => Record<string, number>,
    private readonly recorded: RecordedFrames | null = null,
  ) {
    this.server = http.createServer((_req, res) => {
      res.writeHead(426, { "Content-Type": "text/plain" });
      res.end("Upgrade Required");
    });
    this.server.on("connection", (socket: Socket) => {
      // The refusing fault (or a connection that came just before a disable): accepted, then ended at once.
      if (!this.isEnabled || this.settings.refuse) {
        this.refused++;
        return void socket.destroy();
      }
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    // Listened to before the WebSocket server's own handler, so the log sees the request before the accept.
    this.server.on("upgrade", () => this.onUpgrade?.());
    this.wss = new WebSocketServer({ server: this.server, perMessageDeflate: false });
    this.wss.on("connection", (ws: WebSocket) => this.accept(ws));
  }

  /**
   * Takes the port; while the socket is not enabled it then stops listening, so that a connection is refused
   * (see `enabled`).
   */
  async start(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.bound = { port: (this.server.address() as AddressInfo).port, host };
    if (!this.isEnabled) await this.unlisten();
  }

  get port(): number {
    return this.bound?.port ?? 0;
  }

  /**
   * Whether `/sys/telemetryws/enable` is 1. Until then nothing listens on the port and a connection is refused (TCP
   * RST): "port 9002 does not open" on a unit without the socket (smcneece/ha-esunpower docs/CHANGELOG.md, PVS5),
   * and the clients write the enable before every connect for that reason (SunStrong-Management/pypvs
   * src/pypvs/pvs_websocket.py `enable_callback`). Turning it off again closes the port; open connections stay.
   */
  get enabled(): boolean {
    return this.isEnabled;
  }

  set enabled(on: boolean) {
    this.isEnabled = on;
    if (!this.bound) return;
    if (on && !this.server.listening) {
      // An IP host binds at once; a port taken meanwhile leaves the socket closed, as a failed daemon would.
      this.server.once("error", () => undefined);
      this.server.listen(this.bound.port, this.bound.host);
    } else if (!on && this.server.listening) void this.unlisten();
  }

  private unlisten(): Promise<void> {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** WebSocket connections open now. */
  get openClients(): number {
    return this.clients.size;
  }

  /** TCP connections open now (a leaked client shows here). */
  get openSockets(): number {
    return this.sockets.size;
  }

  /** Sends `text` as it is to every client (a test's broken frame). */
  sendRaw(text: string | Buffer): void {
    for (const ws of this.clients.keys()) if (ws.readyState === WebSocket.OPEN) ws.send(text);
  }

  /** Ends every connection now, as a PVS reboot does. */
  closeAll(code = 1001): void {
    for (const ws of [...this.clients.keys()]) ws.close(code);
  }

  async stop(): Promise<void> {
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.frameTimer = null;
    for (const [ws, client] of this.clients) {
      if (client.closeTimer) clearTimeout(client.closeTimer);
      if (client.replayTimer) clearTimeout(client.replayTimer);
      ws.terminate();
    }
    this.clients.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    this.bound = null;
    await this.unlisten();
  }

  private accept(ws: WebSocket): void {
    this.accepted++;
    const client: Client = { sent: new Map(), closeTimer: null, replayTimer: null, lastTime: null };
    this.clients.set(ws, client);
    if (this.settings.closeEveryMs > 0) {
      client.closeTimer = setTimeout(() => {
        client.closeTimer = null;
        ws.close(1000);
      }, this.settings.closeEveryMs);
    }
    ws.on("close", () => {
      if (client.closeTimer) clearTimeout(client.closeTimer);
      if (client.replayTimer) clearTimeout(client.replayTimer);
      this.clients.delete(ws);
    });
    ws.on("error", () => undefined);
    ws.on("message", () => undefined); // the PVS ignores what clients send
    if (this.recorded) {
      if (this.recorded.frames.length > 0) this.playRecorded(ws, client, this.recorded, Date.now(), 0, 0);
      return;
    }
    this.sendFrame(ws, client);
    this.scheduleFrames();
  }

  /** Sends recorded frame `index` of round `round` at its time from `openedAt`, then schedules the next one. */
  private playRecorded(
    ws: WebSocket,
    client: Client,
    recorded: RecordedFrames,
    openedAt: number,
    index: number,
    round: number,
  ): void {
    const roundStart = openedAt + (round > 0 ? round * loopPeriodMs(recorded.frames) : 0);
    const at = roundStart + Math.max(0, recorded.frames[index].atMs);
    // A timer cannot wait longer than MAX_TIMER_MS (Node fires a longer or a NaN one at once): such a frame and those
    // after it never come, rather than every frame in a flood. Recordings are refused before that (replay-check.ts).
    const wait = at - Date.now();
    if (!(wait <= MAX_TIMER_MS)) return;
    client.replayTimer = setTimeout(
      () => {
        client.replayTimer = null;
        if (ws.readyState !== WebSocket.OPEN) return;
        if (!this.settings.stall) {
          const frame = recorded.frameNow(index);
          this.framesSent++;
          ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
        }
        const last = index + 1 >= recorded.frames.length;
        this.playRecorded(ws, client, recorded, openedAt, last ? 0 : index + 1, last ? round + 1 : round);
      },
      Math.max(0, wait),
    );
  }

  private scheduleFrames(): void {
    if (this.frameTimer || this.clients.size === 0) return;
    this.frameTimer = setTimeout(() => {
      this.frameTimer = null;
      for (const [ws, client] of this.clients) this.sendFrame(ws, client);
      this.scheduleFrames();
    }, FRAME_EVERY_MS);
  }

  /**
   * Sends the fields that changed since this client's last frame (all of them first), with the time. The time
   * changes every second on a real unit, so a frame comes every second even when nothing else moved (the capture
   * test/fixtures/corpus/sneelco__hass-addon-pvs-recorder/ws_example.json carries `time` in its params): then
   * `time` alone, fresh even when the values stand still (a frozen replay), counted on from the last one sent.
   */
  private sendFrame(ws: WebSocket, client: Client): void {
    if (this.settings.stall || ws.readyState !== WebSocket.OPEN) return;
    const now = this.livedata();
    const params: Record<string, number> = {};
    // A PV-only unit's frames carry no storage fields (its ess_p is "nan"): the real frame (sneelco/hass-addon-pvs-
    // recorder ws_example.json) has only time and the pv, net and site_load power and energy.
    const storage = now.ess_p !== undefined;
    for (const [field, value] of Object.entries(now)) {
      if (!storage && STORAGE_FIELDS.has(field)) continue;
      if (field !== "time" && client.sent.get(field) !== value) params[field] = value;
    }
    const time = this.freshTime(client, now.time);
    if (Object.keys(params).length === 0 && time === null) return;
    if (time !== null) params.time = time;
    for (const [field, value] of Object.entries(params)) client.sent.set(field, value);
    this.framesSent++;
    ws.send(JSON.stringify({ notification: "power", params }));
  }

  /** The site's `time`, or, when it has not moved since the last frame, that one plus the seconds since. */
  private freshTime(client: Client, time: number | undefined): number | null {
    if (time === undefined) return null;
    const at = Date.now();
    const last = client.lastTime;
    const value = last && time <= last.value ? last.value + Math.max(0, Math.round((at - last.at) / 1000)) : time;
    if (!last || value !== last.value) client.lastTime = { value, at };
    return value;
  }
}
