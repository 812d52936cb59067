// Builds the demo flow from the importable examples: one tab per example, every pvs-config replaced by a
// single one that points at the embedded emulator. The demo therefore shows exactly what users import.
"use strict";
const fs = require("fs");
const path = require("path");

const EXAMPLES = path.resolve(__dirname, "..", "examples");
const DEMO_CONFIG_ID = "demo0pvs0config0";

function exampleFiles(dir = EXAMPLES) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? exampleFiles(path.join(dir, e.name)) : e.name.endsWith(".json") ? [path.join(dir, e.name)] : []))
    .sort();
}

/** @returns {object[]} a full flow: tabs, their nodes, and one pvs-config on host (dl_cgi port, LocalAPI port) */
function buildDemoFlow({ host, port, localPort = 443, deviceListInterval = 30 }) {
  const flow = [{ id: DEMO_CONFIG_ID, type: "pvs-config", name: "Emulated PVS", host, api: "auto", port, protocol: "http", localPort, timeout: 120, minSpacing: 1 }];
  exampleFiles().forEach((file, i) => {
    const tab = `demo0tab0${String(i).padStart(6, "0")}`;
    const label = path.basename(file, ".json").replace(/^\d+ - /, "");
    flow.push({ id: tab, type: "tab", label, disabled: false, info: `Example: ${path.relative(EXAMPLES, file)}` });
    for (const node of JSON.parse(fs.readFileSync(file, "utf8"))) {
      if (node.type === "pvs-config") continue;
      const copy = { ...node, id: `${node.id}${i}`, z: tab };
      if (copy.server) copy.server = DEMO_CONFIG_ID;
      if (copy.wires) copy.wires = copy.wires.map((out) => out.map((id) => `${id}${i}`));
      if (copy.type === "pvs-device-list") copy.interval = deviceListInterval;
      flow.push(copy);
    }
  });
  return flow;
}

module.exports = { buildDemoFlow, exampleFiles, DEMO_CONFIG_ID };
