#!/usr/bin/env node
// `npm start`: the embedded PVS emulator plus a Node-RED 5 with this package and the demo flow deployed
// against it. Ctrl-C stops both. Runs on the Node 22 that npm puts first on PATH (the `node` devDependency).
"use strict";
const path = require("path");
const { startDemo } = require("./demo");

async function main() {
  const demo = await startDemo({
    userDir: path.resolve(__dirname, "..", ".demo"),
    editorPort: process.env.PORT ? Number(process.env.PORT) : undefined,
    emulatorPort: process.env.PVS_EMULATOR_PORT ? Number(process.env.PVS_EMULATOR_PORT) : undefined,
    inverters: process.env.PVS_EMULATOR_INVERTERS ? Number(process.env.PVS_EMULATOR_INVERTERS) : undefined,
  });
  const stop = () => void demo.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  demo.child.on("exit", (code) => void demo.stop().then(() => process.exit(code ?? 1)));
  console.log(`
  PVS emulator (PVS6, legacy API, ${demo.emulator.site.inverterCount} inverters): ${demo.emulator.url}/cgi-bin/dl_cgi?Command=DeviceList
  Node-RED ${require("node-red/package.json").version} with the demo flow (one tab per example):

      ${demo.url}

  Every node shows its live status; the debug sidebar shows the messages.
  Node-RED's log: ${demo.logFile}.  Ctrl-C stops both.
`);
}

main().catch((err) => {
  console.error(`npm start: ${err && err.message ? err.message : String(err)}`);
  process.exit(1);
});
