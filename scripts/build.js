#!/usr/bin/env node
// Build what Node-RED loads from nodes/: compile src/ with tsc, then copy the icons and message catalogs
// next to the compiled node files (Node-RED only looks for icons/ and locales/ beside a node's .js).
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const tsc = require.resolve("typescript/bin/tsc");

// Everything under nodes/ but the editor .html files is build output: cleared first, so that a source removed
// from src/ leaves no stale .js behind to be packed.
for (const entry of fs.readdirSync(path.join(root, "nodes"), { withFileTypes: true })) {
  const full = path.join(root, "nodes", entry.name);
  if (entry.isDirectory()) fs.rmSync(full, { recursive: true, force: true });
  else if (entry.name.endsWith(".js")) fs.rmSync(full, { force: true });
}
execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.json")], { stdio: "inherit", cwd: root });
for (const dir of ["icons", "locales"]) {
  const target = path.join(root, "nodes", dir);
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(path.join(root, dir), target, { recursive: true });
}
fs.chmodSync(path.join(root, "nodes", "emulator", "cli.js"), 0o755);
