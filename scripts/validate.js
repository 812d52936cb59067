#!/usr/bin/env node
// The Flow Library's scorecard (`node-red-dev validate`), run without the network, and a gate on it.
//
// node-red-dev fetches https://catalogue.nodered.org/catalogue.json and asks the npm registry about node-red and
// about our dependency tree. Here every one of those requests goes to a stub on 127.0.0.1 (HTTP(S)_PROXY for its
// axios calls, npm_config_registry for npm-remote-ls and npm-check): the catalogue is empty, node-red is the
// Node-RED 5 installed in node_modules (the one the tests run on), and every other package is what node_modules
// holds. So the run is the same on any machine, takes about a second, and sends nothing anywhere.
//
// What each check means offline, and whether a failure fails `npm test`:
//   P01 licence, P03 repository or bugs URL, P04 scoped name, N02 an example for every node, D01 at most 6
//   dependencies: read from package.json and examples/; gated.
//   P05 "node-red" keyword: node-red-dev records it as passed even when the keyword is missing (a bug in 0.1.6), so
//   this script checks package.json itself; gated.
//   P06 Node-RED version range, P07 engines.node: checked against the installed Node-RED 5's version and engines
//   (the Flow Library uses the registry's latest, the same 5.x today); gated.
//   D02 no known-bad package in the dependency tree: walked through the installed packages (node-red-dev 0.1.6 walks
//   the first dependency only; we have one); gated, unless the walk could not load a package (then not run).
//   VACUOUS offline, reported but never gated:
//   P08 no similar package name, N01 no node type already used by another package: need the real catalogue; with
//   the empty stub they always pass.
//   D03 dependencies at their latest version: needs the registry's latest; the stub's latest is the installed
//   version, so it always passes (and online it would turn red whenever axios publishes, which is no defect here).
//
// Usage: node scripts/validate.js [--output file.json]   (default test-results/scorecard.json); exit 1 on a gated
// failure. Also `require("./scripts/validate").validate({ output })` -> { scorecard, checks, log }.
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const http = require("http");
const path = require("path");
const { URL } = require("url");

const root = path.resolve(__dirname, "..");
const GATED = ["P01", "P03", "P04", "P05", "P06", "P07", "N02", "D01", "D02"];
const VACUOUS = {
  P08: "needs the Flow Library catalogue (catalogue.nodered.org); the offline stub lists no packages",
  N01: "needs the Flow Library catalogue (catalogue.nodered.org); the offline stub lists no node types",
  D03: "needs the npm registry's latest versions; offline the installed versions stand in for them",
};

/** Every package under node_modules (nested copies too): name -> version -> its package.json. */
function installedPackages(dir = path.join(root, "node_modules"), found = new Map()) {
  if (!fs.existsSync(dir)) return found;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.name.startsWith("@")) {
      installedPackages(full, found);
      continue;
    }
    const file = path.join(full, "package.json");
    if (fs.existsSync(file)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
        if (pkg.name && pkg.version) {
          if (!found.has(pkg.name)) found.set(pkg.name, new Map());
          found.get(pkg.name).set(pkg.version, pkg);
        }
      } catch {
        // not a package root (a test fixture named package.json): skip
      }
    }
    installedPackages(path.join(full, "node_modules"), found);
  }
  return found;
}

