// One PVS as the nodes see it: which API it serves (detected, or set by the user), the shared client, and
// the readings every node asks for (device list, network status) in the same normalized shapes on both APIs.
import { SupervisorHealth, supervisorHealth } from "../model/command-answers";
import { applyLabels, DeviceList, DeviceSummary, summarize } from "../model/device";
import { CommPayload, normalizeComm } from "../model/legacy-comm";
import { maskSerial, redactDeep, redactText } from "../model/redact";
import { isJsonObject, JsonObject } from "../model/safe-object";
import { normalizeVarsComm } from "../model/varserver-comm";
import { normalizeDeviceList, legacySecrets } from "../model/legacy-device-list";
import { normalizeVars, supervisorDevice, varsSecrets } from "../model/varserver";
import { Health } from "./breaker";
import { RequestBudget } from "./budget";
import { ClientOptions, PvsClient } from "./client";
import { ApiDetection } from "./api-detection";
import { ApiKind, ApiSetting, buildFromVersion } from "./detect";
import { PvsError, PvsErrorCode } from "./errors";
import { legacyCommand, legacyPath } from "./legacy";
import { telemetryEnableRequest } from "./vars-query";
import { VarsGroups } from "./vars-groups";
import { LiveAccess, LiveFeed, FeedOptions } from "./live-feed";
import { DEFAULT_TELEMETRY_PORT } from "./telemetry";
import { liveFromVars, LiveValues } from "../model/live";
import { Freshness, PvsRequest, ReadOptions } from "./request";
import { DEVICE_LIST_REQUEST, DeviceListReading, readLegacyDeviceList } from "./read-device-list";

export interface ConnectionOptions extends Omit<ClientOptions, "localApi" | "redact"> {
  api: ApiSetting;
  /** The LocalAPI's HTTPS port (443 on a real PVS). */
  localApiPort: number;
  /** The PVS6 telemetry WebSocket's port (9002 on a real PVS). */
  telemetryPort?: number;
  /** Telemetry stall time and jitter source (tests). */
  telemetry?: FeedOptions;
  /** The owner password the user set; when empty, the last 5 characters of the serial. */
  password?: string | null;
  /** Names the user gave devices, by serial (the supervisor's by its masked serial, as outputs show it). */
  labels?: ReadonlyMap<string, string>;
  pinnedFingerprint?: string | null;
  localApiTimeoutMs?: number;
  renewAfterMs?: number;
  refusedHoldMs?: number;
  loginBackoffBaseMs?: number;
}

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

/** See PvsConnection.memo. */
export interface ConnectionMemo {
  format: 1;
  detection: { api: "legacy"; model: string | null; build: number | null; version: string | null; detectedAt: number } | null;
  deviceListStartedAt: number | null;
  /** When a 403 lock-out in force ends (epoch ms); absent in memos written before it was kept. */
  lockedOutUntil?: number | null;
}

export interface CommReading {
  api: ApiKind;
  payload: CommPayload;
}

/** A command's answer as received, and the strings it must be masked with before it leaves the package. */
export interface CommandReading {
  api: ApiKind;
  raw: JsonObject;
  secrets: string[];
}

export interface HealthReading {
  api: ApiKind;
  health: SupervisorHealth;
  /** The supervisor's record (legacy) or the system variables (LocalAPI), masked. */
  raw: JsonObject;
}

/**
 * Failures that are a command's outcome, not news about the firmware: they never trigger a fresh API detection.
 * (A legacy 403 still does, once per FORBIDDEN_REDETECT_MS: it may mean the firmware was updated.)
 */
const COMMAND_OUTCOMES = new Set<PvsErrorCode>(["PVS_NOT_SUPPORTED", "PVS_COMMAND_FAILED", "PVS_HTML_RESPONSE", "PVS_BAD_RESPONSE"]);

const SUPERVISOR_INFO = legacyPath("supervisor/info");
const GET_COMM = legacyCommand("Get_Comm");

export { REDETECT_AFTER_FAILURES } from "./api-detection";

