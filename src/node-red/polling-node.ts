// What pvs-device-list and pvs-comm share: find the config node, poll on a timer and on input through the
// shared client, send a new message per result, report failures to Catch nodes, and clean up on close.
import { Node, NodeAPI, NodeMessage, NodeMessageInFlow, NodeStatus } from "node-red";
import { PvsConnection } from "../pvs/connection/connection";
import { PvsError, toPvsError } from "../pvs/http/errors";
import { phaseOf, Poller } from "../pvs/client/poller";
import { Freshness, ReadOptions } from "../pvs/http/request";
import { defaultNumber } from "./node-settings";
import { numberSetting } from "./numbers";
import { ChunkedSender } from "./chunked-send";
import { findPvsConfig, setupErrorOf } from "./config-node";
import { clock, errorStatus, healthStatus, pollingStatus, translator, Translate } from "./status";
import { PollingDef, PvsConfigNode } from "./types";

/** What a poll may use: the PVS connection, the config node, and the signal that ends with the node. */
export interface PollContext {
  pvs: PvsConnection;
  config: PvsConfigNode;
  signal: AbortSignal;
  /** Timer polls wait for a rationed request's turn; a message asking "now" may get the last answer. */
  freshness: Freshness;
  /** How reads may be answered: the freshness, and for timer polls the sharing of their beat's answers. */
  read: ReadOptions;
}

/**
 * Timer polls take an identical answer that started at most this long ago (another node of the PVS on the same
 * beat), and never one older than half their interval.
 */
const SHARE_BEAT_MS = 2000;

export interface PollingSpec {
  defaultTopic: string;
  /** Its polls read the legacy DeviceList, rationed by the PVS's "DeviceList every": timer runs keep to it. */
  rationed?: boolean;
  /**
   * Reads from the PVS and builds the message to send (a new object built on `base`), or null to send
   * nothing (e.g. "only on change"). Throws for an answer it cannot use.
   */
  produce(io: PollContext, base: NodeMessage): Promise<NodeMessage | null>;
  /**
   * The messages actually sent for a produced one (an output format: one message per topic…), read lazily
   * and sent in chunks so that thousands never block the runtime. Without it the produced message is sent.
   * The status is still made from the produced message.
   */
  expand?(msg: NodeMessage): Iterable<NodeMessage>;
  okStatus(msg: NodeMessage | null, t: Translate): NodeStatus;
}

/** What a poll sends with: one message, or (chunked sends) several on the first output. */
type Send = (m: NodeMessage | NodeMessage[][]) => void;

const MAX_INTERVAL_S = 7 * 24 * 3600;

export function setupPollingNode(RED: NodeAPI, node: Node, def: PollingDef, spec: PollingSpec): void {
  const t = translator(RED);
  const config = findPvsConfig(RED, def.server);
  // Blank (spaces, an empty environment variable) is the node type's own default: pvs-comm's is not pvs-device-list's.
  const interval = numberSetting(def.interval, defaultNumber(node.type, "interval"), 0, MAX_INTERVAL_S, "interval");
  const intervalMs = "value" in interval ? interval.value * 1000 : 0;
  const setupError = setupErrorOf(config, "error" in interval ? interval.error : null);
  const topic = def.topic && def.topic.trim() !== "" ? def.topic.trim() : spec.defaultTopic;
  const inFlight = new Set<AbortController>();
  const sender = new ChunkedSender();
  let closed = false;
  let poller: Poller | null = null;
  /** True while this node shows the PVS's circuit-breaker status (set by the config's health change). */
  let showingHealth = false;

  const fail = (error: PvsError, msg: NodeMessage, done?: (err?: Error) => void) => {
    const health = config?.pvs ? healthStatus(t, config.pvs.health()) : null;
    showingHealth = health !== null;
    node.status(health ?? errorStatus(t, error));
    // With an input message, done(err) reports to Catch nodes; a timer poll reports with a message of its own,
    // except while the breaker is open: the failures that opened it were reported, the PVS was not asked again.
    if (done) done(error);
    else if (error.code !== "PVS_CIRCUIT_OPEN") node.error(error, msg);
  };

  const poll = async (trigger: NodeMessageInFlow | null, send: Send, done?: (err?: Error) => void): Promise<void> => {
    const base: NodeMessage = trigger ? { ...trigger } : {};
    base.topic = topic;
    if (setupError || !config?.pvs) {
      fail(setupError ?? new PvsError("PVS_NOT_CONFIGURED", "the PVS connection is not available"), base, done);
      return;
    }
    const controller = new AbortController();
    inFlight.add(controller);
    node.status(pollingStatus());
    try {
      const freshness: Freshness = trigger ? "reuse" : "wait";
      const read: ReadOptions = trigger
        ? { freshness }
        : { freshness, shareWithinMs: Math.min(SHARE_BEAT_MS, intervalMs / 2) };
      const out = await spec.produce({ pvs: config.pvs, config, signal: controller.signal, freshness, read }, base);
      if (closed) return done?.();
      if (out && spec.expand) {
        await sender.send(spec.expand(out), (chunk) => send([chunk]));
        if (closed) return done?.();
      } else if (out) {
        send(out);
      }
      showingHealth = false;
      node.status(spec.okStatus(out, t));
      done?.();
    } catch (err) {
      const error = toPvsError(err);
      // A request cancelled because this node closed is not a failure anyone needs to hear about.
      if (closed || error.code === "PVS_ABORTED") return done?.();
      fail(
        config.pvs ? new PvsError(error.code, config.pvs.redact(error.message), error.statusCode) : error,
        base,
        done,
      );
    } finally {
      inFlight.delete(controller);
    }
  };

  if (setupError) {
    node.status(errorStatus(t, setupError));
    if (setupError.code === "PVS_BAD_CONFIG") node.error(setupError);
  }
  config?.register(node);
  // Every node of a PVS shows when the PVS is being left alone, and when it answers again.
  const stopHearing =
    !setupError && config?.pvs
      ? config.pvs.onHealth((health) => {
          if (closed) return;
          const status = healthStatus(t, health);
          if (status) {
            showingHealth = true;
            node.status(status);
          } else if (showingHealth && health.state === "ok") {
            showingHealth = false;
            node.status({ fill: "green", shape: "ring", text: `${t("status.recovered")} · ${clock()}` });
          }
        })
      : null;

  node.on("input", (msg, send, done) => {
    poll(msg, send, done).catch((err: unknown) => done(toPvsError(err)));
  });

  if (!setupError && "value" in interval && interval.value > 0) {
    // The PVS's phase: every node of this PVS, through whichever pvs-config, polls on the same beat, so the
    // shared client asks once for all.
    const rationMs = () =>
      spec.rationed && config?.pvs && config.pvs.info().api !== "localapi" ? config.pvs.deviceListEveryMs : 0;
    poller = new Poller(
      intervalMs,
      () => poll(null, (m) => node.send(m)),
      phaseOf(config?.pvsKey ?? config?.id ?? ""),
      rationMs,
    );
    poller.start();
  }

  node.on("close", (_removed: boolean, done: () => void) => {
    closed = true;
    stopHearing?.();
    poller?.stop();
    sender.cancel();
    for (const controller of inFlight) controller.abort();
    inFlight.clear();
    config?.deregister(node);
    node.status({});
    done();
  });
}
