#!/usr/bin/env node
// Build what Node-RED loads from nodes/: compile src/ with tsc, then copy the icons and message catalogs
// next to the compiled node files (Node-RED only looks for icons/ and locales/ beside a node's .js).
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const tsc = require.resolve("typescript/bin/tsc");

execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.json")], { stdio: "inherit", cwd: root });
for (const dir of ["icons", "locales"]) {
  const target = path.join(root, "nodes", dir);
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(path.join(root, dir), target, { recursive: true });
}
fs.chmodSync(path.join(root, "nodes", "emulator", "cli.js"), 0o755);
