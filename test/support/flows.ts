// Test flows: our node modules, a pvs-config pointing at the emulator, a Catch node and helpers.
import path from "path";
import { NODE_TYPES } from "./node-types";

type NodeModule = typeof import("../../nodes/pvs-config/runtime");

/** The runtime of every node type package.json registers, loaded from its source (nodes/<type>/runtime.ts). */
export const NODE_MODULES: NodeModule[] = NODE_TYPES.map(
  (type) => require(path.join(__dirname, "../../nodes", type, "runtime")) as NodeModule,
);

export type FlowNode = { id: string; type: string; [key: string]: unknown };

/**
 * A tab holding `nodes`, a pvs-config "cfg" on the emulator's ports (or an HTTP `port` alone), an "out" helper, and a
 * Catch node wired to a "caught" helper, so that tests see both outputs and the errors a user's Catch node would see.
 */
export function testFlow(
  target: number | { port: number; httpsPort: number; telemetryPort?: number },
  nodes: FlowNode[],
  config: Record<string, unknown> = {},
): FlowNode[] {
  const port = typeof target === "number" ? target : target.port;
  const localPort = typeof target === "number" ? undefined : target.httpsPort;
  const telemetryPort = typeof target === "number" ? undefined : target.telemetryPort;
  return [
    { id: "tab", type: "tab", label: "test" },
    // No DeviceList rationing unless a test asks for it: most tests poll several times in a row.
    {
      id: "cfg",
      type: "pvs-config",
      host: "127.0.0.1",
      port,
      localPort,
      telemetryPort,
      protocol: "http",
      timeout: 5,
      minSpacing: 0,
      deviceListEvery: 0,
      ...config,
    },
    ...nodes.map((n) => ({ z: "tab", x: 100, y: 100, wires: [["out"]], ...n })),
    { id: "out", type: "helper", z: "tab", x: 300, y: 100 },
    // Node-RED 4+ treats a node without x/y as a config node, so flow nodes carry coordinates.
    { id: "catch", type: "catch", z: "tab", x: 100, y: 200, scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab", x: 300, y: 200 },
  ];
}
