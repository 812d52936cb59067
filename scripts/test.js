#!/usr/bin/env node
// The whole check, as `npm test` runs it: build (type-checks src), type-check the tests, lint, then the
// test suite twice: on Node-RED 5 (Node 22, from the node package in devDependencies) and on Node-RED 4.1
// (the machine's own Node when it is older, as on most Raspberry Pi installs). Ends with one line
// "N passed, N failed" adding up both runs; a failed build, type-check or lint step counts as a failure.
"use strict";
const { spawnSync, execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
const mocha = require.resolve("mocha/bin/mocha.js");
const tsc = require.resolve("typescript/bin/tsc");
const eslint = path.join(root, "node_modules", "eslint", "bin", "eslint.js");
const only = process.argv.slice(2); // e.g. `npm test -- test/model` runs a subset on Node-RED 5 only

let passed = 0;
let failed = 0;

function step(name, cmd, args, env = {}) {
  process.stdout.write(`\n> ${name}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) {
    process.stdout.write(`! ${name} failed\n`);
    return false;
  }
  return true;
}

/** The first `node` on PATH outside node_modules/.bin: the machine's own Node. */
function systemNode() {
  for (const dir of (process.env.PATH || "").split(path.delimiter)) {
    if (!dir || dir.includes(`node_modules${path.sep}.bin`)) continue;
    const candidate = path.join(dir, process.platform === "win32" ? "node.exe" : "node");
    if (fs.existsSync(candidate)) return candidate;
  }
  return process.execPath;
}

function runSuite(label, nodeBin, nodeRed, files) {
  const summary = path.join(os.tmpdir(), `pvs-test-${process.pid}-${nodeRed}.json`);
  fs.rmSync(summary, { force: true });
  const version = execFileSync(nodeBin, ["--version"]).toString().trim();
  const ok = step(
    `${label}: Node ${version}, ${nodeRed}`,
    nodeBin,
    [mocha, "--require", "tsx/cjs", "--exit", "--reporter", "./test/support/summary-reporter.js", ...files],
    {
      PVS_NODE_RED: nodeRed,
      PVS_TEST_SUMMARY: summary,
    },
  );
  if (fs.existsSync(summary)) {
    const counts = JSON.parse(fs.readFileSync(summary, "utf8"));
    passed += counts.passed;
    failed += counts.failed;
    fs.rmSync(summary, { force: true });
    if (!ok && counts.failed === 0) failed++;
  } else if (!ok) {
    failed++;
  }
}

const files = only.length ? only : ["test/**/*.spec.ts"];
for (const [name, cmd, args] of [
  ["build (tsc, strict)", process.execPath, [path.join(root, "scripts/build.js")]],
  ["type-check tests", process.execPath, [tsc, "--noEmit", "-p", path.join("test", "tsconfig.json")]],
  ["lint", process.execPath, [eslint, "--max-warnings", "0", "."]],
  // One format for every source (Prettier, .prettierrc.json; .prettierignore leaves data and prose out):
  // `npm run format` writes it.
  [
    "format (prettier --check)",
    process.execPath,
    [path.join(root, "node_modules", "prettier", "bin", "prettier.cjs"), "--check", "--log-level", "warn", "."],
  ],
]) {
  if (step(name, cmd, args)) passed++;
  else failed++;
}
runSuite("tests", process.execPath, "node-red", files);
if (!only.length) runSuite("tests", systemNode(), "node-red-4", files);
// The benchmarks, once and short: proof that they still run (their figures are judged by `npm run bench`).
if (!only.length) {
  if (
    step("benchmarks, quick run (npm run bench -- --quick)", process.execPath, [
      "--expose-gc",
      "--require",
      "tsx/cjs",
      path.join(root, "bench/run.ts"),
      "--quick",
    ])
  )
    passed++;
  else failed++;
}

process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
