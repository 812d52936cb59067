// The life of a node that uses a pvs-config, shared by the polling nodes and pvs-live: find the config node and
// say why it cannot work, join and leave the config's users, show the PVS's health (every node of a PVS says
// when the PVS is being left alone, and when it answers again), mask secrets in errors, and on close stop what
// the node started (timers, requests in flight) before it leaves the config.
import { Node, NodeAPI, NodeStatus } from "node-red";
import { Health } from "../pvs/client/breaker";
import { PvsConnection } from "../pvs/connection/connection";
import { PvsError } from "../pvs/http/errors";
import { findPvsConfig, setupErrorOf } from "./config-node";
import { clock, errorStatus, healthStatus, translator, Translate } from "./status";
import { PvsConfigNode } from "./types";

export interface ConfigUserOptions {
  /** The selected pvs-config's id (the node's `server` setting). */
  server: string;
  /** A bad setting of the node's own (a number out of range), or null. */
  settingError: string | null;
  /** Shows a status only when it differs from the last one (pvs-live, updated every second). */
  dedupeStatus?: boolean;
  /**
   * The breaker is no longer open: what to show. Without it, a node that showed the breaker's status says
   * "recovered" once the PVS answers again.
   */
  onHealed?(health: Health): void;
}

export class ConfigUser {
  readonly t: Translate;
  readonly config: PvsConfigNode | null;
  /** Why the node cannot work (no config, a bad setting), shown and reported once at start; null when it can. */
  readonly setupError: PvsError | null;
  /** The connection to use; null when the node cannot work (`setupError` says why). */
  readonly pvs: PvsConnection | null;
  /** True while the node shows the PVS's circuit-breaker status rather than its own. */
  showingHealth = false;
  private isClosed = false;
  private lastStatus = "";
  private readonly inFlight = new Set<AbortController>();
  private readonly cleanups: Array<() => void> = [];
  private readonly stopHearing: (() => void) | null;

  constructor(
    RED: NodeAPI,
    private readonly node: Node,
    private readonly options: ConfigUserOptions,
  ) {
    this.t = translator(RED);
    this.config = findPvsConfig(RED, options.server);
    this.setupError = setupErrorOf(this.config, options.settingError);
    this.pvs = !this.setupError && this.config?.pvs ? this.config.pvs : null;
    if (this.setupError) {
      this.status(errorStatus(this.t, this.setupError));
      if (this.setupError.code !== "PVS_NOT_CONFIGURED") node.error(this.setupError);
    }
    this.config?.register(node);
    this.stopHearing = this.pvs ? this.pvs.onHealth((health) => this.hear(health)) : null;
    node.on("close", (_removed: boolean, done: () => void) => {
      this.close();
      done();
    });
  }

  /** True once the node closed: late answers are dropped, not sent. */
  get closed(): boolean {
    return this.isClosed;
  }

  status(s: NodeStatus): void {
    if (this.options.dedupeStatus) {
      const key = JSON.stringify(s);
      if (key === this.lastStatus) return;
      this.lastStatus = key;
    }
    this.node.status(s);
  }

  /** The error with the PVS's secrets (password, serial) masked in its message. */
  redact(error: PvsError): PvsError {
    const pvs = this.config?.pvs;
    return pvs ? new PvsError(error.code, pvs.redact(error.message), error.statusCode) : error;
  }

  /** Shows a failure: the breaker's status while it is open (it says when the PVS is asked again), else the error. */
  showFailure(error: PvsError): void {
    const health = this.config?.pvs ? healthStatus(this.t, this.config.pvs.health()) : null;
    this.showingHealth = health !== null;
    this.status(health ?? errorStatus(this.t, error));
  }

  /** Runs `work` with a signal that aborts when the node closes. */
  async abortable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      return await work(controller.signal);
    } finally {
      this.inFlight.delete(controller);
    }
  }

  /** Runs on close (stop a timer, leave a feed), before the node leaves its config. */
  onClose(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  private hear(health: Health): void {
    if (this.isClosed) return;
    const status = healthStatus(this.t, health);
    if (status) {
      this.showingHealth = true;
      this.status(status);
    } else if (this.options.onHealed) {
      this.options.onHealed(health);
    } else if (this.showingHealth && health.state === "ok") {
      this.showingHealth = false;
      this.status({ fill: "green", shape: "ring", text: `${this.t("status.recovered")} · ${clock()}` });
    }
  }

  private close(): void {
    this.isClosed = true;
    for (const cleanup of this.cleanups) cleanup();
    this.stopHearing?.();
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
    this.config?.deregister(this.node);
    this.node.status({});
  }
}
