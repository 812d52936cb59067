// The Node-RED side of the benchmarks: the real runtime through node-red-node-test-helper (as the tests run it),
// our node modules, and what a bench watches in this process (event-loop delay, CPU, heap).
import { monitorEventLoopDelay, IntervalHistogram } from "perf_hooks";
import { Node, NodeMessage } from "node-red";
import { FlowNode, NODE_MODULES } from "../../test/support/flows";
import { helper } from "../../test/support/node-red";
import { heapAfterGc } from "../../test/support/redeploy";

export { helper, NODE_MODULES };
export type { FlowNode };

export async function loadFlow(flow: FlowNode[]): Promise<void> {
  await helper.load(NODE_MODULES, flow);
}

export async function unloadFlow(): Promise<void> {
  await helper.unload();
}

/** A pvs-config on an emulator: fixed API, no spacing or DeviceList ration unless given. */
export function pvsConfig(id: string, port: number, httpsPort: number, extra: Record<string, unknown> = {}): FlowNode {
  return {
    id,
    type: "pvs-config",
    name: `PVS ${id}`,
    host: "127.0.0.1",
    port,
    localPort: httpsPort,
    protocol: "http",
    timeout: 30,
    minSpacing: 0,
    deviceListEvery: 0,
    api: "legacy",
    ...extra,
  };
}

/** A flow node with coordinates (Node-RED 4+ takes a node without x/y for a config node). */
export function flowNode(id: string, type: string, extra: Record<string, unknown> = {}): FlowNode {
  return { id, type, z: "tab", x: 100, y: 100, wires: [], ...extra };
}

/**
 * node-red-node-test-helper spies on every Node.prototype send, status, log… and keeps each call with its
 * message until unload: a harness cost that grows with every message, forgotten between measurements.
 */
export function forgetSpyCalls(): void {
  (helper as unknown as { _sandbox?: { resetHistory(): void } })._sandbox?.resetHistory();
}

/** Resolves with the next message `nodeId` receives, or rejects after `timeoutMs`. */
export function nextMessage(nodeId: string, timeoutMs = 60_000): Promise<NodeMessage> {
  const node = helper.getNode(nodeId) as Node;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      node.removeListener("input", on); // Node-RED overrides removeListener for "input"; off() bypasses it and leaks
      reject(new Error(`${nodeId}: no message within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (msg: NodeMessage) => {
      clearTimeout(timer);
      node.removeListener("input", on); // Node-RED overrides removeListener for "input"; off() bypasses it and leaks
      resolve(msg);
    };
    node.on("input", on);
  });
}

/** Event-loop delay (how late a 1 ms timer ran: the longest block in a span shows as its max), and CPU used. */
export class LoopWatch {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  private cpu = process.cpuUsage();
  private startedAt = process.hrtime.bigint();

  start(): this {
    this.histogram.reset();
    this.histogram.enable();
    this.cpu = process.cpuUsage();
    this.startedAt = process.hrtime.bigint();
    return this;
  }

  /** Delay figures in ms (the 1 ms resolution is subtracted), CPU as a share of one core over the span. */
  stop(): { p50: number; p99: number; max: number; cpuShare: number; seconds: number } {
    this.histogram.disable();
    const seconds = Number(process.hrtime.bigint() - this.startedAt) / 1e9;
    const used = process.cpuUsage(this.cpu);
    const ms = (ns: number) => Math.max(0, ns / 1e6 - 1);
    return {
      p50: ms(this.histogram.percentile(50)),
      p99: ms(this.histogram.percentile(99)),
      max: ms(this.histogram.max),
      cpuShare: (used.user + used.system) / 1e6 / seconds,
      seconds,
    };
  }
}

/**
 * `heapUsed` after full collections, without V8's compiled code (which grows while V8 optimizes, bounded by the code).
 */
export function heapDataAfterGc(): { data: number; code: number } {
  const { heapUsed, heapCode } = heapAfterGc();
  return { data: heapUsed - heapCode, code: heapCode };
}
