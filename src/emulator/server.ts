// An HTTP server that behaves like a PVS6 on the legacy dl_cgi API, for the demo and the tests.
import http from "http";
import { AddressInfo } from "net";
import { SimulatedSite, SiteOptions } from "./site";

/** The server's own settings, and the simulated site's (all optional here). */
export interface EmulatorOptions extends Partial<SiteOptions> {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Delay before every answer, in ms (a real DeviceList takes about 10 s). */
  delayMs?: number;
}

/** A switchable misbehaviour, for the tests (applies to the listed commands, or to all). */
export type Fault =
  | { kind: "status"; status: number; body?: string; commands?: string[] }
  | { kind: "body"; body: string; contentType?: string; commands?: string[] }
  | { kind: "hang"; commands?: string[] }
  | { kind: "reset"; commands?: string[] };

export interface RequestRecord {
  /** `Command=` value, or the dl_cgi sub-path such as `supervisor/info`. */
  command: string;
  startedAt: number;
  finishedAt: number | null;
}

/** Commands a real PVS answers that change nothing; the emulator answers these. */
const READ_COMMANDS = new Set(["Start", "Stop", "DeviceList", "Get_Comm", "CheckFW", "GridProfileGet"]);

export const DEFAULT_SERIAL = "ZT01234567890ABCDE";

export class PvsEmulator {
  readonly site: SimulatedSite;
  /** Every request received, in order. */
  readonly requests: RequestRecord[] = [];
  delayMs: number;
  /** Lets a test reshape each DeviceList answer (hide inverters, glitch a counter) before it is sent. */
  editDeviceList: ((answer: { devices: Array<Record<string, unknown>> }) => void) | null = null;
  private fault: Fault | null = null;
  private readonly server: http.Server;
  private readonly host: string;
  private readonly wantedPort: number;
  private active = 0;
  private maxActive = 0;
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(options: EmulatorOptions = {}) {
    this.host = options.host ?? "127.0.0.1";
    this.wantedPort = options.port ?? 0;
    this.delayMs = options.delayMs ?? 0;
    const { port: _port, host: _host, delayMs: _delay, ...site } = options;
    this.site = new SimulatedSite({ ...site, inverters: site.inverters ?? 3, longitude: site.longitude ?? -117, serial: site.serial ?? DEFAULT_SERIAL, now: site.now ?? Date.now });
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.wantedPort, this.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    return this.port;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  setFault(fault: Fault | null): void {
    this.fault = fault;
  }

  /** Most requests that were ever being answered at the same moment. */
  get maxConcurrent(): number {
    return this.maxActive;
  }

  count(command?: string): number {
    return command === undefined ? this.requests.length : this.requests.filter((r) => r.command === command).length;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://pvs");
    const command = url.pathname === "/cgi-bin/dl_cgi" ? (url.searchParams.get("Command") ?? "") : url.pathname.replace(/^\/cgi-bin\/dl_cgi\/?/, "");
    const record: RequestRecord = { command, startedAt: Date.now(), finishedAt: null };
    this.requests.push(record);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.active--;
      record.finishedAt = Date.now();
    };
    res.on("close", finish);

    const fault = this.fault && (!this.fault.commands || this.fault.commands.includes(command)) ? this.fault : null;
    if (fault?.kind === "hang") return; // never answers; the client's timeout must end it
    const respond = () => {
      if (fault?.kind === "reset") {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === "status") return this.send(res, fault.status, fault.body ?? `<html><body><h1>${fault.status}</h1></body></html>`, "text/html");
      if (fault?.kind === "body") return this.send(res, 200, fault.body, fault.contentType ?? "application/json");
      const answer = this.route(req.method ?? "GET", url);
      this.send(res, answer.status, JSON.stringify(answer.body), "application/json");
    };
    // Without a delay, answer at once: tests that fake the clock still get their answers.
    if (this.delayMs <= 0) return respond();
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      respond();
    }, this.delayMs);
    this.pending.add(timer);
    res.on("close", () => {
      clearTimeout(timer);
      this.pending.delete(timer);
    });
  }

  private route(method: string, url: URL): { status: number; body: unknown } {
    if (method !== "GET") return { status: 405, body: { result: "error", msg: "method not allowed" } };
    if (url.pathname === "/cgi-bin/dl_cgi") {
      const command = url.searchParams.get("Command") ?? "";
      if (!READ_COMMANDS.has(command)) return { status: 200, body: { result: "error", msg: `unsupported command ${command}` } };
      switch (command) {
        case "DeviceList": {
          const answer = this.site.deviceList();
          this.editDeviceList?.(answer);
          return { status: 200, body: answer };
        }
        case "Get_Comm":
          return { status: 200, body: this.site.comm() };
        case "Start":
          return { status: 200, body: this.site.supervisorInfo() };
        case "Stop":
          return { status: 200, body: { result: "succeed" } };
        case "CheckFW":
          return { status: 200, body: { url: "none" } };
        case "GridProfileGet":
          return { status: 200, body: { result: "succeed", active_name: "IEEE-1547a-2014 + 2020 CA Rule21", active_id: "816bf3302d337a42680b996227ddbc46abf9cd05", pending_name: "IEEE-1547a-2014 + 2020 CA Rule21", pending_id: "816bf3302d337a42680b996227ddbc46abf9cd05", percent: 100, supported_by: "ALL", status: "success" } };
      }
    }
    if (url.pathname === "/cgi-bin/dl_cgi/supervisor/info") return { status: 200, body: this.site.supervisorInfo() };
    if (url.pathname === "/cgi-bin/dl_cgi/energy-storage-system/status") {
      const report = this.site.essStatus();
      return report ? { status: 200, body: report } : { status: 404, body: { result: "error", msg: "no energy storage system" } };
    }
    return { status: 404, body: { result: "error", msg: "not found" } };
  }

  private send(res: http.ServerResponse, status: number, body: string, contentType: string): void {
    res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  }
}
