// pvs-live: site power and energy every few seconds, for automations that follow the sun (charge the car, run
// the pool pump on surplus). Joins its PVS's shared live feed (the telemetry WebSocket, else polled livedata,
// else the device list's meters) and sends on every update, on a change beyond a threshold, or at most every N s.
import { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from "node-red";
import { inUnits, liveFromDeviceList, LivePayload, livePayload, LiveValues } from "../../src/model/live";
import { emptyEvidence, SiteMemory } from "../../src/model/site-memory";
import { UnitSystem } from "../../src/model/units";
import { FeedState, LiveSource, LiveUpdate } from "../../src/pvs/live/feed";
import { PvsError, toPvsError } from "../../src/pvs/http/errors";
import { numberSetting } from "../../src/node-red/numbers";
import { SendMode, SendPolicy } from "../../src/node-red/live-policy";
import { clock, editorText, errorStatus, healthStatus, sourceOf, translator } from "../../src/node-red/status";
import { findPvsConfig, setupErrorOf } from "../../src/node-red/config-node";
import { defaultNumber, migrateSettings } from "../../src/node-red/node-settings";

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

const DEFAULT_TOPIC = "pvs/live";
/** The number settings (their defaults in NODE_DEFAULTS). */
type NumberName = "threshold" | "every" | "interval";
/** A warning about bad frames at most this often: a broken firmware must not flood the log. */
const WARN_EVERY_MS = 60_000;

export = function (RED: NodeAPI): void {
  function PvsLive(this: Node, def: LiveDef): void {
    RED.nodes.createNode(this, def);
    def = migrateSettings("pvs-live", def);
    const node = this;
    const t = translator(RED);
    const config = findPvsConfig(RED, def.server);
    const mode: SendMode = def.send === "update" || def.send === "interval" ? def.send : "change";
    const units: UnitSystem = def.units === "si" ? "si" : "pvs";
    // Blank is the default (one source: NODE_DEFAULTS); out of range is a setup error, and the node then runs
    // nothing, so the value it would have used does not matter: the default again.
    const setting = (name: NumberName, min: number, max: number, label: string) =>
      numberSetting(def[name], defaultNumber("pvs-live", name), min, max, label);
    const threshold = setting("threshold", 0, 1_000_000, "threshold");
    const every = setting("every", 1, 86_400, "at most every");
    const interval = setting("interval", 1, 3600, "poll interval");
    const problem = [threshold, every, interval].find((s): s is { error: string } => "error" in s);
    const valueOf = (s: { value: number } | { error: string }, name: NumberName) =>
      "value" in s ? s.value : defaultNumber("pvs-live", name);
    const setupError = setupErrorOf(config, problem?.error ?? null);
    const topic = def.topic && def.topic.trim() !== "" ? def.topic.trim() : DEFAULT_TOPIC;
    let latest: Latest | null = null;
    let memory: SiteMemory | null = null;
    let lastStatus = "";
    let lastWarnAt = -Infinity;
    let closed = false;
    let showingHealth = false;

    const status = (s: NodeStatus) => {
      const key = JSON.stringify(s);
      if (key === lastStatus) return;
      lastStatus = key;
      node.status(s);
    };

    const sourceText = (source: LiveSource, everyMs: number | null): string => {
      if (source === "WebSocket") return t("status.websocket");
      const seconds = Math.round((everyMs ?? 0) / 1000);
      return source === "livedata" ? t("status.livedataEvery", { seconds }) : t("status.deviceListEvery", { seconds });
    };
    let sourceLabel = "";

    const message = (base: NodeMessage, l: Latest): NodeMessage => {
      const converted = inUnits(livePayload(l.values, Date.now()), units);
      const pvs = config?.pvs
        ? sourceOf(
            config.label,
            config.pvs,
            l.source === "WebSocket" ? "telemetry WebSocket" : l.source === "livedata" ? "livedata" : "DeviceList",
          )
        : null;
      return {
        ...base,
        topic,
        payload: converted.payload,
        units: converted.units,
        source: l.source,
        ...(pvs ? { pvs } : {}),
      } as NodeMessage;
    };

    const okStatus = (l: Latest) => {
      if (showingHealth) return;
      const p: LivePayload = livePayload(l.values, Date.now());
      const grid =
        p.net_kw === undefined
          ? t("status.noGrid")
          : p.net_kw < 0
            ? t("status.exporting", { kw: (-p.net_kw).toFixed(1) })
            : t("status.importing", { kw: p.net_kw.toFixed(1) });
      // The first values (read as the socket opens) may come before the source is known: no empty segment.
      status({
        fill: "green",
        shape: "dot",
        text: [grid, sourceLabel, clock()].filter((part) => part !== "").join(" · "),
      });
    };

    const policy = new SendPolicy<Latest>(
      { mode, thresholdW: valueOf(threshold, "threshold"), everyMs: valueOf(every, "every") * 1000 },
      (l) => {
        if (closed) return;
        node.send(message({}, l));
      },
    );

    const valuesOf = (update: LiveUpdate): LiveValues =>
      update.list ? liveFromDeviceList(update.list, memory?.evidence ?? emptyEvidence()) : update.values;

    const onState = (state: FeedState) => {
      if (closed) return;
      switch (state.state) {
        case "starting":
          return status({ fill: "blue", shape: "ring", text: editorText("status.connecting") });
        case "live":
          sourceLabel = sourceText(state.source, state.everyMs);
          showingHealth = false;
          if (latest) okStatus(latest);
          else status({ fill: "blue", shape: "ring", text: `${t("status.waiting")} · ${sourceLabel}` });
          return;
        case "reconnecting": {
          // The firmware's routine close every 10 minutes is not a problem: say so quietly.
          const seconds = Math.max(1, Math.round((state.retryAt - Date.now()) / 1000));
          if (state.reason === "routine")
            return status({ fill: "green", shape: "ring", text: `${t("status.reconnecting")} · ${clock()}` });
          const what = state.reason === "stalled" ? t("status.stalled") : t("status.socketFailed");
          return status({
            fill: "yellow",
            shape: "ring",
            text: `${what}, ${t("status.reconnectingIn", { seconds })} · ${clock()}`,
          });
        }
        case "failed": {
          const error = config?.pvs
            ? new PvsError(state.error.code, config.pvs.redact(state.error.message), state.error.statusCode)
            : state.error;
          const health = config?.pvs ? healthStatus(t, config.pvs.health()) : null;
          showingHealth = health !== null;
          status(health ?? errorStatus(t, error));
          if (error.code !== "PVS_CIRCUIT_OPEN" && error.code !== "PVS_ABORTED")
            node.error(error, { topic } as NodeMessage);
          return;
        }
      }
    };

    const onUpdate = (update: LiveUpdate) => {
      if (closed) return;
      const values = valuesOf(update);
      if (Object.keys(values).length === 0) return;
      latest = { values, source: update.source };
      okStatus(latest);
      policy.offer(values, latest, update.seed);
    };

    const onWarning = (text: string) => {
      if (closed || Date.now() - lastWarnAt < WARN_EVERY_MS) return;
      lastWarnAt = Date.now();
      node.warn(text);
    };

    if (setupError) {
      status(errorStatus(t, setupError));
      if (setupError.code === "PVS_BAD_CONFIG") node.error(setupError);
    }
    config?.register(node);
    let leave: (() => void) | null = null;
    let stopHearing: (() => void) | null = null;
    const pvs = !setupError && config?.pvs ? config.pvs : null;
    if (pvs && config) {
      // Legacy: the consumption CT is read with what pvs-device-list learnt about it (kept per PVS).
      config.siteMemory.load().then(
        (m) => (memory = m),
        () => undefined,
      );
      stopHearing = pvs.onHealth((health) => {
        if (closed) return;
        const s = healthStatus(t, health);
        showingHealth = s !== null;
        if (s) status(s);
        else if (latest) okStatus(latest);
      });
      leave = pvs.subscribeLive({
        pollMs: valueOf(interval, "interval") * 1000,
        listener: { update: onUpdate, state: onState, warning: onWarning },
      });
    }

    // Any message: the latest values now (a new message built on it), whatever the send option.
    node.on("input", (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      try {
        if (setupError) return done(setupError);
        if (latest) {
          const base: NodeMessage = { ...msg };
          const l = latest;
          policy.noteSent(l.values);
          send(message(base, l));
        }
        done();
      } catch (err) {
        done(toPvsError(err));
      }
    });

    node.on("close", (_removed: boolean, done: () => void) => {
      closed = true;
      policy.cancel();
      stopHearing?.();
      leave?.();
      config?.deregister(node);
      node.status({});
      done();
    });
  }

  RED.nodes.registerType("pvs-live", PvsLive);
};
