// pvs-live: site power and energy every few seconds, for automations that follow the sun (charge the car, run
// the pool pump on surplus). Joins its PVS's shared live feed (the telemetry WebSocket, else polled livedata,
// else the device list's meters) and sends on every update, on a change beyond a threshold, or at most every N s.
import { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from "node-red";
import { inUnits, liveFromDeviceList, LivePayload, livePayload, LiveValues } from "../../src/model/live";
import { backupFromDevices, backupFromLive } from "../../src/model/backup-readings";
import { backupStatus } from "../../src/model/backup-state";
import { emptyEvidence, SiteMemory } from "../../src/model/site-memory";
import { UnitSystem } from "../../src/model/units";
import { FeedState, LiveSource, LiveUpdate } from "../../src/pvs/live/feed";
import { toPvsError } from "../../src/pvs/http/errors";
import { numberSetting } from "../../src/node-red/numbers";
import { SendMode, SendPolicy } from "../../src/node-red/live-policy";
import { clock, editorText, sourceOf, Translate } from "../../src/node-red/status";
import { BackupEvents } from "../../src/node-red/backup-events";
import { ConfigUser } from "../../src/node-red/config-user";
import { defaultNumber, migrateSettings } from "../../src/node-red/node-settings";
import { PVS_LIVE_SETTINGS } from "./settings";

interface LiveDef extends NodeDef {
  server: string;
  /** "update" | "change" (default) | "interval". */
  send?: string;
  /** Watts: the least change that is news ("change"). */
  threshold?: string | number;
  /** Seconds: the least time between messages ("interval"). */
  every?: string | number;
  /** Seconds between two reads when the PVS has no WebSocket (livedata, device list). */
  interval?: string | number;
  units?: string;
  topic?: string;
}

/** What the node remembers of the last update: enough to send on input. */
interface Latest {
  values: LiveValues;
  source: LiveSource;
}

/** Output 1 the readings, output 2 the backup events. */
type Send = (msgs: Array<NodeMessage | null>) => void;

const DEFAULT_TOPIC = "pvs/live";
/** The number settings (their defaults in NODE_DEFAULTS). */
type NumberName = "threshold" | "every" | "interval";
/** A warning about bad frames at most this often: a broken firmware must not flood the log. */
const WARN_EVERY_MS = 60_000;

/** The node's settings, checked: out of range is a setup error, and the node then runs nothing. */
interface LiveSettings {
  mode: SendMode;
  units: UnitSystem;
  thresholdW: number;
  everyMs: number;
  pollMs: number;
  topic: string;
  settingError: string | null;
}

function liveSettings(def: LiveDef): LiveSettings {
  // Blank is the default (one source: NODE_DEFAULTS); out of range is a setup error, and the node then runs
  // nothing, so the value it would have used does not matter: the default again.
  const setting = (name: NumberName, min: number, max: number, label: string) =>
    numberSetting(def[name], defaultNumber(PVS_LIVE_SETTINGS, name), min, max, label);
  const threshold = setting("threshold", 0, 1_000_000, "threshold");
  const every = setting("every", 1, 86_400, "at most every");
  const interval = setting("interval", 1, 3600, "poll interval");
  const problem = [threshold, every, interval].find((s): s is { error: string } => "error" in s);
  const valueOf = (s: { value: number } | { error: string }, name: NumberName) =>
    "value" in s ? s.value : defaultNumber(PVS_LIVE_SETTINGS, name);
  return {
    mode: def.send === "update" || def.send === "interval" ? def.send : "change",
    units: def.units === "si" ? "si" : "pvs",
    thresholdW: valueOf(threshold, "threshold"),
    everyMs: valueOf(every, "every") * 1000,
    pollMs: valueOf(interval, "interval") * 1000,
    topic: def.topic && def.topic.trim() !== "" ? def.topic.trim() : DEFAULT_TOPIC,
    settingError: problem?.error ?? null,
  };
}

function sourceText(t: Translate, source: LiveSource, everyMs: number | null): string {
  if (source === "WebSocket") return t("status.websocket");
  const seconds = Math.round((everyMs ?? 0) / 1000);
  return source === "livedata" ? t("status.livedataEvery", { seconds }) : t("status.deviceListEvery", { seconds });
}

function gridText(t: Translate, values: LiveValues): string {
  const p: LivePayload = livePayload(values, Date.now());
  if (p.net_kw === undefined) return t("status.noGrid");
  return p.net_kw < 0
    ? t("status.exporting", { kw: (-p.net_kw).toFixed(1) })
    : t("status.importing", { kw: p.net_kw.toFixed(1) });
}

/** One pvs-live node at work: its feed's updates and states in, messages and status out. */
class LiveRun {
  readonly user: ConfigUser;
  private readonly policy: SendPolicy<Latest>;
  private latest: Latest | null = null;
  private memory: SiteMemory | null = null;
  private sourceLabel = "";
  /** The SunVault's grid state: one `pvs/backup` message per change. */
  private readonly backup = new BackupEvents();
  private lastWarnAt = -Infinity;

  constructor(
    RED: NodeAPI,
    private readonly node: Node,
    private readonly s: LiveSettings,
    server: string,
  ) {
    this.user = new ConfigUser(RED, node, {
      server,
      settingError: s.settingError,
      dedupeStatus: true,
      onHealed: () => {
        this.user.showingHealth = false;
        if (this.latest) this.okStatus(this.latest);
      },
    });
    this.policy = new SendPolicy<Latest>({ mode: s.mode, thresholdW: s.thresholdW, everyMs: s.everyMs }, (l) => {
      if (!this.user.closed) node.send([this.message({}, l), null]);
    });
    this.user.onClose(() => this.policy.cancel());
  }

  /** Joins the PVS's shared live feed, when the node can work. */
  start(): void {
    const { config, pvs } = this.user;
    if (!pvs || !config) return;
    // Legacy: the consumption CT is read with what pvs-device-list learnt about it (kept per PVS).
    config.siteMemory.load().then(
      (m) => (this.memory = m),
      () => undefined,
    );
    const leave = pvs.subscribeLive({
      pollMs: this.s.pollMs,
      listener: {
        update: (update) => this.onUpdate(update),
        state: (state) => this.onState(state),
        warning: (text) => this.onWarning(text),
      },
    });
    this.user.onClose(leave);
  }

  /** Any message: the latest values now (a new message built on it), whatever the send option. */
  input(msg: NodeMessageInFlow, send: Send, done: (err?: Error) => void): void {
    try {
      if (this.user.setupError) return done(this.user.setupError);
      if (this.latest) {
        const l = this.latest;
        this.policy.noteSent(l.values);
        send([this.message({ ...msg }, l), null]);
      }
      done();
    } catch (err) {
      done(toPvsError(err));
    }
  }

  private message(base: NodeMessage, l: Latest): NodeMessage {
    const converted = inUnits(livePayload(l.values, Date.now()), this.s.units);
    const config = this.user.config;
    const data = l.source === "WebSocket" ? "telemetry WebSocket" : l.source === "livedata" ? "livedata" : "DeviceList";
    const pvs = config?.pvs ? sourceOf(config.endpoint, config.pvs, data) : null;
    return {
      ...base,
      topic: this.s.topic,
      payload: converted.payload,
      units: converted.units,
      source: l.source,
      ...(pvs ? { pvs } : {}),
    } as NodeMessage;
  }

  private okStatus(l: Latest): void {
    if (this.user.showingHealth) return;
    const backup = this.backup.status(this.user.t);
    if (backup) return this.user.status(backup);
    // The first values (read as the socket opens) may come before the source is known: no empty segment.
    const text = [gridText(this.user.t, l.values), this.sourceLabel, clock()].filter((part) => part !== "");
    this.user.status({ fill: "green", shape: "dot", text: text.join(" · ") });
  }

  private onState(state: FeedState): void {
    const { user } = this;
    const t = user.t;
    if (user.closed) return;
    switch (state.state) {
      case "starting":
        return user.status({ fill: "blue", shape: "ring", text: editorText("status.connecting") });
      case "live":
        this.sourceLabel = sourceText(t, state.source, state.everyMs);
        user.showingHealth = false;
        if (this.latest) this.okStatus(this.latest);
        else user.status({ fill: "blue", shape: "ring", text: `${t("status.waiting")} · ${this.sourceLabel}` });
        return;
      case "reconnecting": {
        // The firmware's routine close every 10 minutes is not a problem: say so quietly.
        const seconds = Math.max(1, Math.round((state.retryAt - Date.now()) / 1000));
        if (state.reason === "routine")
          return user.status({ fill: "green", shape: "ring", text: `${t("status.reconnecting")} · ${clock()}` });
        const what = state.reason === "stalled" ? t("status.stalled") : t("status.socketFailed");
        const text = `${what}, ${t("status.reconnectingIn", { seconds })} · ${clock()}`;
        return user.status({ fill: "yellow", shape: "ring", text });
      }
      case "failed": {
        const error = user.redact(state.error);
        user.showFailure(error);
        if (error.code !== "PVS_CIRCUIT_OPEN" && error.code !== "PVS_ABORTED")
          this.node.error(error, { topic: this.s.topic } as NodeMessage);
        return;
      }
    }
  }

  private onUpdate(update: LiveUpdate): void {
    if (this.user.closed) return;
    const values = update.list
      ? liveFromDeviceList(update.list, this.memory?.evidence ?? emptyEvidence())
      : update.values;
    if (Object.keys(values).length === 0) return;
    this.latest = { values, source: update.source };
    this.offerBackup(update, values);
    this.okStatus(this.latest);
    this.policy.offer(values, this.latest, update.seed);
  }

  /**
   * The backup event, sent at once whatever the send option, on the second output only: a flow writing the readings
   * into a database must never get it. From livedata, or the legacy list's PV disconnect relay.
   */
  private offerBackup(update: LiveUpdate, values: LiveValues): void {
    const reading = update.list ? backupFromDevices(update.list.devices, null) : backupFromLive(values);
    const config = this.user.config;
    const pvs = config?.pvs ? { pvs: sourceOf(config.endpoint, config.pvs, update.source) } : {};
    const msg = this.backup.offer(backupStatus(reading), pvs);
    if (msg) this.node.send([null, msg]);
  }

  private onWarning(text: string): void {
    if (this.user.closed || Date.now() - this.lastWarnAt < WARN_EVERY_MS) return;
    this.lastWarnAt = Date.now();
    this.node.warn(text);
  }
}

export = function (RED: NodeAPI): void {
  function PvsLive(this: Node, def: LiveDef): void {
    RED.nodes.createNode(this, def);
    def = migrateSettings(PVS_LIVE_SETTINGS, def);
    const run = new LiveRun(RED, this, liveSettings(def), def.server);
    run.start();
    this.on("input", (msg: NodeMessageInFlow, send: Send, done: (err?: Error) => void) => run.input(msg, send, done));
  }

  RED.nodes.registerType("pvs-live", PvsLive);
};
