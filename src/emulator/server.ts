// HTTP and HTTPS servers that behave like a PVS: the legacy dl_cgi API, or (new firmware) the LocalAPI
// `/auth` + `/vars` with the legacy DeviceList locked. For the demo and the tests. This file holds the servers'
// lifecycle and each request's path through them; the state and the controls tests use are controls.ts's, the
// answers routes.ts's, and how a fault spoils their delivery delivery.ts's.
import http from "http";
import https from "https";
import { AddressInfo } from "net";
import { EmulatorControls, RequestRecord } from "./controls";
import { deliver, readBody, WEB_SERVER_ANSWERS } from "./delivery";
import { Fault } from "./faults";
import { Answer } from "./localapi";
import { PvsMdnsResponder } from "./mdns";
import { commandOf, rawQuery, requestUrl, route, RouteContext } from "./routes";
import { SelfSignedCertificate, selfSignedCertificate } from "./self-signed";
import { SiteOptions } from "./site";
import { Recording } from "../model/recording";

export type { Fault } from "./faults";
export { DEFAULT_SERIAL } from "./controls";
export type { RequestRecord, UpgradeRecord } from "./controls";

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
  /**
   * Serve these recorded answers (a real capture) instead of the simulated site's; see replay.ts. One that is not a
   * recording makes the constructor throw a RecordingError naming what is wrong (replay-check.ts).
   */
  replay?: Recording;
  /** A replay moves forward in time at this many recorded ms per real ms (0 or unset: frozen); see advanceRecording. */
  replayAdvanceRate?: number;
  /**
   * Serials of replayed devices held still while the rest moves forward (a device that stopped reporting); see
   * advanceRecording.
   */
  replayHold?: string[];
  /** Announce this unit by mDNS on this one IPv4 address (its HTTP port); off unless asked for. */
  mdns?: { address: string };
  // `localApi` (new firmware: LocalAPI served, legacy DeviceList locked) comes from SiteOptions.
}

/** What a request gets when answering it failed inside the emulator: the process carries on. */
const INTERNAL_ERROR: Answer = { status: 500, body: { result: "error", msg: "internal error" } };
const BAD_REQUEST: Answer = { status: 400, body: { result: "error", msg: "bad request" } };

export class PvsEmulator extends EmulatorControls {
  private readonly server: http.Server;
  private readonly httpsServer: https.Server;
  private certificate: SelfSignedCertificate;
  private previousCertificate: SelfSignedCertificate | null = null;
  private host: string;
  private readonly wantedPort: number;
  private readonly wantedHttpsPort: number;
  private readonly wantedTelemetryPort: number;
  private readonly routes: RouteContext;
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly mdnsAddress: string | undefined;
  private responder: PvsMdnsResponder | undefined;

