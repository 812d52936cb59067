// Test flows: our node modules, a pvs-config pointing at the emulator, a Catch node and helpers.
import pvsComm = require("../../nodes/pvs-comm/runtime");
import pvsCommand = require("../../nodes/pvs-command/runtime");
import pvsConfig = require("../../nodes/pvs-config/runtime");
import pvsDeviceList = require("../../nodes/pvs-device-list/runtime");
import pvsInverterSplit = require("../../nodes/pvs-inverter-split/runtime");
import pvsLive = require("../../nodes/pvs-live/runtime");

export const NODE_MODULES = [pvsConfig, pvsDeviceList, pvsComm, pvsInverterSplit, pvsCommand, pvsLive];

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
