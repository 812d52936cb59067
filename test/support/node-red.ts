// The Node-RED runtime the node tests run in: Node-RED 5 by default, 4.1 with PVS_NODE_RED=node-red-4.
import helper from "node-red-node-test-helper";
import { Node } from "node-red";
import { sharedConnections } from "../../src/node-red/shared-connections";

export const NODE_RED_PACKAGE = process.env.PVS_NODE_RED === "node-red-4" ? "node-red-4" : "node-red";
helper.init(require.resolve(NODE_RED_PACKAGE));

// A PVS's connection outlives its last pvs-config node for a grace period (src/node-red/pvs-registry.ts). Specs
// that load and unload flows against a fresh emulator each time close it with the node, as before; the specs of
// the grace period itself (test/nodes/shared-connection.spec.ts, lifecycle.spec.ts) set the real one.
sharedConnections.graceMs = 0;
// No mDNS from node specs onto the machine's network: a connection that would follow its PVS finds it nowhere.
// The specs of following itself (test/nodes/pvs-config/follow.spec.ts) search for real, in a network namespace.
sharedConnections.followTuning = { find: () => Promise.resolve(null) };

export { helper };

export { settle, until } from "./wait";

/** Resolves with the next `count` messages a helper node receives. */
export function nextMessages<T = Record<string, unknown>>(node: Node, count = 1): Promise<T[]> {
  return new Promise((resolve) => {
    const got: T[] = [];
    node.on("input", (msg) => {
      got.push(msg as unknown as T);
      if (got.length === count) resolve(got);
    });
  });
}

type Deployer = {
  _redNodes: { setFlows(flows: unknown, credentials: unknown, type: string): Promise<unknown> };
  _events: { on(event: string, listener: () => void): unknown; off(event: string, listener: () => void): unknown };
};

/**
 * helper.setFlows, waiting for "flows:started" with a listener set up before the deploy and a limit a loaded
 * machine keeps: the helper's own wait gives up after 300 ms, which a 2-core machine under load exceeded
 * ("timeout waiting event" in the 200-redeploy test).
 */
export async function deploy(
  flow: unknown,
  type: "full" | "flows" | "nodes" = "full",
  credentials: Record<string, unknown> = {},
): Promise<void> {
  const runtime = helper as unknown as Deployer;
  let onStarted = () => {};
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      runtime._events.off("flows:started", onStarted);
      reject(new Error("the flows did not start within 15 s of the deploy"));
    }, 15_000);
    onStarted = () => {
      clearTimeout(timer);
      runtime._events.off("flows:started", onStarted);
      resolve();
    };
    runtime._events.on("flows:started", onStarted);
  });
  await runtime._redNodes.setFlows(flow, credentials, type);
  await started;
}

/**
 * Every message `nodeId` sends on one of its outputs (the first unless told), with the (simulated) time at which it
 * sent it: delivery to a helper node happens later, on real time.
 */
export function sendsOf<T extends object>(nodeId: string, output = 0): Array<T & { at: number }> {
  const got: Array<T & { at: number }> = [];
  const node = helper.getNode(nodeId);
  const send = node.send.bind(node);
  node.send = (m: unknown) => {
    // A send is one message (output 1) or an array by output, each entry a message, an array of them, or null.
    const on: unknown = Array.isArray(m) ? m[output] : output === 0 ? m : null;
    for (const one of Array.isArray(on) ? on : [on]) if (one) got.push({ ...(one as T), at: Date.now() });
    send(m as Parameters<typeof send>[0]);
  };
  return got;
}
