// One PVS as the nodes see it: which API it serves (detected, or set by the user), the shared client, and
// the readings every node asks for (device list, network status) in the same normalized shapes on both APIs.
// A thin composition: the readings are in read-*.ts, the secrets in owner-secrets.ts, the shared live feed in
// live-feed-share.ts.
import { DeviceList, DeviceSummary, summarize } from "../../model/device";
import { maskSerial } from "../../model/redact";
import { LiveValues } from "../../model/live";
import { Health } from "../client/breaker";
import { RequestBudget } from "../client/budget";
import { ClientOptions, PvsClient } from "../client/client";
import { ApiDetection } from "./detection";
import { ApiKind, ApiSetting } from "./identity";
import { VarsGroups } from "../localapi/vars-groups";
import { LiveAccess, LiveFeed, FeedOptions, Subscription } from "../live/feed";
import { LiveFeedShare } from "../live/feed-share";
import { DEFAULT_TELEMETRY_PORT } from "../live/telemetry";
import { Freshness, PvsRequest, ReadOptions } from "../http/request";
import { DEVICE_LIST_REQUEST, DeviceListReading, readDeviceList } from "./read-device-list";
import { OwnerSecrets } from "./owner-secrets";
import { ReadContext } from "./read-context";
import { ConnectionMemory, isoTime, readMemory } from "./connection-memory";
import { CommReading, readComm } from "./read-comm";
import {
  CommandReading,
  HealthReading,
  readSupervisorHealth,
  readSupervisorInfo,
  runLegacyCommand,
} from "./read-commands";
import { enableTelemetry, readLiveVars } from "../live/read-live";
import { Follower, FollowTuning, PvsMove } from "./follow";
import { formatEndpoint } from "../http/transport";

export interface ConnectionOptions extends Omit<ClientOptions, "localApi" | "redact"> {
  api: ApiSetting;
  /** The LocalAPI's HTTPS port (443 on a real PVS). */
  localPort: number;
  /** The PVS6 telemetry WebSocket's port (9002 on a real PVS). */
  telemetryPort?: number;
  /** Telemetry stall time and jitter source (tests). */
  telemetry?: FeedOptions;
  /** The owner password the user set; when empty, the last 5 characters of the serial. */
  password?: string | null;
  /** Names the user gave devices, by serial (the supervisor's by its masked serial, as outputs show it). */
  labels?: ReadonlyMap<string, string>;
  fingerprint?: string | null;
  localApiTimeoutMs?: number;
  renewAfterMs?: number;
  refusedHoldMs?: number;
  loginBackoffBaseMs?: number;
  /** Follow the PVS to its new address when it stops answering at this one (follow.ts); off unless true. */
  follow?: boolean;
  /** The follow rule's timings and search (tests). */
  followTuning?: FollowTuning;
}

/**
 * The settings the pvs-config nodes sharing a PVS merge into one and may change on its live connection
 * (PvsConnection.retune); the others (host, protocol, ports) identify the connection.
 */
export type SharedSettings = Pick<
  ConnectionOptions,
  | "timeoutMs"
  | "localApiTimeoutMs"
  | "minSpacingMs"
  | "deviceListEveryMs"
  | "password"
  | "labels"
  | "api"
  | "fingerprint"
  | "follow"
>;

/** What may be shown about a PVS (editor, status, msg.pvs): nothing secret. */
export interface ConnectionInfo {
  setting: ApiSetting;
  /** The API in use; null until detected. */
  api: ApiKind | null;
  model: string | null;
  build: number | null;
  version: string | null;
  /** Masked: the last 5 characters are the password. */
  serial: string | null;
  detectedAt: string | null;
  /** SHA-256 fingerprint of the certificate the PVS last presented on the LocalAPI. */
  certificate: string | null;
  pinned: string | null;
}

export type { ConnectionMemory } from "./connection-memory";
export { REDETECT_AFTER_FAILURES } from "./detection";

export class PvsConnection implements LiveAccess {
  readonly client: PvsClient;
  private readonly detection: ApiDetection;
  private lastDevices: DeviceSummary[] = [];
  private certificate: string | null = null;
  private readonly groups: VarsGroups;
  private readonly owner: OwnerSecrets;
  private readonly read: ReadContext;
  private readonly live: LiveFeedShare;
  /** See onMemory: checked after each detection (the client reports each request's end itself). */
  private readonly memoryWatchers = new Set<() => void>();
  private readonly follower: Follower;

