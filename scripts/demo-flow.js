// Builds the demo flow from the importable examples: one tab per example, every pvs-config replaced by a
// single one that points at the embedded emulator. The demo therefore shows exactly what users import.
// Dashboard 2 config nodes (ui-base, ui-page, ui-group, ui-theme) stay global, as the editor makes them,
// and every example's pages hang off one ui-base, so the demo has one dashboard at /dashboard.
"use strict";
const fs = require("fs");
const path = require("path");

const EXAMPLES = path.resolve(__dirname, "..", "examples");
const DEMO_CONFIG_ID = "demo0pvs0config0";
const DEMO_UI_BASE_ID = "demo0ui0base0000";
const DASHBOARD_PATH = "/dashboard";
// pvs-command's commands that LocalAPI firmware also offers; the others are legacy dl_cgi commands it refuses
// (src/pvs/connection/read-commands.ts refuses them up front with PVS_NOT_SUPPORTED).
const COMMANDS_ON_BOTH_APIS = new Set(["SupervisorInfo", "SupervisorHealth"]);

/** True when an example asks the PVS for something only the legacy API offers. */
function needsLegacyApi(nodes) {
  return nodes.some((n) => n.type === "pvs-command" && !COMMANDS_ON_BOTH_APIS.has(n.command));
}

function exampleFiles(dir = EXAMPLES) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? exampleFiles(path.join(dir, e.name)) : e.name.endsWith(".json") ? [path.join(dir, e.name)] : [],
    )
    .sort();
}

/**
 * @returns {object[]} a full flow: tabs, their nodes, and one pvs-config on host (dl_cgi port, LocalAPI port, telemetry port);
 *   `deviceListInterval` is every pvs-device-list's poll (10 s) and `deviceListEvery` the DeviceList ration (seconds;
 *   0 = none; half the poll, so that a poll never finds it a moment short). The emulator needs no sparing, and a debug
 *   sidebar opened at any time fills within seconds (a real PVS's 120 s ration would leave it empty for minutes). With
 *   `localApi` (a new-firmware PVS) the examples that need the legacy API are left out: on that firmware they
 *   could only show a red node and log an error.
 */
function buildDemoFlow({
  host,
  port,
  localPort = 443,
  telemetryPort = 9002,
  deviceListInterval = 10,
  deviceListEvery = deviceListInterval / 2,
  localApi = false,
}) {
  const config = {
    id: DEMO_CONFIG_ID,
    type: "pvs-config",
    name: "Emulated PVS",
    host,
    api: "auto",
    port,
    protocol: "http",
    localPort,
    telemetryPort,
    timeout: 120,
    minSpacing: 1,
  };
  if (deviceListEvery !== undefined) config.deviceListEvery = deviceListEvery; // undefined: the node's default
  const flow = [config];
  let uiBase = null;
  exampleFiles().forEach((file, i) => {
    const nodes = JSON.parse(fs.readFileSync(file, "utf8"));
    if (localApi && needsLegacyApi(nodes)) return;
    const tab = `demo0tab0${String(i).padStart(6, "0")}`;
    const label = path.basename(file, ".json").replace(/^\d+ - /, "");
    flow.push({ id: tab, type: "tab", label, disabled: false, info: `Example: ${path.relative(EXAMPLES, file)}` });
    // Ids are made unique per example; references to another node of the example (wires, a widget's
    // group, a group's page…) follow, and references to the replaced config nodes point at the shared ones.
    const renamed = new Map(nodes.map((n) => [n.id, `${n.id}${i}`]));
    for (const n of nodes) if (n.type === "pvs-config") renamed.set(n.id, DEMO_CONFIG_ID);
    for (const n of nodes) if (n.type === "ui-base") renamed.set(n.id, DEMO_UI_BASE_ID);
    const follow = (v) =>
      typeof v === "string" && renamed.has(v) ? renamed.get(v) : Array.isArray(v) ? v.map(follow) : v;
    for (const node of nodes) {
      if (node.type === "pvs-config") continue;
      if (node.type === "ui-base") {
        uiBase ??= { ...node, id: DEMO_UI_BASE_ID, name: "PVS demo", path: DASHBOARD_PATH };
        continue;
      }
      const copy = Object.fromEntries(
        Object.entries(node).map(([k, v]) => [k, k === "id" ? renamed.get(v) : follow(v)]),
      );
      if ("x" in node) copy.z = tab; // a flow node; config nodes (no position) stay global
      if (copy.type === "pvs-device-list") copy.interval = deviceListInterval;
      // The demo must not publish to a broker that happens to run on this machine (it may feed a real Home
      // Assistant): the MQTT example's broker stays disconnected; connect it in the editor to try it.
      if (copy.type === "mqtt-broker") copy.autoConnect = false;
      flow.push(copy);
    }
  });
  if (uiBase) flow.push(uiBase);
  return flow;
}

module.exports = { buildDemoFlow, exampleFiles, DEMO_CONFIG_ID, DASHBOARD_PATH };