  constructor(options: EmulatorOptions = {}) {
    super(options);
    this.mdnsAddress = options.mdns?.address;
    this.host = options.host ?? "127.0.0.1";
    this.wantedPort = options.port ?? 0;
    this.wantedHttpsPort = options.httpsPort ?? 0;
    this.wantedTelemetryPort = options.telemetryPort ?? 0;
    this.routes = {
      site: this.site,
      localApi: this.localApi,
      replayNow: () => (this.replay ? this.replayNow(this.replay) : null),
      editDevices: (answer) => this.editDevices(answer),
      firmwareUpdateUrl: () => this.firmwareUpdateUrl,
    };
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
      if (this.mdnsAddress !== undefined) await this.announce(this.mdnsAddress);
    } catch (err) {
      await this.telemetry.stop();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
      if (this.httpsServer.listening) await new Promise<void>((resolve) => this.httpsServer.close(() => resolve()));
      throw err;
    }
    return this.port;
  }

  private async announce(address: string): Promise<void> {
    const { model, serial } = this.site;
    const responder = new PvsMdnsResponder({ model, serial, address, port: this.port });
    await responder.start();
    this.responder = responder;
  }

  /**
   * Moves the running PVS to another address, as a DHCP lease after a reboot does: HTTP and HTTPS stop listening and
   * listen again on `host`, same ports, same serial and counters; the mDNS announcement moves with them. The telemetry
   * WebSocket stays where it was.
   */
  async moveTo(host: string): Promise<void> {
    for (const server of [this.server, this.httpsServer]) {
      const { port } = server.address() as AddressInfo;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await listen(server, port, host);
    }
    this.host = host;
    await this.responder?.moveTo(host);
  }

  async stop(): Promise<void> {
    await this.responder?.stop();
    this.responder = undefined;
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

  /** TCP connections open on either server right now. */
  async openConnections(): Promise<number> {
    const count = (server: http.Server | https.Server) =>
      new Promise<number>((resolve) => server.getConnections((_err, n) => resolve(n ?? 0)));
    return (await count(this.server)) + (await count(this.httpsServer)) + this.telemetry.openSockets;
  }

  /** Logs the request, then answers it under the fault that targets it, after the delay. */
  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = requestUrl(req.url ?? "/");
    const record = this.track(req, res, url ? commandOf(url) : "");
    // A request-target no URL can be made of (`//[`) is a 400 (RFC 9112 section 3), before any route.
    if (url === null) return this.deliverSafely(req, res, null, () => BAD_REQUEST);
    const fault =
      this.fault &&
      this.fault.kind !== "devices" &&
      (!this.fault.commands || this.fault.commands.includes(record.command))
        ? this.fault
        : null;
    // A login that reached the PVS makes its session whether or not its answer is ever read: fcgi_auth
    // (tjmonk/fcgi_auth, ProcessLoginQuery) calls SESSIONMGR_NewSession, then writes the answer, and nothing there
    // asks whether the client is still connected; the web server in front only fails to deliver it. So the login is
    // done as it arrives, and a delay, a hang, a reset or a cut-off answer only holds back or spoils the delivery.
    // The faults that stand for the web server's own answer (an error page, another body) never reach fcgi_auth.
    const handled =
      record.command === "auth:login" && !(fault && WEB_SERVER_ANSWERS.has(fault.kind))
        ? this.answer(req, url, "", record)
        : undefined;
    if (fault?.kind === "hang") return; // never answers; the client's timeout must end it
    // A POST's form body is the query; read it at once, answer when it is complete (GETs stay synchronous).
    let body: string | null = null;
    const posted = req.method === "POST" ? readBody(req) : null;
    void posted?.then((text) => {
      body = text;
      if (text) record.query = text;
    });
    const respond = () => {
      const send = () =>
        this.deliverSafely(req, res, fault, () =>
          handled !== undefined ? handled : this.answer(req, url, body ?? "", record),
        );
      if (posted && body === null) void posted.then(send);
      else send();
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

  /** Adds the request to the log and to the count of those in flight until its connection closes. */
  private track(req: http.IncomingMessage, res: http.ServerResponse, command: string): RequestRecord {
    const record: RequestRecord = { command, startedAt: Date.now(), finishedAt: null };
    const query = rawQuery(req.url ?? "");
    if (query) record.query = query;
    this.requests.push(record);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    let finished = false;
    res.on("close", () => {
      if (finished) return;
      finished = true;
      this.active--;
      record.finishedAt = Date.now();
    });
    return record;
  }

  /** The routed answer; a failure inside the emulator is a 500, never a thrown error. */
  private answer(req: http.IncomingMessage, url: URL, body: string, record: RequestRecord): Answer | null {
    try {
      return route(this.routes, req, url, body, record);
    } catch {
      return INTERNAL_ERROR;
    }
  }

  /** Delivers, so that nothing thrown while sending can end the process: the connection drops instead. */
  private deliverSafely(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    fault: Fault | null,
    answer: () => Answer | null,
  ): void {
    try {
      deliver(req, res, fault, answer);
    } catch {
      if (!res.headersSent) deliver(req, res, null, () => INTERNAL_ERROR);
      else req.socket.destroy();
    }
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
