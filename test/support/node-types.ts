// Our node types as package.json registers them ("node-red".nodes), so tests cover a node added there without
// another list to update.
import fs from "fs";
import path from "path";

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as {
  "node-red": { nodes: Record<string, string> };
};

/** Every node type of the package, pvs-config first, in package.json's order. */
export const NODE_TYPES: readonly string[] = Object.keys(pkg["node-red"].nodes);

/** The types that sit in a flow (all but the pvs-config configuration node). */
export const FLOW_NODE_TYPES: readonly string[] = NODE_TYPES.filter((type) => type !== "pvs-config");
