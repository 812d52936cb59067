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
