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
writeEditorSettings();

/**
 * One source of defaults for the runtime and the editor: each editor file gets its node's defaults and settings
 * version from src/node-red/node-settings.ts (compiled above), between its `// <pvs-settings>` markers, with the
 * editor's side of the migration: an absent setting is valid (it means the default), and the form shows it.
 */
function writeEditorSettings() {
  const { NODE_DEFAULTS, SETTINGS_VERSION } = require(path.join(root, "nodes", "node-red", "node-settings.js"));
  for (const [type, defaults] of Object.entries(NODE_DEFAULTS)) {
    const file = path.join(root, "nodes", `${type}.html`);
    const html = fs.readFileSync(file, "utf8");
    const marker = /^( *)\/\/ <pvs-settings>\n[\s\S]*?\/\/ <\/pvs-settings>\n/m;
    if (!marker.test(html)) throw new Error(`${file} has no // <pvs-settings> … // </pvs-settings> markers`);
    const out = html.replace(marker, (_all, indent) => editorSettings(type, defaults, SETTINGS_VERSION, indent));
    if (out !== html) fs.writeFileSync(file, out);
  }
}

/** The name of a node type's settings object in the editor ("pvs-device-list" → pvsDeviceListSettings). */
function settingsName(type) {
  return `${type.replace(/-([a-z])/g, (_m, c) => c.toUpperCase())}Settings`;
}

function editorSettings(type, defaults, version, indent) {
  const lines = [
    "// <pvs-settings>",
    "// Written by scripts/build.js from src/node-red/node-settings.ts (do not edit here): the defaults the runtime",
    "// uses too, and the settings version. A setting absent from a node saved by an earlier version (or left",
    "// blank) means its default: its validator accepts it, and the edit dialog shows the default.",
    `var ${settingsName(type)} = (function () {`,
    `    var settings = { version: ${version}, defaults: ${JSON.stringify(defaults)} };`,
    "    settings.orDefault = function (validate) {",
    "        return function (v, opt) { return v === undefined || v === null || v === \"\" || validate.call(this, v, opt); };",
    "    };",
    "    settings.migrate = function (node, prefix) {",
    ...(type === "pvs-config" ? ["        if (node.protocol === \"https\" && (node.port === undefined || node.port === null)) { node.port = 443; $(\"#\" + prefix + \"port\").val(443); }"] : []),
    "        Object.keys(settings.defaults).forEach(function (name) {",
    "            if (node[name] !== undefined && node[name] !== null) { return; }",
    "            node[name] = JSON.parse(JSON.stringify(settings.defaults[name]));",
    "            var input = $(\"#\" + prefix + name);",
    "            if (input.is(\":checkbox\")) { input.prop(\"checked\", node[name] === true); } else if (typeof node[name] !== \"object\") { input.val(node[name]); }",
    "        });",
    "        node.settingsVersion = settings.version;",
    "    };",
    "    return settings;",
    "})();",
    "// </pvs-settings>",
  ];
  return lines.map((l) => indent + l).join("\n") + "\n";
}
