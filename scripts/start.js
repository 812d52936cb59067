#!/usr/bin/env node
// `npm start`: the embedded PVS emulator plus a Node-RED 5 with this package and the demo flow deployed
// against it. Ctrl-C stops both. Runs on the Node 22 that npm puts first on PATH (the `node` devDependency).
"use strict";
const path = require("path");
const { startDemo } = require("./demo");

/** `npm start -- --longitude DEG` puts the emulated site there (default: this machine's time zone). */
function longitudeArg() {
  const i = process.argv.indexOf("--longitude");
  if (i < 0) return undefined;
  const deg = Number(process.argv[i + 1]);
  if (!Number.isFinite(deg) || deg < -180 || deg > 180) throw new Error("--longitude needs degrees east, -180 to 180");
  return deg;
}

async function main() {
  // `npm start -- --localapi` (or PVS_DEMO_API=localapi): the emulator runs new firmware (LocalAPI over HTTPS).
  const localApi = process.argv.includes("--localapi") || process.env.PVS_DEMO_API === "localapi";
  const demo = await startDemo({
    localApi,
    userDir: path.resolve(__dirname, "..", ".demo"),
    editorPort: process.env.PORT ? Number(process.env.PORT) : undefined,
    emulatorPort: process.env.PVS_EMULATOR_PORT ? Number(process.env.PVS_EMULATOR_PORT) : undefined,
    inverters: process.env.PVS_EMULATOR_INVERTERS ? Number(process.env.PVS_EMULATOR_INVERTERS) : undefined,
    longitude: longitudeArg(),
  });
  const stop = () => void demo.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  demo.child.on("exit", (code) => void demo.stop().then(() => process.exit(code ?? 1)));
  console.log(`
  PVS emulator (PVS6, ${localApi ? "new firmware: LocalAPI" : "legacy API"}, ${demo.emulator.site.inverterCount} inverters):
      ${localApi ? `${demo.emulator.httpsUrl}/vars?name=/sys/info/sw_rev (self-signed certificate; password: last 5 characters of the serial)` : `${demo.emulator.url}/cgi-bin/dl_cgi?Command=DeviceList`}
  ${localApi ? "" : "(npm start -- --localapi runs it as a new-firmware PVS with the LocalAPI)"}
  Node-RED ${require("node-red/package.json").version} with the demo flow (one tab per example):

      ${demo.url}
${
  demo.dashboardUrl
    ? `
  The dashboard example (Dashboard 2): gauges, today's curve, a bar per panel:

      ${demo.dashboardUrl}
`
    : ""
}
  Every node shows its live status; the debug sidebar shows the messages.
  Node-RED's log: ${demo.logFile}.  Ctrl-C stops both.
`);
}

main().catch((err) => {
  console.error(`npm start: ${err && err.message ? err.message : String(err)}`);
  process.exit(1);
});
