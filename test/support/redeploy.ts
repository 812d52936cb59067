// A flow redeployed over and over against two emulators (a legacy PVS and a new-firmware one on the LocalAPI),
// with the resources the process holds counted between deploys. Shared by test/nodes/lifecycle.spec.ts and
// bench/redeploy.ts.
import v8 from "v8";
import { NodeMessage, NodeMessageInFlow } from "node-red";
import { PvsEmulator } from "../../src/emulator/server";
import { FlowNode, NODE_MODULES } from "./flows";
import { deploy, helper, settle } from "./node-red";

export type DeployType = "full" | "nodes";

/** What the process and the emulators hold at one quiet moment between deploys. */
export interface Snapshot {
  /** Deploys done when it was taken (0: the first load). */
  deploys: number;
  /** `process.getActiveResourcesInfo()` counted by type. */
  resources: Record<string, number>;
  /** Active timers (`Timeout`). */
  timers: number;
  /**
   * Open sockets in this process, client and emulator sides (`TCPSocketWrap`, and `TLSWrap` if listed; stdio pipes are
   * not counted).
   */
  sockets: number;
  /** Sum of `process.listenerCount` over `process.eventNames()`. */
  listeners: number;
  /** TCP connections open on the two emulators' servers. */
  connections: number;
  /** LocalAPI sessions open on the two emulators. */
  sessions: number;
  /** `heapUsed` after two full garbage collections; only when taken with `{ heap: true }` and `--expose-gc`. */
  heapUsed?: number;
  /** The part of `heapUsed` that is V8's compiled code (code spaces), taken with `heapUsed`. */
  heapCode?: number;
}

/** The figures a leak makes grow; each must end at or below its baseline. */
export const COUNTED = ["timers", "sockets", "listeners", "connections", "sessions"] as const;
export type Counted = (typeof COUNTED)[number];

export interface PollOutcome {
  node: string;
  /** "ok", or the error code a Catch node received. */
  result: string;
}

const SOCKET_TYPES = new Set(["TCPSocketWrap", "TLSWrap"]);
/** The polling nodes, on the legacy PVS ("L") and on the new-firmware one ("N"). */
export const POLLING_NODES = ["listL", "commL", "listN", "commN"];
const POLL_TIMEOUT_MS = 10_000;

type Tagged = NodeMessage & { benchTag?: string; error?: { message?: string; code?: string } };

/**
 * The deploy sequence: odd deploys are full, even ones "modified nodes". Every deploy changes the polling nodes'
 * topic (so a "nodes" deploy restarts them); every fourth also renames both pvs-config nodes, so that a "nodes"
 * deploy restarts a config node under its users, too.
 */
export function deployType(n: number): DeployType {
  return n % 2 === 1 ? "full" : "nodes";
}

export class RedeployRig {
  readonly legacy = new PvsEmulator({ inverters: 3 });
  readonly localApi = new PvsEmulator({ inverters: 3, localApi: true });
  deploys = 0;
  /** Polls answered (output or Catch message). */
  polls = 0;
  /** Polls that reached the Catch node instead of the output (the first 100; kept small, it is measured too). */
  readonly failures: PollOutcome[] = [];
  failed = 0;
  private loaded = false;

  async start(): Promise<void> {
    await this.legacy.start();
    await this.localApi.start();
    await helper.load(NODE_MODULES, this.flow(0));
    this.loaded = true;
  }

  /** The flow of deploy `n`. */
  flow(n: number): FlowNode[] {
    const configName = `pvs ${Math.floor(n / 4)}`;
    const config = (id: string, emulator: PvsEmulator): FlowNode => ({
      id,
      type: "pvs-config",
      name: `${configName} ${id}`,
      host: "127.0.0.1",
      port: emulator.port,
      localPort: emulator.httpsPort,
      protocol: "http",
      timeout: 5,
      minSpacing: 0,
      api: "auto",
      deviceListEvery: 0,
    });
    const poller = (id: string, type: string, server: string): FlowNode => ({
      id,
      type,
      z: "tab",
      x: 100,
      y: 100,
      server,
      interval: 0,
      topic: `pvs/${id}/${n}`,
      wires: [["out"]],
    });
    return [
      { id: "tab", type: "tab", label: "redeploy" },
      config("cfgL", this.legacy),
      config("cfgN", this.localApi),
      poller("listL", "pvs-device-list", "cfgL"),
      poller("commL", "pvs-comm", "cfgL"),
      poller("listN", "pvs-device-list", "cfgN"),
      poller("commN", "pvs-comm", "cfgN"),
      { id: "out", type: "helper", z: "tab", x: 300, y: 100 },
      { id: "catch", type: "catch", z: "tab", x: 100, y: 200, scope: null, uncaught: false, wires: [["caught"]] },
      { id: "caught", type: "helper", z: "tab", x: 300, y: 200 },
    ];
  }

  /** Deploys the next flow (full or modified nodes, alternating) and waits until it has started. */
  async redeploy(): Promise<DeployType> {
    const n = ++this.deploys;
    const type = deployType(n);
    await deploy(this.flow(n), type);
    this.forgetSpyCalls();
    return type;
  }