  constructor(private readonly options: ConnectionOptions) {
    const {
      api: _api,
      localPort,
      telemetryPort: _telemetryPort,
      telemetry: _telemetry,
      password: _password,
      labels: _labels,
      fingerprint,
      localApiTimeoutMs,
      renewAfterMs,
      refusedHoldMs,
      loginBackoffBaseMs,
      follow: _follow,
      followTuning,
      ...client
    } = options;
    this.client = new PvsClient({
      ...client,
      redact: (text) => this.redact(text),
      localApi: {
        port: localPort,
        password: () => this.owner.password(),
        timeoutMs: localApiTimeoutMs,
        fingerprint: fingerprint ?? null,
        onCertificate: (fp) => (this.certificate = fp),
        onSession: (cookie) => this.owner.heldSession(cookie),
        renewAfterMs,
        refusedHoldMs,
        loginBackoffBaseMs,
      },
    });
    this.groups = new VarsGroups(this.client, () => this.detection.lastIdentity?.model ?? null);
    this.detection = new ApiDetection(options.api, {
      request: (request, signal, opts) => this.client.request(request, signal, opts),
      readPublic: (signal, opts) => this.groups.readPublic(signal, opts),
      endBackoff: () => this.client.endBackoff(),
      forgotten: () => this.groups.forget(),
      detected: () => {
        this.follower.identified();
        this.memoryWatchers.forEach((check) => check());
      },
    });
    this.owner = new OwnerSecrets(this.detection, () => this.options.password);
    this.read = { client: this.client, detection: this.detection, groups: this.groups, secrets: this.owner };
    this.live = new LiveFeedShare(this, options.telemetry);
    this.follower = new Follower(
      {
        health: () => this.client.health(),
        // The last one read: a detection forgotten after failures in a row still knows whom it reached.
        serial: () => this.detection.lastIdentity?.serial ?? null,
        enabled: () => this.options.follow === true,
        redirect: (host) => this.redirect(host),
      },
      options.host,
      followTuning,
    );
    this.client.onSettled(() => this.follower.check());
  }

  /** Hears each change of the address requests go to (a PVS followed to its new address); returns the way to stop. */
  onMove(listener: (move: PvsMove) => void): () => void {
    return this.follower.onMove(listener);
  }

  /**
   * Every request from now on goes to `host`, same ports: the session of the old address is dropped, a pinned
   * certificate still applies (a moved PVS is the same box), the old address's back-off ends so the next poll goes.
   */
  private redirect(host: string): void {
    this.client.wire.moveTo(host);
    this.client.endpoint = formatEndpoint({ ...this.options, host });
    this.client.endBackoff();
    this.memoryWatchers.forEach((check) => check());
  }

  /**
   * New settings from the pvs-config nodes that share this PVS (src/node-red/pvs-registry.ts): limits, the
   * password, device names, the API setting and the pinned certificate, each taken from the next request on; the
   * ration, breaker, session and site are kept. Host, protocol and ports are what makes it this PVS.
   */
  retune(settings: Partial<SharedSettings>): void {
    Object.assign(this.options, settings);
    this.client.retune(settings);
    if (settings.api !== undefined) this.detection.change(settings.api);
    if (settings.follow === false) this.follower.turnedOff();
  }

  info(): ConnectionInfo {
    const id = this.detection.identity;
    return {
      setting: this.detection.setting,
      api: this.detection.inUse,
      model: id?.model ?? null,
      build: id?.build ?? null,
      version: id?.version ?? null,
      serial: id?.serial ? maskSerial(id.serial) : null,
      detectedAt: isoTime(this.detection.detectedAtMs),
      certificate: this.certificate,
      pinned: this.options.fingerprint ?? null,
    };
  }

  /** Every string that must never leave the package unmasked. */
  secrets(): string[] {
    return this.owner.list();
  }

  /** The LocalAPI session cookies held lately: masked wherever a diagnostics file would show them. */
  sessions(): string[] {
    return this.owner.sessions();
  }

  redact(text: string): string {
    return this.owner.redact(text);
  }

  /** The devices of the last device list read (for the editor's device pickers); serials as outputs show them. */
  devices(): DeviceSummary[] {
    return this.lastDevices;
  }

  health(): Health {
    return this.client.health();
  }

  budget(): RequestBudget {
    return this.client.budget();
  }

  onHealth(listener: (health: Health) => void): () => void {
    return this.client.onHealth(listener);
  }

  /**
   * The device list. On the legacy API, a DeviceList asked for again within the DeviceList ration waits for it
   * to pass ("wait"), or gets the last answer at once ("reuse").
   */
  async readDeviceList(signal: AbortSignal, read: Freshness | ReadOptions = "wait"): Promise<DeviceListReading> {
    const reading = await readDeviceList(this.read, signal, read, this.options.labels ?? new Map());
    this.lastDevices = summarize(reading.list.devices);
    return reading;
  }

  readComm(signal: AbortSignal, options: ReadOptions = {}): Promise<CommReading> {
    return readComm(this.read, signal, options);
  }

  /** A legacy `?Command=` read (pvs-command); refused without asking on the LocalAPI (see read-commands.ts). */
  runLegacyCommand(request: PvsRequest, signal: AbortSignal): Promise<CommandReading> {
    return runLegacyCommand(this.read, request, signal);
  }

