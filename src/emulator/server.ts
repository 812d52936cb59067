// HTTP and HTTPS servers that behave like a PVS: the legacy dl_cgi API, or (new firmware) the LocalAPI
// `/auth` + `/vars` with the legacy DeviceList locked. For the demo and the tests.
import http from "http";
import https from "https";
import { AddressInfo } from "net";
import { changeDevices, Fault, hugeBody } from "./faults";
import { Answer, AUTH_BAD_REQUEST, LocalApi } from "./localapi";
import { SelfSignedCertificate, selfSignedCertificate } from "./self-signed";
import { SimulatedSite, SiteOptions } from "./site";
import { siteVariables } from "./vars";
import { Recording } from "../model/recording";
import {
  advanceRecording,
  recordedFrames,
  recordedLegacy,
  recordedModel,
  recordedSerial,
  recordedVariables,
  servesLocalApi,
} from "./replay";
import { TelemetryServer, TelemetrySettings } from "./telemetry";

/** The server's own settings, and the simulated site's (all optional here). */
export interface EmulatorOptions extends Partial<SiteOptions> {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Delay before every answer, in ms (a real DeviceList takes about 10 s). */
  delayMs?: number;
  /** Port of the HTTPS server (same paths as HTTP, as on a real PVS); 0 or undefined picks a free port. */
  httpsPort?: number;
  /** LocalAPI session lifetime in seconds, from login (default 300, as firmware 61707's cfg_timeout). */
  sessionTtlS?: number;
  /** What a request with an expired or unknown session cookie gets (real firmware answers either). */
  expiredSessionStatus?: 401 | 500;
  /** Port of the PVS6 telemetry WebSocket (9002 on a real PVS); 0 or undefined picks a free port. */
  telemetryPort?: number;
  /** The WebSocket starts enabled (a real PVS starts with it off until `/sys/telemetryws/enable=1`). */
  telemetryEnabled?: boolean;
  /** Close every WebSocket connection this long after it opened (default 10 minutes, as real firmware); 0 never. */
  telemetryCloseEveryMs?: number;
  /** Serve these recorded answers (a real capture) instead of the simulated site's; see replay.ts. */
  replay?: Recording;
  /** A replay moves forward in time at this many recorded ms per real ms (0 or unset: frozen); see advanceRecording. */
  replayAdvanceRate?: number;
  /**
   * Serials of replayed devices held still while the rest moves forward (a device that stopped reporting); see
   * advanceRecording.
   */
  replayHold?: string[];
  // `localApi` (new firmware: LocalAPI served, legacy DeviceList locked) comes from SiteOptions.
}

export type { Fault } from "./faults";

export interface RequestRecord {
  /**
   * `Command=` value, the dl_cgi sub-path such as `supervisor/info`, or `auth:login`, `auth:logout`, `vars`,
   * `vars:set`.
   */
  command: string;
  /** The raw query string, or a POST's body. */
  query?: string;
  /** On `vars` records: whether the request carried a valid session. */
  authenticated?: boolean;
  startedAt: number;
  finishedAt: number | null;
}

/** Commands a real PVS answers that change nothing; the emulator answers these. */
const READ_COMMANDS = new Set([
  "Start",
  "Stop",
  "DeviceList",
  "Get_Comm",
  "CheckFW",
  "GridProfileGet",
  "GetDiscoveryProgress",
  "DeviceDetails",
]);

export const DEFAULT_SERIAL = "ZT01234567890ABCDE";

/** What new firmware answers on the legacy list (krbaker#125). */
const LEGACY_LOCKED: Answer = { status: 403, body: { status: 403, error: "Unauthorized", path: "" } };
const NOT_FOUND: Answer = { status: 404, body: { result: "error", msg: "not found" } };
const NOT_ALLOWED: Answer = { status: 405, body: { result: "error", msg: "method not allowed" } };
/** Faults whose answer is the web server's own (an error page, another body): the request never reaches the handler. */
const WEB_SERVER_ANSWERS = new Set<Fault["kind"]>(["status", "body", "huge"]);

