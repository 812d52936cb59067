// What pvs-device-list and pvs-comm share: find the config node, poll on a timer and on input through the
// shared client, send a new message per result, report failures to Catch nodes, and clean up on close.
import { Node, NodeAPI, NodeMessage, NodeMessageInFlow, NodeStatus } from "node-red";
import { PvsConnection } from "../pvs/connection/connection";
import { PvsError, toPvsError } from "../pvs/http/errors";
import { phaseOf, Poller } from "../pvs/client/poller";
import { Freshness, ReadOptions } from "../pvs/http/request";
import { defaultNumber } from "./node-settings";
import { BaseProps, NodeSettings } from "../settings/node-settings";
import { numberSetting } from "./numbers";
import { ChunkedSender } from "./chunked-send";
import { ConfigUser } from "./config-user";
import { pollingStatus, Translate, waitingStatus } from "./status";
import { NewsGroup } from "../pvs/schedule/pace";
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
 * beat), and never one older than half their interval. The nodes of one beat queue for the one PVS, a few
 * requests each half a second apart: twenty nodes' reads of one beat take about that long to be asked.
 */
const SHARE_BEAT_MS = 30_000;

export interface PollingSpec {
  /** The node type's settings (its interval default). */
  settings: NodeSettings<BaseProps>;
  defaultTopic: string;
  /** Its polls read the legacy DeviceList, rationed by the PVS's "DeviceList every": timer runs keep to it. */
  rationed?: boolean;
  /** The data its polls read, whose reads follow the PVS's publications (its pace); without: the beat, eased. */
  news?: NewsGroup;
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
  // Blank (spaces, an empty environment variable) is the node type's own default: pvs-comm's is not pvs-device-list's.
  const interval = numberSetting(def.interval, defaultNumber(spec.settings, "interval"), 0, MAX_INTERVAL_S, "interval");
  const user = new ConfigUser(RED, node, {
    server: def.server,
    settingError: "error" in interval ? interval.error : null,
  });
  let poller: Poller | null = null;
  const poll = pollWith(user, node, spec, {
    topic: def.topic && def.topic.trim() !== "" ? def.topic.trim() : spec.defaultTopic,
    intervalMs: "value" in interval ? interval.value * 1000 : 0,
    nextAt: (timerStart) => {
      const at = nextRun(poller, timerStart);
      if (at !== null && spec.news && user.pvs) user.pvs.client.pace.noteNextRead(spec.news, at);
      return at;
    },
  });

  node.on("input", (msg, send, done) => {
    poll(msg, send, done).catch((err: unknown) => done(toPvsError(err)));
  });

  const { config, pvs } = user;
  if (pvs && "value" in interval && interval.value > 0) {
    // The PVS's phase: every node of this PVS, through whichever pvs-config, polls on the same beat, so the
    // shared client asks once for all.
    const rationMs = () => (spec.rationed && pvs.info().api !== "localapi" ? pvs.deviceListEveryMs : 0);
    poller = new Poller(
      interval.value * 1000,
      () => poll(null, (m) => node.send(m)),
      phaseOf(config?.pvsKey ?? config?.id ?? ""),
      rationMs,
      // What escaped a run or the timing of the next still reaches the user, with a code; the beat goes on.
      (err) => node.error(toPvsError(err), {}),
      // The interval is the longest gap the user accepts: the PVS's pace reads sooner when it has news, later
      // while it struggles or the site sleeps.
      (lastStart, beatAt, firstBeatAt) =>
        pvs.client.pace.nextReadAt(spec.news ?? null, lastStart, beatAt, Date.now(), firstBeatAt),
    );
    const beat = poller;
    beat.start();
    user.onClose(() => beat.stop());
  }
}

/**
 * When the timer's next run comes: for a timer run still going (started at `timerStart`) the beat it will
 * schedule, else the one scheduled; null without a timer or when it cannot be told.
 */
function nextRun(poller: Poller | null, timerStart: number | null): number | null {
  if (!poller) return null;
  // A message's reading while a timer run is going (they shared its request): the next run that one will schedule.
  if (timerStart === null && poller.nextRunAt === null) timerStart = poller.runStartedAt;
  if (timerStart === null) return poller.nextRunAt;
  try {
    const now = Date.now();
    return now + poller.delayAfter(timerStart, now);
  } catch {
    return null;
  }
}

interface PollSettings {
  topic: string;
  intervalMs: number;
  /** The next timer run (see nextRun), for the status a reading shows until then. */
  nextAt(timerStart: number | null): number | null;
}

/** One poll, for an input message (`trigger`) or the timer (null): read, send, show, and report failures. */
type Poll = (trigger: NodeMessageInFlow | null, send: Send, done?: (err?: Error) => void) => Promise<void>;

function pollWith(user: ConfigUser, node: Node, spec: PollingSpec, s: PollSettings): Poll {
  const sender = new ChunkedSender();
  /** The last reading's status, shown again (with the next run's time) while a poll waits for its turn. */
  let lastReading: NodeStatus | null = null;
  user.onClose(() => sender.cancel());

  const fail = (error: PvsError, msg: NodeMessage, done?: (err?: Error) => void) => {
    user.showFailure(error);
    // With an input message, done(err) reports to Catch nodes; a timer poll reports with a message of its own,
    // except while the breaker is open: the failures that opened it were reported, the PVS was not asked again.
    if (done) done(error);
    else if (error.code !== "PVS_CIRCUIT_OPEN") node.error(error, msg);
  };

  return async (trigger, send, done) => {
    const base: NodeMessage = trigger ? { ...trigger } : {};
    base.topic = s.topic;
    const { config, pvs } = user;
    if (!config || !pvs) {
      fail(user.setupError ?? new PvsError("PVS_NOT_CONFIGURED", "the PVS connection is not available"), base, done);
      return;
    }
    const startedAt = Date.now();
    const onStart = showPollingOnStart(node, user, lastReading !== null);
    try {
      const freshness: Freshness = trigger ? "reuse" : "wait";
      const read: ReadOptions = trigger
        ? { freshness, onStart }
        : { freshness, onStart, shareWithinMs: Math.min(SHARE_BEAT_MS, s.intervalMs / 2) };
      const out = await user.abortable((signal) => spec.produce({ pvs, config, signal, freshness, read }, base));
      if (user.closed) return done?.();
      if (out && spec.expand) {
        await sender.send(spec.expand(out), (chunk) => send([chunk]));
        if (user.closed) return done?.();
      } else if (out) {
        send(out);
      }
      user.showingHealth = false;
      lastReading = spec.okStatus(out, user.t);
      node.status(waitingStatus(user.t, lastReading, s.nextAt(trigger ? null : startedAt)));
      done?.();
    } catch (err) {
      const error = toPvsError(err);
      // A request cancelled because this node closed is not a failure anyone needs to hear about.
      if (user.closed || error.code === "PVS_ABORTED") return done?.();
      fail(user.redact(error), base, done);
    }
  };
}

/**
 * "polling…" only while a request is on the wire: with a reading to show, from the moment the client starts the
 * request (never when another node's answer is shared, nor while a DeviceList waits for its ration); without
 * one, at once.
 */
function showPollingOnStart(node: Node, user: ConfigUser, waitQuietly: boolean): (() => void) | undefined {
  if (!waitQuietly) {
    node.status(pollingStatus());
    return undefined;
  }
  let shown = false;
  return () => {
    if (shown || user.closed) return;
    shown = true;
    node.status(pollingStatus());
  };
}
