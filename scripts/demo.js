// Starts the embedded PVS emulator and a real Node-RED 5 with this package and the demo flow; used by
// `npm start` and by the end-to-end test, so that the test runs exactly what a newcomer runs.
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const http = require("http");
const net = require("net");
const path = require("path");
const { buildDemoFlow } = require("./demo-flow");

const root = path.resolve(__dirname, "..");
const pkg = require(path.join(root, "package.json"));
/** Dashboard 2, for the dashboard example; `npm install` puts it in node_modules (a devDependency). */
const DASHBOARD = "@flowfuse/node-red-dashboard";

function portFree(port) {
  return new Promise((resolve) => {
    const probe = net.createServer().once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

async function firstFreePort(from) {
  for (let p = from; p < from + 50; p++) if (await portFree(p)) return p;
  throw new Error(`no free port from ${from} to ${from + 49}`);
}

function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { Accept: "application/json" } }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      })
      .on("error", reject);
  });
}

async function waitForEditor(url, child, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited with code ${child.exitCode}`);
    const res = await get(`${url}settings`).catch(() => null);
    if (res && (res.status === 200 || res.status === 401)) return; // 401: up, behind adminAuth
    if (Date.now() > end) throw new Error("Node-RED did not start in time");
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * @param {{userDir: string, editorPort?: number, emulatorPort?: number, inverters?: number, delayMs?: number, localApi?: boolean, longitude?: number, now?: () => number, settings?: object, flow?: object[]}} options
 *   `settings` is merged over the demo settings (tests add adminAuth); `flow` replaces the demo flow; `longitude`
 *   moves the emulated sun (default: this machine's time zone) and `now` is the emulated site's clock (default Date.now), so a test can
 *   have day or night whenever it runs, or play a day fast.
 * @returns {Promise<{url: string, dashboardUrl: string | null, emulator: object, logFile: string, stop: () => Promise<void>}>}
 *   `dashboardUrl`: the Dashboard 2 page when the flow has a ui-base (the demo flow does), else null.
 */
async function startDemo(options) {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 9)) {
    throw new Error(
      `Node-RED 5 needs Node >= 22.9, this is ${process.version}. Run it through npm (npm start), which uses the Node 22 from devDependencies.`,
    );
  }
  const { userDir } = options;
  const { PvsEmulator } = require(path.join(root, "dist", "src", "emulator", "server.js"));
  const emulator = new PvsEmulator({
    port: options.emulatorPort ?? (await firstFreePort(18080)),
    httpsPort: await firstFreePort(18443),
    localApi: options.localApi === true,
    inverters: options.inverters ?? 20,
    delayMs: options.delayMs ?? 1500,
    // By default (the emulator's) the sun follows this machine's day: a demo at lunchtime in Europe or Asia is not
    // at night.
    ...(options.longitude !== undefined ? { longitude: options.longitude } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
  await emulator.start();

  // A throw-away user directory: this package linked in (as `npm install <folder>` does), Dashboard 2 from our
  // devDependencies linked in as if installed from the palette (the dashboard example needs it), and the demo flow.
  const dashboardDir = path.dirname(require.resolve(`${DASHBOARD}/package.json`));
  const dependencies = { [pkg.name]: `file:${root}`, [DASHBOARD]: `file:${dashboardDir}` };
  for (const [name, dir] of [
    [pkg.name, root],
    [DASHBOARD, dashboardDir],
  ]) {
    const link = path.join(userDir, "node_modules", ...name.split("/"));
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(dir, link, "dir");
  }
  fs.writeFileSync(
    path.join(userDir, "package.json"),
    JSON.stringify({ name: "pvs-demo", private: true, dependencies }, null, 2),
  );
  const flow =
    options.flow ??
    buildDemoFlow({
      host: "127.0.0.1",
      port: emulator.port,
      localPort: emulator.httpsPort,
      telemetryPort: emulator.telemetryPort,
      localApi: options.localApi === true,
    });
  fs.writeFileSync(path.join(userDir, "flows.json"), JSON.stringify(flow, null, 2));
  // The emulator's lifetime counters start afresh with it: what pvs-device-list remembered of the last run's
  // (higher) counters would read as counters going backwards, so the demo starts with an empty context store.
  fs.rmSync(path.join(userDir, "context"), { recursive: true, force: true });
  fs.copyFileSync(path.join(__dirname, "demo-settings.js"), path.join(userDir, "demo-settings.js"));
  const extra = JSON.stringify(options.settings ?? {});
  fs.writeFileSync(
    path.join(userDir, "settings.js"),
    `module.exports = Object.assign(require("./demo-settings.js"), ${extra});\n`,
  );

  const editorPort = options.editorPort ?? (await firstFreePort(1880));
  const logFile = path.join(userDir, "node-red.log");
  const log = fs.openSync(logFile, "w");
  const child = spawn(
    process.execPath,
    [
      require.resolve("node-red/red.js"),
      "--userDir",
      userDir,
      "--port",
      String(editorPort),
      "--settings",
      path.join(userDir, "settings.js"),
    ],
    {
      cwd: root,
      stdio: ["ignore", log, log],
    },
  );
  fs.closeSync(log);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      await exited;
    }
    await emulator.stop();
  };
  const url = `http://127.0.0.1:${editorPort}/`;
  try {
    await waitForEditor(url, child, 60000);
  } catch (err) {
    await stop();
    throw new Error(`${err.message}; see ${logFile}`, { cause: err });
  }
  // Dashboard 2 serves the dashboard of the flow's ui-base (the demo flow has one, at /dashboard).
  const uiBase = flow.find((n) => n.type === "ui-base");
  const dashboardUrl = uiBase ? `${url}${String(uiBase.path || "/dashboard").replace(/^\/+/, "")}` : null;
  return { url, dashboardUrl, emulator, logFile, child, stop, get };
}

module.exports = { startDemo, firstFreePort };