function commandOf(url: URL): string {
  if (url.pathname === "/cgi-bin/dl_cgi") return url.searchParams.get("Command") ?? "";
  if (url.pathname === "/auth")
    return url.searchParams.has("login") ? "auth:login" : url.searchParams.has("logout") ? "auth:logout" : "auth";
  // The one write a client may send is told apart, so that a fault can hit it alone.
  if (url.pathname === "/vars") return url.searchParams.has("set") ? "vars:set" : "vars";
  return url.pathname.replace(/^\/cgi-bin\/dl_cgi\/?/, "");
}

/** The query string exactly as it came on the request line, undecoded. */
function rawQuery(requestUrl: string): string {
  const at = requestUrl.indexOf("?");
  return at < 0 ? "" : requestUrl.slice(at + 1);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/** A WebSocket upgrade request on the telemetry port, placed among the HTTP requests. */
export interface UpgradeRecord {
  at: number;
  /** HTTP requests received before it (its place in `requests`). */
  afterRequests: number;
  /** `vars:set` writes answered (or failed) by then. */
  writesAnswered: number;
}

export class PvsEmulator {
  readonly site: SimulatedSite;
  /** Every request received, in order. */
  readonly requests: RequestRecord[] = [];
  /** Every telemetry WebSocket upgrade request, in order. */
  readonly upgrades: UpgradeRecord[] = [];
  delayMs: number;
  /** Lets a test reshape each DeviceList answer (hide inverters, glitch a counter) before it is sent. */
  editDeviceList: ((answer: { devices: Array<Record<string, unknown>> }) => void) | null = null;
  /** LocalAPI session lifetime, seconds from login; applies to later logins. */
  sessionTtlS: number;
  expiredSessionStatus: 401 | 500;
  /** What a read with a logged-out session cookie gets: the firmware's 401, or an empty 200 (seen on some units). */
  endedSessionAnswer: "401" | "empty-200" = "401";
  /** `/vars` requests that would return any of these names never answer. */
  hangVars: string[] = [];
  /** What CheckFW names as newer firmware; null: up to date (`{"url":"none"}`). */
  firmwareUpdateUrl: string | null = null;
  private fault: Fault | null = null;
  private readonly server: http.Server;
  private readonly httpsServer: https.Server;
  private certificate: SelfSignedCertificate;
  private previousCertificate: SelfSignedCertificate | null = null;
  private readonly localApi: LocalApi;
  private readonly host: string;
  private readonly wantedPort: number;
  private readonly wantedHttpsPort: number;
  private readonly wantedTelemetryPort: number;
  private readonly telemetry: TelemetryServer;
  private readonly replay: Recording | null;
  private readonly replayAdvanceRate: number;
  private readonly replayHold: ReadonlySet<string>;
  private readonly replayStartedAt = Date.now();
  private replayOffsetMs = 0;
  private active = 0;
  private maxActive = 0;
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(options: EmulatorOptions = {}) {
    this.host = options.host ?? "127.0.0.1";
    this.wantedPort = options.port ?? 0;
    this.wantedHttpsPort = options.httpsPort ?? 0;
    this.delayMs = options.delayMs ?? 0;
    this.sessionTtlS = options.sessionTtlS ?? 300;
    this.expiredSessionStatus = options.expiredSessionStatus ?? 401;
    this.wantedTelemetryPort = options.telemetryPort ?? 0;
    const {
      port: _port,
      host: _host,
      delayMs: _delay,
      httpsPort: _https,
      sessionTtlS: _ttl,
      expiredSessionStatus: _expired,
      telemetryPort: _tp,
      telemetryEnabled,
      telemetryCloseEveryMs,
      replay,
      replayAdvanceRate,
      replayHold,
      ...site
    } = options;
    this.replay = replay ?? null;
    this.replayAdvanceRate = replayAdvanceRate ?? 0;
    this.replayHold = new Set(replayHold ?? []);
    // A replay's identity is the recorded PVS's: its serial (hence its password), model and API.
    const recorded = replay
      ? {
          serial: recordedSerial(replay) ?? DEFAULT_SERIAL,
          model: recordedModel(replay) ?? "PVS6",
          localApi: servesLocalApi(replay),
        }
      : {};
    this.site = new SimulatedSite({
      ...site,
      ...recorded,
      inverters: site.inverters ?? 3,
      longitude: site.longitude ?? -117,
      serial: recorded.serial ?? site.serial ?? DEFAULT_SERIAL,
      now: site.now ?? Date.now,
    });
    this.telemetry = new TelemetryServer(
      () => this.livedata(),
      replay?.telemetry ? recordedFrames(replay.telemetry, () => this.replayElapsedMs()) : null,
    );
    this.telemetry.enabled = telemetryEnabled === true && this.servesTelemetry();
    this.telemetry.onUpgrade = () =>
      this.upgrades.push({
        at: Date.now(),
        afterRequests: this.requests.length,
        writesAnswered: this.requests.filter((r) => r.command === "vars:set" && r.finishedAt !== null).length,
      });
    if (telemetryCloseEveryMs !== undefined) this.telemetry.settings.closeEveryMs = telemetryCloseEveryMs;
    this.localApi = new LocalApi(
      () => this.site.serial,
      this,
      () => this.variables(),
      {
        available: () => this.servesTelemetry(),
        enable: () => (this.telemetry.enabled = true),
      },
    );
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    this.server = http.createServer(handler);
    this.certificate = selfSignedCertificate("pvs6.local");
    this.httpsServer = https.createServer({ key: this.certificate.key, cert: this.certificate.cert }, handler);
  }

  /** Starts the servers (HTTP, HTTPS, telemetry WebSocket); resolves to the HTTP port. */
  async start(): Promise<number> {
    await listen(this.server, this.wantedPort, this.host);
    try {
      await listen(this.httpsServer, this.wantedHttpsPort, this.host);
      await this.telemetry.start(this.wantedTelemetryPort, this.host);
    } catch (err) {
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
      if (this.httpsServer.listening) await new Promise<void>((resolve) => this.httpsServer.close(() => resolve()));
      throw err;
    }
    return this.port;
  }

  /** Only a PVS6 on new firmware has the telemetry WebSocket (PVS5: the enable write answers 400). */
  private servesTelemetry(): boolean {
    return this.site.model === "PVS6" && this.site.localApi;
  }

  get telemetryPort(): number {
    return this.telemetry.port;
  }

  /** Whether `/sys/telemetryws/enable` is 1 (the socket accepts connections). */
  get telemetryEnabled(): boolean {
    return this.telemetry.enabled;
  }

  /** WebSocket connections open now, TCP connections to the telemetry port open now, and those accepted so far. */
  get telemetryClients(): { open: number; sockets: number; accepted: number; refused: number; frames: number } {
    return {
      open: this.telemetry.openClients,
      sockets: this.telemetry.openSockets,
      accepted: this.telemetry.accepted,
      refused: this.telemetry.refused,
      frames: this.telemetry.framesSent,
    };
  }

  /** Sends `text` as it is to every telemetry client (a broken frame, for tests). */
  sendTelemetryRaw(text: string | Buffer): void {
    this.telemetry.sendRaw(text);
  }

  /** The telemetry socket's habits: closes after `closeEveryMs`, stalls (open, silent), refuses connections. */
  setTelemetryFault(fault: Partial<TelemetrySettings>): void {
    Object.assign(this.telemetry.settings, fault);
  }

  /** Ends every telemetry connection now (a reboot, a routine close). */
  closeTelemetry(code?: number): void {
    this.telemetry.closeAll(code);
  }

  /** The site's `/sys/livedata/` fields as the WebSocket sends them: numbers. */
  private livedata(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, value] of this.variables()) {
      if (!name.startsWith("/sys/livedata/")) continue;
      const n = Number(value);
      if (Number.isFinite(n)) out[name.slice("/sys/livedata/".length)] = n;
    }
    return out;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  get httpsPort(): number {
    return (this.httpsServer.address() as AddressInfo).port;
  }

  get httpsUrl(): string {
    return `https://${this.host}:${this.httpsPort}`;
  }

  /** SHA-256 of the current certificate, as `getPeerCertificate().fingerprint256` shows it. */
  get certificateFingerprint(): string {
    return this.certificate.fingerprint256;
  }

  /** A new key and certificate (as after a PVS replacement or reset); only new connections see it. */
  regenerateCertificate(): void {
    this.previousCertificate = this.certificate;
    this.useCertificate(selfSignedCertificate("pvs6.local"));
  }

  /** Back to the certificate before the last regeneration (the fault clears). */
  restoreCertificate(): void {
    if (this.previousCertificate) this.useCertificate(this.previousCertificate);
    this.previousCertificate = null;
  }

  private useCertificate(certificate: SelfSignedCertificate): void {
    this.certificate = certificate;
    this.httpsServer.setSecureContext({ key: certificate.key, cert: certificate.cert });
  }

  /** A firmware update: new build numbers, LocalAPI on or off, and (a reboot) no sessions or caches. */
  setLocalApi(on: boolean): void {
    this.site.localApi = on;
    this.telemetry.enabled = false;
    this.telemetry.closeAll();
    this.localApi.expireSessions();
    this.localApi.forgetCaches();
  }

  expireSessions(): void {
    this.localApi.expireSessions();
  }

  /** LocalAPI sessions still open (logged in, not expired, not logged out). */
  get openSessions(): number {
    return this.localApi.openSessions;
  }

  /** TCP connections open on either server right now. */
  async openConnections(): Promise<number> {
    const count = (server: http.Server | https.Server) =>
      new Promise<number>((resolve) => server.getConnections((_err, n) => resolve(n ?? 0)));
    return (await count(this.server)) + (await count(this.httpsServer)) + this.telemetry.openSockets;
  }

  /** A PVS reboot forgets every `/vars` cache. */
  forgetCaches(): void {
    this.localApi.forgetCaches();
  }

  async stop(): Promise<void> {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    await this.telemetry.stop();
    await Promise.all(
      [this.server, this.httpsServer].map((server) => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      }),
    );
  }

  setFault(fault: Fault | null): void {
    this.fault = fault;
  }

  /** Requests being answered right now (a hanging one stays until the client gives up). */
  get inFlight(): number {
    return this.active;
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
    const record: RequestRecord = { command: commandOf(url), startedAt: Date.now(), finishedAt: null };
    const query = rawQuery(req.url ?? "");
    if (query) record.query = query;
    const command = record.command;
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

    const fault =
      this.fault && this.fault.kind !== "devices" && (!this.fault.commands || this.fault.commands.includes(command))
        ? this.fault
        : null;
    // A login that reached the PVS makes its session whether or not its answer is ever read: fcgi_auth
    // (tjmonk/fcgi_auth, ProcessLoginQuery) calls SESSIONMGR_NewSession, then writes the answer, and nothing there
    // asks whether the client is still connected; the web server in front only fails to deliver it. So the login is
    // done as it arrives, and a delay, a hang, a reset or a cut-off answer only holds back or spoils the delivery.
    // The faults that stand for the web server's own answer (an error page, another body) never reach fcgi_auth.
    const handled =
      command === "auth:login" && !(fault && WEB_SERVER_ANSWERS.has(fault.kind))
        ? this.route(req, url, "", record)
        : undefined;
    if (fault?.kind === "hang") return; // never answers; the client's timeout must end it
    // A POST's form body is the query; read it at once, answer when it is complete (GETs stay synchronous).
    let body: string | null = null;
    const posted = req.method === "POST" ? readBody(req) : null;
    void posted?.then((text) => {
      body = text;
      if (text) record.query = text;
    });
    const answer = () => {
      if (fault?.kind === "reset") {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === "status")
        return this.send(
          res,
          fault.status,
          fault.body ?? `<html><body><h1>${fault.status}</h1></body></html>`,
          "text/html",
        );
      if (fault?.kind === "body") return this.send(res, 200, fault.body, fault.contentType ?? "application/json");
      if (fault?.kind === "huge") return this.stream(res, hugeBody(fault.megabytes));
      const routed = handled !== undefined ? handled : this.route(req, url, body ?? "", record);
      if (routed === null) return; // a hanging variable: never answers
      if (routed.status === 204) {
        // fcgi_auth's logout: `Status: 204 OK` and no body, no Content-Type.
        res.writeHead(204, routed.headers);
        res.end();
        return;
      }
      const text = routed.raw && typeof routed.body === "string" ? routed.body : JSON.stringify(routed.body);
      if (fault?.kind === "truncate")
        return this.send(
          res,
          routed.status,
          text.slice(0, Math.floor(text.length / 2)),
          "application/json",
          routed.headers,
        );
      if (fault?.kind === "reset-mid-body") {
        // The full length is announced, half is sent, then the connection drops.
        res.writeHead(routed.status, {
          ...routed.headers,
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(text),
        });
        res.write(text.slice(0, Math.floor(text.length / 2)), () => req.socket.destroy());
        return;
      }
      this.send(res, routed.status, text, "application/json", routed.headers);
    };
    const respond = () => {
      if (posted && body === null) void posted.then(answer);
      else answer();
    };
    // Without a delay, answer at once: tests that fake the clock still get their answers.
    const delay = fault?.kind === "delay" ? fault.ms : this.delayMs;
    if (delay <= 0) return respond();
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      respond();
    }, delay);
    this.pending.add(timer);
    res.on("close", () => {
      clearTimeout(timer);
      this.pending.delete(timer);
    });
  }

  /** The whole namespace at one instant; a test's `editDeviceList` reshapes it too. */
  private variables(): Map<string, string> {
    if (this.replay) {
      const vars = recordedVariables(this.replayNow());
      if (this.servesTelemetry()) vars.set("/sys/telemetryws/enable", this.telemetry.enabled ? "1" : "0");
      return vars;
    }
    const snapshot = this.site.snapshot();
    const answer = { devices: snapshot.devices };
    this.editDevices(answer);
    const vars = siteVariables(this.site, snapshot, answer.devices);
    if (vars.has("/sys/telemetryws/enable")) vars.set("/sys/telemetryws/enable", this.telemetry.enabled ? "1" : "0");
    return vars;
  }

  /** The answer to a request, or null to never answer. */
  private route(req: http.IncomingMessage, url: URL, body: string, record: RequestRecord): Answer | null {
    const method = req.method ?? "GET";
    if (url.pathname === "/auth" || url.pathname === "/vars") {
      if (!this.site.localApi) return NOT_FOUND;
      if (url.pathname === "/auth") {
        if (method !== "GET") return NOT_ALLOWED;
        // fcgi_auth's ProcessQuery compares the whole QUERY_STRING (strcmp): `login=1` or `login&x` is a bad request.
        const query = rawQuery(req.url ?? "");
        if (query === "login") return this.localApi.login(req.headers.authorization);
        if (query === "logout") return this.localApi.logout(req.headers.cookie);
        return AUTH_BAD_REQUEST;
      }
      if (method !== "GET" && method !== "POST") return NOT_ALLOWED;
      // The firmware reads the raw QUERY_STRING, or a POST body of at most 1,024 bytes (MAX_POST_LENGTH; more is
      // 413 "Invalid Content-Length", errorcode 0x1000), and decodes neither (see LocalApi.vars).
      if (method === "POST" && (Buffer.byteLength(body) === 0 || Buffer.byteLength(body) > 1024)) {
        return { status: 413, body: { status: 413, description: "Invalid Content-Length", errorcode: "0x1000" } };
      }
      const { answer, authenticated } = this.localApi.vars(
        method === "POST" ? body : rawQuery(req.url ?? ""),
        req.headers.cookie,
      );
      record.authenticated = authenticated;
      return answer;
    }
    if (method !== "GET") return NOT_ALLOWED;
    if (this.replay) return this.replayed(url);
    if (url.pathname === "/cgi-bin/dl_cgi") {
      if (this.site.localApi) return LEGACY_LOCKED;
      const command = url.searchParams.get("Command") ?? "";
      if (!READ_COMMANDS.has(command))
        return { status: 200, body: { result: "error", msg: `unsupported command ${command}` } };
      switch (command) {
        case "DeviceList": {
          const answer = this.site.deviceList();
          this.editDevices(answer);
          return { status: 200, body: answer };
        }
        case "Get_Comm":
          return { status: 200, body: this.site.comm() };
        case "Start":
          return { status: 200, body: this.site.supervisorInfo() };
        case "Stop":
          return { status: 200, body: { result: "succeed" } };
        case "CheckFW": {
          // Without a type it answers as before (the seed's sample); a type it does not know is an error.
          const type = url.searchParams.get("type");
          if (type !== null && type !== "residential" && type !== "commercial")
            return { status: 200, body: { result: "error", msg: "type must be residential or commercial" } };
          return { status: 200, body: { url: this.firmwareUpdateUrl ?? "none" } };
        }
        case "DeviceDetails":
          return { status: 200, body: this.deviceDetails(url.searchParams.get("SerialNumber")) };
        case "GetDiscoveryProgress":
          return { status: 200, body: this.discoveryProgress() };
        case "GridProfileGet":
          return {
            status: 200,
            body: {
              result: "succeed",
              active_name: "IEEE-1547a-2014 + 2020 CA Rule21",
              active_id: "816bf3302d337a42680b996227ddbc46abf9cd05",
              pending_name: "IEEE-1547a-2014 + 2020 CA Rule21",
              pending_id: "816bf3302d337a42680b996227ddbc46abf9cd05",
              percent: 100,
              supported_by: "ALL",
              status: "success",
            },
          };
      }
    }
    if (url.pathname === "/cgi-bin/dl_cgi/supervisor/info") return { status: 200, body: this.site.supervisorInfo() };
    if (url.pathname === "/cgi-bin/dl_cgi/energy-storage-system/status") {
      if (this.site.localApi) return LEGACY_LOCKED;
      const report = this.site.essStatus();
      return report
        ? { status: 200, body: report }
        : { status: 404, body: { result: "error", msg: "no energy storage system" } };
    }
    return NOT_FOUND;
  }

  /** Moves a replayed site forward by `ms` (its stamps and counters; see advanceRecording). */
  advanceReplay(ms: number): void {
    this.replayOffsetMs += Math.max(0, ms);
  }

  /** How far the replayed site has moved forward: advanceReplay and the advance rate. */
  private replayElapsedMs(): number {
    return (
      this.replayOffsetMs +
      (this.replayAdvanceRate > 0 ? (Date.now() - this.replayStartedAt) * this.replayAdvanceRate : 0)
    );
  }

  /** The recording as it reads now: moved forward by advanceReplay and the advance rate. */
  private replayNow(): Recording {
    const recording = this.replay as Recording;
    const elapsed = this.replayElapsedMs();
    return elapsed > 0 ? advanceRecording(recording, elapsed, this.replayHold) : recording;
  }

  /**
   * A legacy answer from the recording: 403 on LocalAPI firmware but for the open supervisor/info, 404 for what it
   * lacks.
   */
  private replayed(url: URL): Answer {
    const recording = this.replayNow();
    const key =
      url.pathname === "/cgi-bin/dl_cgi"
        ? (url.searchParams.get("Command") ?? "")
        : url.pathname.replace(/^\/cgi-bin\/dl_cgi\//, "");
    if (this.site.localApi && key !== "supervisor/info") return LEGACY_LOCKED;
    const answer = recordedLegacy(recording, key);
    return answer === null
      ? { status: 404, body: { result: "error", msg: `${key} is not in this recording` } }
      : { status: 200, body: answer };
  }

  /** The device's DeviceList record, or the error a PVS gives for a serial it does not know. */
  private deviceDetails(serial: string | null): Record<string, unknown> {
    if (!serial) return { result: "error", msg: "SerialNumber required" };
    const answer = this.site.deviceList();
    this.editDevices(answer);
    const device = answer.devices.find((d) => d.SERIAL === serial);
    return device ? { devices: [device], result: "succeed" } : { result: "error", msg: `device ${serial} not found` };
  }

  /** A finished discovery: what was found per device type (swagger's DiscoverProgressList). */
  private discoveryProgress(): Record<string, unknown> {
    const answer = this.site.deviceList();
    const count = (type: string) => answer.devices.filter((d) => d.TYPE === type).length;
    const progress = ["PVS5-METER-P", "PVS5-METER-C", "SOLARBRIDGE"].map((TYPE) => ({
      TYPE,
      PROGR: 100,
      NFOUND: count(TYPE),
    }));
    return { progress, complete: true, result: "succeed" };
  }

  /** A device-list fault, then the test's own edit. */
  private editDevices(answer: { devices: Array<Record<string, unknown>> }): void {
    if (this.fault?.kind === "devices") changeDevices(answer.devices, this.fault.change);
    this.editDeviceList?.(answer);
  }

  /** Sends a body chunk by chunk (chunked encoding), stopping when the client goes away. */
  private stream(res: http.ServerResponse, chunks: Iterator<string>): void {
    res.writeHead(200, { "Content-Type": "application/json" });
    const next = () => {
      for (;;) {
        if (res.destroyed) return;
        const chunk = chunks.next();
        if (chunk.done) return void res.end();
        if (!res.write(chunk.value)) return void res.once("drain", next);
      }
    };
    next();
  }

  private send(
    res: http.ServerResponse,
    status: number,
    body: string,
    contentType: string,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { ...headers, "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  }
}

function listen(server: http.Server | https.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
