// The PVS6 telemetry WebSocket (pvs-reference §2.6, §5.9): plain ws on its own port, served only once
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
  /** Connections are dropped at once, as while the socket is not enabled. */
  refuse: boolean;
}

export const DEFAULT_CLOSE_EVERY_MS = 10 * 60_000;
const FRAME_EVERY_MS = 1000;

interface Client {
  /** The values last sent to this client, by field. */
  sent: Map<string, number>;
  closeTimer: NodeJS.Timeout | null;
  /** A replay's recorded frames still to send. */
  replayTimers: NodeJS.Timeout[];
}

export class TelemetryServer {
  enabled = false;
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

  /**
   * `livedata`: the site's `/sys/livedata/` fields now, as numbers by field name. `recorded`: a replay's frames,
   * sent to each client as recorded, at their offsets from its connect, instead of frames made from `livedata`.
   */
  constructor(
    private readonly livedata: () => Record<string, number>,
    private readonly recorded: ReadonlyArray<{ atMs: number; frame: unknown }> | null = null,
  ) {
    this.server = http.createServer((_req, res) => {
      res.writeHead(426, { "Content-Type": "text/plain" });
      res.end("Upgrade Required");
    });
    this.server.on("connection", (socket: Socket) => {
      // Not enabled (or refusing): the port answers nothing; the connection ends at once.
      if (!this.enabled || this.settings.refuse) {
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

  async start(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
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
      client.replayTimers.forEach((t) => clearTimeout(t));
      ws.terminate();
    }
    this.clients.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    this.accepted++;
    const client: Client = { sent: new Map(), closeTimer: null, replayTimers: [] };
    this.clients.set(ws, client);
    if (this.settings.closeEveryMs > 0) {
      client.closeTimer = setTimeout(() => {
        client.closeTimer = null;
        ws.close(1000);
      }, this.settings.closeEveryMs);
    }
    ws.on("close", () => {
      if (client.closeTimer) clearTimeout(client.closeTimer);
      client.replayTimers.forEach((t) => clearTimeout(t));
      this.clients.delete(ws);
    });
    ws.on("error", () => undefined);
    ws.on("message", () => undefined); // the PVS ignores what clients send
    if (this.recorded) {
      for (const { atMs, frame } of this.recorded) {
        client.replayTimers.push(
          setTimeout(
            () => {
              if (this.settings.stall || ws.readyState !== WebSocket.OPEN) return;
              this.framesSent++;
              ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
            },
            Math.max(0, atMs),
          ),
        );
      }
      return;
    }
    this.sendFrame(ws, client);
    this.scheduleFrames();
  }

  private scheduleFrames(): void {
    if (this.frameTimer || this.clients.size === 0) return;
    this.frameTimer = setTimeout(() => {
      this.frameTimer = null;
      for (const [ws, client] of this.clients) this.sendFrame(ws, client);
      this.scheduleFrames();
    }, FRAME_EVERY_MS);
  }

  /** Sends the fields that changed since this client's last frame (all of them first), with the time. */
  private sendFrame(ws: WebSocket, client: Client): void {
    if (this.settings.stall || ws.readyState !== WebSocket.OPEN) return;
    const now = this.livedata();
    const params: Record<string, number> = {};
    for (const [field, value] of Object.entries(now)) {
      if (field !== "time" && client.sent.get(field) !== value) params[field] = value;
    }
    if (Object.keys(params).length === 0) return;
    if (now.time !== undefined) params.time = now.time;
    for (const [field, value] of Object.entries(params)) client.sent.set(field, value);
    this.framesSent++;
    ws.send(JSON.stringify({ notification: "power", params }));
  }
}