/** The stub: the catalogue, and a registry made of what is installed. Answers proxy (absolute URL) and direct requests. */
function startStub() {
  const packages = installedPackages();
  const packument = (name) => {
    const versions = packages.get(name);
    if (!versions) return null;
    const sorted = [...versions.keys()].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    const entries = Object.fromEntries(
      sorted.map((v) => [
        v,
        { name, version: v, dependencies: versions.get(v).dependencies ?? {}, engines: versions.get(v).engines ?? {} },
      ]),
    );
    return { name, "dist-tags": { latest: sorted[sorted.length - 1] }, versions: entries };
  };
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://stub.invalid");
    requests.push(`${url.host === "stub.invalid" ? "registry" : url.host}${url.pathname}`);
    res.setHeader("Content-Type", "application/json");
    if (url.host === "catalogue.nodered.org") return res.end(JSON.stringify({ modules: [] }));
    const body = packument(decodeURIComponent(url.pathname.slice(1)));
    if (!body) res.statusCode = 404;
    res.end(JSON.stringify(body ?? { error: "not installed" }));
  });
  // Tunnels (CONNECT) would reach the real host: refused.
  server.on("connect", (req, socket) => {
    requests.push(`refused CONNECT ${req.url}`);
    socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, requests, url: `http://127.0.0.1:${server.address().port}` }),
    ),
  );
}

/** Runs node-red-dev validate through the stub; the scorecard, each gated or vacuous check's verdict, and the output. */
async function validate({ output = path.join(root, "test-results", "scorecard.json"), timeoutMs = 60000 } = {}) {
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.rmSync(output, { force: true });
  const stub = await startStub();
  const env = {
    ...process.env,
    HTTP_PROXY: stub.url,
    HTTPS_PROXY: stub.url,
    http_proxy: stub.url,
    https_proxy: stub.url,
    npm_config_registry: `${stub.url}/`,
    npm_registry: `${stub.url}/`,
  };
  for (const key of ["NO_PROXY", "no_proxy", "npm_config_proxy", "npm_config_https_proxy", "npm_config_noproxy"])
    delete env[key];
  let log = "";
  const code = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [require.resolve("node-red-dev/bin/run"), "validate", "-o", output], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    child.on("error", reject);
    child.on("exit", (c, signal) => {
      clearTimeout(timer);
      resolve(signal ? `killed (${signal}) after ${timeoutMs / 1000} s` : c);
    });
  });
  await new Promise((r) => stub.server.close(r));
  if (!fs.existsSync(output)) throw new Error(`node-red-dev validate wrote no scorecard (exit ${code}):\n${log}`);
  const scorecard = JSON.parse(fs.readFileSync(output, "utf8"));

  // P05 as the Flow Library means it (node-red-dev 0.1.6 passes it whatever the keywords say).
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  scorecard.P05 = {
    test: Array.isArray(pkg.keywords) && pkg.keywords.includes("node-red"),
    checkedBy: "scripts/validate.js",
  };
  const d02Ran = !/could not load/.test(log);
  scorecard.offline = {
    stubRequests: [...new Set(stub.requests)].sort(),
    vacuous: VACUOUS,
    ...(d02Ran ? {} : { notRun: { D02: "a package of the dependency tree could not be loaded" } }),
  };
  fs.writeFileSync(output, JSON.stringify(scorecard, null, 2));

  const checks = {};
  for (const id of GATED) {
    if (id === "D02" && !d02Ran) checks[id] = { gated: false, passed: null, why: scorecard.offline.notRun.D02 };
    else
      checks[id] = {
        gated: true,
        passed: scorecard[id]?.test === true,
        why: scorecard[id] ? undefined : "not in the scorecard",
      };
  }
  for (const [id, why] of Object.entries(VACUOUS))
    checks[id] = { gated: false, passed: scorecard[id]?.test ?? null, why: `vacuous offline: ${why}` };
  return { scorecard, checks, log, exitCode: code };
}

module.exports = { validate, GATED, VACUOUS };

if (require.main === module) {
  const i = process.argv.indexOf("--output");
  validate(i > 0 ? { output: path.resolve(process.argv[i + 1]) } : {})
    .then(({ checks, log }) => {
      process.stdout.write(log);
      const failed = Object.entries(checks).filter(([, c]) => c.gated && !c.passed);
      for (const [id, c] of Object.entries(checks))
        process.stdout.write(`${c.gated ? (c.passed ? "pass" : "FAIL") : "n/a "} ${id}${c.why ? ` (${c.why})` : ""}\n`);
      process.exit(failed.length ? 1 : 0);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
