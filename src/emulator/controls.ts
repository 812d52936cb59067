// What the emulated PVS is at any moment, and the controls tests use to change it: faults, firmware (LocalAPI on
// or off), sessions and caches, the telemetry socket's habits, a replay's clock, and the request log they read.
// The servers that answer from it are server.ts's; the answers themselves come from routes.ts.
import { changeDevices, Fault } from "./faults";
import { LocalApi, OwnerSettings } from "./localapi";
import {
  advanceRecording,
  recordedFrames,
  recordedModel,
  recordedSerial,
  recordedVariables,
  servesLocalApi,
} from "./replay";
import type { EmulatorOptions } from "./server";
import { checkRecording } from "./replay-check";
import { localLongitude, SimulatedSite } from "./site";
import { overlayStorageVariables, StorageControl } from "./storage-control";
import { TelemetryServer, TelemetrySettings } from "./telemetry";
import { siteVariables } from "./vars";
import { Recording } from "../model/recording";

export const DEFAULT_SERIAL = "ZT01234567890ABCDE";

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

/** A WebSocket upgrade request on the telemetry port, placed among the HTTP requests. */
export interface UpgradeRecord {
  at: number;
  /** HTTP requests received before it (its place in `requests`). */
  afterRequests: number;
  /** `vars:set` writes answered (or failed) by then. */
  writesAnswered: number;
}

/** A device-list answer a fault or a test may reshape. */
export type DeviceListAnswer = { devices: Array<Record<string, unknown>> };

export class EmulatorControls {
  readonly site: SimulatedSite;
  /** Every request received, in order. */
  readonly requests: RequestRecord[] = [];
  /** Every telemetry WebSocket upgrade request, in order. */
  readonly upgrades: UpgradeRecord[] = [];
  delayMs: number;
  /** Lets a test reshape each DeviceList answer (hide inverters, glitch a counter) before it is sent. */
  editDeviceList: ((answer: DeviceListAnswer) => void) | null = null;
  /** LocalAPI session lifetime, seconds from login; applies to later logins. */
  sessionTtlS: number;
  expiredSessionStatus: 401 | 500;
  /** What a read with a logged-out session cookie gets: the firmware's 401, or an empty 200 (seen on some units). */
  endedSessionAnswer: "401" | "empty-200" = "401";
  /** `/vars` requests that would return any of these names never answer. */
  hangVars: string[] = [];
  /** What CheckFW names as newer firmware; null: up to date (`{"url":"none"}`). */
  firmwareUpdateUrl: string | null = null;
  protected fault: Fault | null = null;
  protected readonly localApi: LocalApi;
  protected readonly telemetry: TelemetryServer;
  protected readonly replay: Recording | null;
  /** Requests being answered now, and the most ever at once. */
  protected active = 0;
  protected maxActive = 0;
  private readonly replayAdvanceRate: number;
  private readonly replayHold: ReadonlySet<string>;
  private readonly replayStartedAt = Date.now();
  private replayOffsetMs = 0;

  constructor(options: EmulatorOptions) {
    this.delayMs = options.delayMs ?? 0;
    this.sessionTtlS = options.sessionTtlS ?? 300;
    this.expiredSessionStatus = options.expiredSessionStatus ?? 401;
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
    // Checked before anything is built from it: a wrong recording is refused, never served in part.
    if (replay !== undefined) checkRecording(replay);
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
      // The sun follows this machine's day unless set: the one default of the emulator, its CLI and the demo.
      longitude: site.longitude ?? localLongitude((site.now ?? Date.now)()),
      serial: recorded.serial ?? site.serial ?? DEFAULT_SERIAL,
      now: site.now ?? Date.now,
    });
    this.telemetry = this.telemetryServer(telemetryEnabled === true, telemetryCloseEveryMs);
    this.localApi = new LocalApi(
      () => this.site.serial,
      this,
      () => this.variables(),
      {
        available: () => this.servesTelemetry(),
        enable: () => (this.telemetry.enabled = true),
      },
      this.ownerSettings(),
    );
  }

  /** The SunVault's writable settings, on a site that has one (else every other write stays read-only). */
  private ownerSettings(): OwnerSettings | null {
    if (!this.site.storage || this.replay) return null;
    const control = this.site.storageControl;
    return {
      check: (name, value) => control.check(name, value),
      write: (name, value) => void control.write(name, value, this.site.now()),
    };
  }

  private telemetryServer(enabled: boolean, closeEveryMs: number | undefined): TelemetryServer {
    const replay = this.replay;
    const telemetry = new TelemetryServer(
      () => this.livedata(),
      replay?.telemetry ? recordedFrames(replay.telemetry, () => this.replayElapsedMs()) : null,
    );
    telemetry.enabled = enabled && this.servesTelemetry();
    telemetry.onUpgrade = () =>
      this.upgrades.push({
        at: Date.now(),
        afterRequests: this.requests.length,
        writesAnswered: this.requests.filter((r) => r.command === "vars:set" && r.finishedAt !== null).length,
      });
    if (closeEveryMs !== undefined) telemetry.settings.closeEveryMs = closeEveryMs;
    return telemetry;
  }

  /** Only a PVS6 on new firmware has the telemetry WebSocket (PVS5: the enable write answers 400). */
  protected servesTelemetry(): boolean {
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

  /** A PVS reboot forgets every `/vars` cache. */
  forgetCaches(): void {
    this.localApi.forgetCaches();
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
  protected replayNow(recording: Recording): Recording {
    const elapsed = this.replayElapsedMs();
    return elapsed > 0 ? advanceRecording(recording, elapsed, this.replayHold) : recording;
  }

  /** The whole namespace at one instant; a test's `editDeviceList` reshapes it too. */
  protected variables(): Map<string, string> {
    if (this.replay) {
      const vars = recordedVariables(this.replayNow(this.replay));
      if (this.servesTelemetry()) vars.set("/sys/telemetryws/enable", this.telemetry.enabled ? "1" : "0");
      return vars;
    }
    const snapshot = this.site.snapshot();
    const answer = { devices: snapshot.devices };
    this.editDevices(answer);
    const vars = siteVariables(this.site, snapshot, answer.devices);
    overlayStorageVariables(vars, this.site.storageControl, snapshot.t);
    if (vars.has("/sys/telemetryws/enable")) vars.set("/sys/telemetryws/enable", this.telemetry.enabled ? "1" : "0");
    return vars;
  }

  /** The SunVault's settings, outages and the tests' switches (ignore writes, the cloud's revert). */
  get storage(): StorageControl {
    return this.site.storageControl;
  }

  /** The grid goes away now, for `durationMs` (default: until endOutage). */
  startOutage(durationMs = Infinity): void {
    this.site.storageControl.addOutage(this.site.now(), durationMs);
  }

  /** The grid is back now. */
  endOutage(): void {
    this.site.storageControl.endOutage(this.site.now());
  }

  /** A device-list fault, then the test's own edit. */
  protected editDevices(answer: DeviceListAnswer): void {
    if (this.fault?.kind === "devices") changeDevices(answer.devices, this.fault.change);
    this.editDeviceList?.(answer);
  }
}