  /** `supervisor/info`: open on both firmware generations. */
  readSupervisorInfo(signal: AbortSignal): Promise<CommandReading> {
    return readSupervisorInfo(this.read, signal);
  }

  /** The supervisor's health figures (legacy: through the DeviceList ration; LocalAPI: the system variables). */
  readSupervisorHealth(signal: AbortSignal, freshness: Freshness = "reuse"): Promise<HealthReading> {
    return readSupervisorHealth(this.read, signal, freshness);
  }

  /**
   * What a Node-RED restart may take over where a context store keeps it: a legacy detection, when
   * the last DeviceList started and when a 403 lock-out ends, so that a restart causes neither a detection nor a
   * request the ration, the lock-out and the last detection would not; while following is on, the serial's digest
   * and the followed address (follow.ts). Nothing secret: no serial, no password, no answer.
   */
  memory(): ConnectionMemory | null {
    const detection = this.detection.memory();
    const deviceListAt = this.client.lastStart(DEVICE_LIST_REQUEST.key);
    const lockedOutUntil = this.client.lockedOutUntil();
    const followed = this.follower.memory();
    if (!detection && deviceListAt === null && lockedOutUntil === null && !followed) return null;
    return { format: 1, detection, deviceListStartedAt: deviceListAt, lockedOutUntil, ...followed };
  }

  /**
   * Hears the memory whenever a request's end changed it (so that a crash, not only a close, leaves it stored);
   * returns the way to stop hearing.
   */
  onMemory(listener: (memory: ConnectionMemory) => void): () => void {
    let last = JSON.stringify(this.memory());
    const check = () => {
      const memory = this.memory();
      const text = JSON.stringify(memory);
      if (text === last || memory === null) return;
      last = text;
      listener(memory);
    };
    this.memoryWatchers.add(check);
    const stop = this.client.onSettled(check);
    return () => {
      stop();
      this.memoryWatchers.delete(check);
    };
  }

  /**
   * Takes over a memory of a connection to this PVS before a restart: only what readMemory believes (a field of the
   * wrong type or an impossible time is ignored, the rest kept).
   */
  restore(stored: unknown): void {
    const memory = readMemory(stored);
    if (!memory) return;
    if (memory.detection) this.detection.restore(memory.detection);
    if (memory.deviceListStartedAt !== null)
      this.client.restoreStart(DEVICE_LIST_REQUEST.key, memory.deviceListStartedAt);
    // Held as a lock-out only when it could be one: in the future, and no later than the longest wait.
    if (memory.lockedOutUntil != null) this.client.restoreLockout(memory.lockedOutUntil);
    this.follower.restore(memory);
  }

  /** Logs out of the LocalAPI session (when there is one) and closes the connection. */
  close(): Promise<void> {
    this.follower.close();
    this.live.close();
    return this.client.closeAndLogout();
  }

  // The live feed (pvs-live): one per PVS, opened by the first subscriber, closed with the last.

  /**
   * Joins the live feed, starting it on the first subscriber; the returned function leaves it (closing it when last).
   */
  subscribeLive(sub: Subscription): () => void {
    return this.live.subscribe(sub);
  }

  noteFrame(text: string): void {
    this.client.answerLog.frame(text);
  }

  /** The live feed while it runs (for tests and the editor): null when no pvs-live node uses this PVS. */
  liveFeed(): LiveFeed | null {
    return this.live.current;
  }

  /** Where requests go now: the configured host, or the address the PVS was followed to. */
  get host(): string {
    return this.follower.target;
  }

  /** The address the PVS was followed to; null while requests go to the configured host. */
  get followedTo(): string | null {
    return this.follower.target === this.follower.configured ? null : this.follower.target;
  }

  get telemetryPort(): number {
    return this.options.telemetryPort ?? DEFAULT_TELEMETRY_PORT;
  }

  get minSpacingMs(): number {
    return this.options.minSpacingMs;
  }

  get deviceListEveryMs(): number {
    return this.options.deviceListEveryMs ?? 0;
  }

  /** The API in use, detected first when unknown. */
  detectedApi(signal: AbortSignal): Promise<ApiKind> {
    return this.detection.ensure(signal);
  }

  model(): string | null {
    return this.detection.lastIdentity?.model ?? null;
  }

  /** The LocalAPI's `/sys/livedata/` variables through their server-side cache. */
  readLiveVars(signal: AbortSignal): Promise<LiveValues> {
    return readLiveVars(this.read, signal);
  }

  async readLiveDeviceList(signal: AbortSignal): Promise<DeviceList> {
    return (await this.readDeviceList(signal, "reuse")).list;
  }

  /** Turns the PVS6 telemetry WebSocket on: the one write this package sends. False when the PVS has none (PVS5). */
  enableTelemetry(signal: AbortSignal): Promise<boolean> {
    return enableTelemetry(this.read, signal);
  }
}