  /** Polls every polling node once and waits for each one's output or Catch message. */
  async pollAll(): Promise<PollOutcome[]> {
    const tag = `d${this.deploys}`;
    const pending = new Map<string, (result: string) => void>();
    const timers: NodeJS.Timeout[] = [];
    const results = POLLING_NODES.map(
      (id) =>
        new Promise<PollOutcome>((resolve, reject) => {
          timers.push(
            setTimeout(
              () =>
                reject(
                  new Error(`deploy ${this.deploys}: ${id} neither answered nor failed within ${POLL_TIMEOUT_MS} ms`),
                ),
              POLL_TIMEOUT_MS,
            ),
          );
          pending.set(`${tag}:${id}`, (result) => resolve({ node: id, result }));
        }),
    );
    const out = helper.getNode("out");
    const caught = helper.getNode("caught");
    const hear = (ok: boolean) => (msg: NodeMessageInFlow) => {
      const { benchTag, error } = msg as Tagged;
      const key = benchTag ?? "";
      const done = pending.get(key);
      if (!done) return;
      pending.delete(key);
      done(ok ? "ok" : (error?.code ?? error?.message ?? "error"));
    };
    const onOut = hear(true);
    const onCaught = hear(false);
    out.on("input", onOut);
    caught.on("input", onCaught);
    try {
      for (const id of POLLING_NODES) helper.getNode(id).receive({ benchTag: `${tag}:${id}` } as NodeMessage);
      const outcomes = await Promise.all(results);
      this.polls += outcomes.length;
      for (const o of outcomes.filter((x) => x.result !== "ok")) {
        this.failed++;
        if (this.failures.length < 100)
          this.failures.push({ node: `${o.node} (deploy ${this.deploys})`, result: o.result });
      }
      return outcomes;
    } finally {
      // The helper nodes outlive a "nodes" deploy: listeners left on them would pile up here, not in the package.
      for (const timer of timers) clearTimeout(timer);
      out.removeListener("input", onOut); // not off(): it bypasses Node-RED's removeListener for "input"
      caught.removeListener("input", onCaught);
      this.forgetSpyCalls();
    }
  }

  /**
   * Counts what the process holds once the last poll's connections are closed: waits (up to `maxWaitMs`) until
   * no emulator connection is open and two readings 20 ms apart agree, so that a socket still closing is not
   * mistaken for a leak and a leak is not hidden.
   */
  async snapshot(options: { heap?: boolean; maxWaitMs?: number } = {}): Promise<Snapshot> {
    const end = Date.now() + (options.maxWaitMs ?? 2000);
    let last = await this.count();
    for (;;) {
      await settle(20);
      const now = await this.count();
      const stable = COUNTED.every((k) => now[k] === last[k]) && now.connections === 0;
      last = now;
      if (stable || Date.now() > end) break;
    }
    if (options.heap) Object.assign(last, heapAfterGc());
    return last;
  }

  /** Removes the whole flow (a full deploy of nothing). */
  async removeFlow(): Promise<void> {
    await deploy([]);
    this.forgetSpyCalls();
  }

  async stop(): Promise<void> {
    if (this.loaded) await helper.unload();
    this.loaded = false;
    await this.legacy.stop();
    await this.localApi.stop();
  }

  /** Empties the emulators' request records (a test instrument that grows with every request by design). */
  clearRequestRecords(): void {
    this.legacy.requests.length = 0;
    this.localApi.requests.length = 0;
  }

  private async count(): Promise<Snapshot> {
    const resources: Record<string, number> = {};
    for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
    let sockets = 0;
    for (const [type, n] of Object.entries(resources)) if (SOCKET_TYPES.has(type)) sockets += n;
    const listeners = process.eventNames().reduce((sum, name) => sum + process.listenerCount(name), 0);
    return {
      deploys: this.deploys,
      resources,
      timers: resources.Timeout ?? 0,
      sockets,
      listeners,
      connections: (await this.legacy.openConnections()) + (await this.localApi.openConnections()),
      sessions: this.legacy.openSessions + this.localApi.openSessions,
    };
  }

  private forgetSpyCalls(): void {
    // node-red-node-test-helper spies on Node.prototype's send, status, log... through its private sinon sandbox
    // (reset only by helper.unload()); each recorded call holds the node and the message it sent.
    (helper as unknown as { _sandbox?: { resetHistory(): void } })._sandbox?.resetHistory();
  }
}

/** `heapUsed` after two full collections, and how much of it is compiled code (needs `node --expose-gc`). */
export function heapAfterGc(): { heapUsed: number; heapCode: number } {
  if (typeof global.gc !== "function") throw new Error("run node with --expose-gc to measure the heap");
  global.gc();
  global.gc();
  const heapUsed = process.memoryUsage().heapUsed;
  const heapCode = v8
    .getHeapSpaceStatistics()
    .filter((s) => s.space_name.startsWith("code_"))
    .reduce((sum, s) => sum + s.space_used_size, 0);
  return { heapUsed, heapCode };
}

/** The counted figures of `end` that are above `baseline`. */
export function grown(baseline: Snapshot, end: Snapshot): Array<{ figure: Counted; baseline: number; end: number }> {
  return COUNTED.filter((k) => end[k] > baseline[k]).map((figure) => ({
    figure,
    baseline: baseline[figure],
    end: end[figure],
  }));
}