export class PvsConnection implements LiveAccess {
  readonly client: PvsClient;
  private feed: LiveFeed | null = null;
  private readonly detection: ApiDetection;
  private lastDevices: DeviceSummary[] = [];
  private certificate: string | null = null;
  private readonly groups: VarsGroups;
  /** See onMemo: checked after each detection (the client reports each request's end itself). */
  private readonly memoWatchers = new Set<() => void>();

  constructor(private readonly options: ConnectionOptions) {
    const {
      api: _api,
      localApiPort,
      telemetryPort: _telemetryPort,
      telemetry: _telemetry,
      password: _password,
      labels: _labels,
      pinnedFingerprint,
      localApiTimeoutMs,
      renewAfterMs,
      refusedHoldMs,
      loginBackoffBaseMs,
      ...client
    } = options;
    this.client = new PvsClient({
      ...client,
      redact: (text) => this.redact(text),
      localApi: {
        port: localApiPort,
        password: () => this.password(),
        timeoutMs: localApiTimeoutMs,
        pinnedFingerprint: pinnedFingerprint ?? null,
        onCertificate: (fp) => (this.certificate = fp),
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
      detected: () => this.memoWatchers.forEach((check) => check()),
    });
  }

  /**
   * New settings from the pvs-config nodes that share this PVS (src/node-red/pvs-registry.ts): limits, the
   * password, device names. The rest (host, ports, API setting, pinned certificate) is what makes it this PVS.
   */
  retune(settings: Pick<ConnectionOptions, "timeoutMs" | "localApiTimeoutMs" | "spacingMs" | "deviceListEveryMs" | "password" | "labels">): void {
    Object.assign(this.options, settings);
    this.client.retune(settings);
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
      detectedAt: this.detection.detectedAtMs === null ? null : new Date(this.detection.detectedAtMs).toISOString(),
      certificate: this.certificate,
      pinned: this.options.pinnedFingerprint ?? null,
    };
  }

  /** Every string that must never leave the package unmasked. */
  secrets(): string[] {
    return [this.detection.lastIdentity?.serial, this.options.password].filter((s): s is string => typeof s === "string" && s.length > 0);
  }

  redact(text: string): string {
    return redactText(text, this.secrets());
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
   * The device list. On the legacy API, a DeviceList asked for again within the PVS's DeviceList interval
   * waits for it to pass ("wait"), or gets the last answer at once ("reuse").
   */
  async readDeviceList(signal: AbortSignal, read: Freshness | ReadOptions = "wait"): Promise<DeviceListReading> {
    const options: ReadOptions = typeof read === "string" ? { freshness: read } : read;
    return this.detection.withApi(signal, async (api) => {
      const reading = api === "legacy" ? await this.legacyDeviceList(signal, options) : await this.varsDeviceList(signal, options.shareWithinMs ?? 0);
      // A PVS always has meters or inverters: a list without them is a PVS starting up, not a site without devices.
      if (!reading.list.devices.some((d) => d.deviceType !== "PVS")) {
        const error = new PvsError("PVS_NO_DEVICES", "the PVS listed no devices (it may be starting up or rediscovering them); nothing was sent, the last readings are kept");
        this.client.reportFailure(error);
        throw error;
      }
      this.client.reportSuccess();
      applyLabels(reading.list.devices, this.options.labels ?? new Map());
      this.lastDevices = summarize(reading.list.devices);
      return reading;
    });
  }

  async readComm(signal: AbortSignal, { shareWithinMs = 0 }: ReadOptions = {}): Promise<CommReading> {
    return this.detection.withApi(signal, async (api) => {
      if (api === "legacy") return { api, payload: normalizeComm(await this.client.request(GET_COMM, signal, { shareWithinMs })) };
      const net = await this.groups.read("network", signal, shareWithinMs);
      const system = await this.groups.read("system", signal, shareWithinMs);
      return { api, payload: redactDeep(normalizeVarsComm(net, system), this.secrets()) };
    });
  }

  /**
   * A legacy `?Command=` read (pvs-command), sent only when the PVS serves the legacy API: LocalAPI firmware
   * answers these with 403, which would count as a failure (back-off, breaker) and set off a fresh detection,
   * so on the LocalAPI they are refused with PVS_NOT_SUPPORTED without asking the PVS.
   */
  async runLegacyCommand(request: PvsRequest, signal: AbortSignal): Promise<CommandReading> {
    return this.detection.withApi(
      signal,
      async (api) => {
        if (api !== "legacy") {
          throw new PvsError(
            "PVS_NOT_SUPPORTED",
            `${request.label} is a legacy dl_cgi command; this PVS serves the LocalAPI, whose firmware refuses ?Command= requests (HTTP 403). Nothing was sent. SupervisorInfo and SupervisorHealth work on both APIs`,
          );
        }
        const raw = await this.client.request(request, signal, { command: true });
        return { api, raw, secrets: [...this.secrets(), ...legacySecrets(raw)] };
      },
      COMMAND_OUTCOMES,
    );
  }

  /** `supervisor/info`: open on both firmware generations. */
  async readSupervisorInfo(signal: AbortSignal): Promise<CommandReading> {
    return this.detection.withApi(
      signal,
      async (api) => {
        const raw = await this.client.request(SUPERVISOR_INFO, signal, { command: true });
        return { api, raw, secrets: [...this.secrets(), ...legacySecrets(raw)] };
      },
      COMMAND_OUTCOMES,
    );
  }

  /**
   * The supervisor's health figures. Legacy: the PVS record of the DeviceList, through the DeviceList ration
   * (`freshness` "reuse" takes the last answer within the interval instead of asking again). LocalAPI: the
   * system variables, through their server-side cache.
   */
  async readSupervisorHealth(signal: AbortSignal, freshness: Freshness = "reuse"): Promise<HealthReading> {
    return this.detection.withApi(signal, async (api) => {
      if (api === "legacy") {
        const answer = await this.client.request(DEVICE_LIST_REQUEST, signal, { freshness });
        const list = normalizeDeviceList(answer);
        const record = Array.isArray(answer.devices) ? answer.devices.find((d) => isJsonObject(d) && d.DEVICE_TYPE === "PVS") : undefined;
        const secrets = [...this.secrets(), ...legacySecrets(answer)];
        return { api, health: supervisorHealth(api, list.supervisor), raw: redactDeep(isJsonObject(record) ? record : {}, secrets) };
      }
      const system = await this.groups.read("system", signal);
      const secrets = [...this.secrets(), ...varsSecrets(system)];
      return { api, health: redactDeep(supervisorHealth(api, supervisorDevice(system, null)), secrets), raw: redactDeep(system, secrets) };
    });
  }

  /**
   * What a Node-RED restart may take over where a context store keeps it (issue 19): a legacy detection, when
   * the last DeviceList started and when a 403 lock-out ends, so that a restart causes neither a detection nor a
   * request the ration, the lock-out and the last detection would not. Nothing secret: no serial, no password,
   * no answer.
   */
  memo(): ConnectionMemo | null {
    const detection = this.detection.memo();
    const deviceListAt = this.client.lastStart(DEVICE_LIST_REQUEST.key);
    const lockedOutUntil = this.client.lockedOutUntil();
    if (!detection && deviceListAt === null && lockedOutUntil === null) return null;
    return { format: 1, detection, deviceListStartedAt: deviceListAt, lockedOutUntil };
  }

  /**
   * Hears the memo whenever a request's end changed it (so that a crash, not only a close, leaves it stored);
   * returns the way to stop hearing.
   */
  onMemo(listener: (memo: ConnectionMemo) => void): () => void {
    let last = JSON.stringify(this.memo());
    const check = () => {
      const memo = this.memo();
      const text = JSON.stringify(memo);
      if (text === last || memo === null) return;
      last = text;
      listener(memo);
    };
    this.memoWatchers.add(check);
    const stop = this.client.onSettled(check);
    return () => {
      stop();
      this.memoWatchers.delete(check);
    };
  }

  /** Takes over a memo of a connection to this PVS before a restart (anything malformed is ignored). */
  restore(memo: unknown): void {
    if (!isJsonObject(memo) || memo.format !== 1) return;
    const d = memo.detection;
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
    const str = (v: unknown) => (typeof v === "string" ? v.slice(0, 64) : null);
    if (isJsonObject(d) && d.api === "legacy" && num(d.detectedAt) !== null) {
      this.detection.restore({ api: "legacy", model: str(d.model), build: num(d.build), version: str(d.version), detectedAt: num(d.detectedAt) as number });
    }
    const at = num(memo.deviceListStartedAt);
    if (at !== null) this.client.restoreStart(DEVICE_LIST_REQUEST.key, at);
    // Held as a lock-out only when it could be one: in the future, and no later than the longest wait.
    const until = num(memo.lockedOutUntil);
    if (until !== null) this.client.restoreLockout(until);
  }

  /** Logs out of the LocalAPI session (when there is one) and closes the connection. */
  close(): Promise<void> {
    this.feed?.close();
    this.feed = null;
    return this.client.closeAndLogout();
  }

  // The live feed (pvs-live): one per PVS, opened by the first subscriber, closed with the last.

  /** Joins the live feed, starting it on the first subscriber; the returned function leaves it (closing it when last). */
  subscribeLive(...args: Parameters<LiveFeed["subscribe"]>): () => void {
    const feed = (this.feed ??= new LiveFeed(this, this.options.telemetry));
    const leave = feed.subscribe(...args);
    return () => {
      leave();
      if (feed.subscriberCount === 0) {
        feed.close();
        if (this.feed === feed) this.feed = null;
      }
    };
  }

  noteFrame(text: string): void {
    this.client.answerLog.frame(text);
  }

  /** The live feed while it runs (for tests and the editor): null when no pvs-live node uses this PVS. */
  liveFeed(): LiveFeed | null {
    return this.feed;
  }

  get host(): string {
    return this.options.host;
  }

  get telemetryPort(): number {
    return this.options.telemetryPort ?? DEFAULT_TELEMETRY_PORT;
  }

  get spacingMs(): number {
    return this.options.spacingMs;
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
  async readLiveVars(signal: AbortSignal): Promise<LiveValues> {
    return this.detection.withApi(signal, async (api) => {
      if (api !== "localapi") throw new PvsError("PVS_BAD_CONFIG", "the live data variables need the LocalAPI (new firmware)");
      const live = liveFromVars(await this.groups.read("live", signal));
      if (Object.keys(live).length === 0) throw new PvsError("PVS_BAD_RESPONSE", "the PVS sent no live data variables");
      return live;
    });
  }

  async readLiveDeviceList(signal: AbortSignal): Promise<DeviceList> {
    return (await this.readDeviceList(signal, "reuse")).list;
  }

  /** Turns the PVS6 telemetry WebSocket on: the one write this package sends. False when the PVS has none (PVS5). */
  async enableTelemetry(signal: AbortSignal): Promise<boolean> {
    const answer = await this.client.request(telemetryEnableRequest(), signal);
    return answer.written === true;
  }

  private password(): string | null {
    if (this.options.password) return this.options.password;
    const serial = this.detection.identity?.serial;
    return serial && serial.length >= 5 ? serial.slice(-5) : null;
  }

  private async legacyDeviceList(signal: AbortSignal, options: ReadOptions): Promise<DeviceListReading> {
    const reading = await readLegacyDeviceList(this.client, signal, options);
    this.detection.noteBuild(buildFromVersion(typeof reading.list.supervisor?.properties.SWVER === "string" ? reading.list.supervisor.properties.SWVER : null));
    return reading;
  }

  private async varsDeviceList(signal: AbortSignal, shareWithinMs: number): Promise<DeviceListReading> {
    const devices = await this.groups.read("devices", signal, shareWithinMs);
    const live = await this.groups.read("live", signal, shareWithinMs);
    const system = await this.groups.read("system", signal, shareWithinMs);
    const secrets = [...this.secrets(), ...varsSecrets(system)];
    const normalized = normalizeVars({ devices, live, system });
    this.detection.noteBuild(buildFromVersion(typeof system["/sys/info/sw_rev"] === "string" ? system["/sys/info/sw_rev"] : null));
    this.groups.noteSerials(normalized.list.devices.map((d) => d.serial).filter((s): s is string => s !== null));
    return {
      api: "localapi",
      list: redactDeep(normalized.list, secrets),
      unknowns: normalized.unknowns,
      storage: normalized.storage,
      live: normalized.live,
      raw: { main: { ...devices, ...live, ...system }, storage: null },
      secrets,
    };
  }
}
