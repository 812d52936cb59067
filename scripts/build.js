#!/usr/bin/env node
// Build what Node-RED loads into dist/ (pure build output, gitignored) from the node folders nodes/<type>/, the
// engine src/ and the icons icons/: compile the runtime with tsc (tsconfig.json), type-check the editor code
// (src/editor/tsconfig.json), then give each node type what Node-RED looks for beside a node's .js:
// dist/<type>.js (loads the compiled runtime), dist/<type>.html (its editor: the settings block, its editor.ts
// bundled for the browser, its template), dist/icons/<type>.svg and dist/locales/<lang>/<type>.{json,html}.
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const out = path.join(root, "dist");
const nodeDirs = path.join(root, "nodes");
const editorConfig = path.join(root, "src", "editor", "tsconfig.json");
const tsc = require.resolve("typescript/bin/tsc");
const esbuild = require("esbuild");

// All of dist/ is build output: cleared first, so that a removed source leaves nothing stale behind.
fs.rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.json")], { stdio: "inherit", cwd: root });
execFileSync(process.execPath, [tsc, "-p", editorConfig], { stdio: "inherit", cwd: root });
fs.chmodSync(path.join(out, "src", "emulator", "cli.js"), 0o755);
const { NODE_DEFAULTS, SETTINGS_VERSION } = require(path.join(out, "src", "node-red", "node-settings.js"));
for (const type of fs.readdirSync(nodeDirs)) assembleNode(type);

/** One node type's files where Node-RED looks for them, from its folder nodes/<type>/ and its icon. */
function assembleNode(type) {
  const dir = path.join(nodeDirs, type);
  // Node-RED loads dist/<type>.js (package.json "node-red".nodes); tsc compiled the runtime into dist/nodes/<type>/.
  fs.writeFileSync(
    path.join(out, `${type}.js`),
    `"use strict";\n// Written by scripts/build.js: the ${type} node's runtime, from nodes/${type}/runtime.ts.\nmodule.exports = require("./nodes/${type}/runtime.js");\n`,
  );
  const icon = path.join(root, "icons", `${type}.svg`);
  if (fs.existsSync(icon)) {
    fs.mkdirSync(path.join(out, "icons"), { recursive: true });
    fs.copyFileSync(icon, path.join(out, "icons", `${type}.svg`));
  }
  for (const lang of fs.readdirSync(path.join(dir, "locales"))) {
    fs.mkdirSync(path.join(out, "locales", lang), { recursive: true });
    for (const file of fs.readdirSync(path.join(dir, "locales", lang)))
      fs.copyFileSync(path.join(dir, "locales", lang, file), path.join(out, "locales", lang, file));
  }
  fs.writeFileSync(path.join(out, `${type}.html`), editorFile(type, dir));
}

/**
 * dist/<type>.html: one script, in a function of its own so that nothing leaks into the editor's globals: the
 * settings block, then the node's editor.ts with the shared src/editor/ modules it imports, bundled by esbuild
 * (ES2019, as the browsers Node-RED 4 supports); then the edit dialog's template, editor.html.
 */
function editorFile(type, dir) {
  const bundle = esbuild.buildSync({
    entryPoints: [path.join(dir, "editor.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2019",
    tsconfig: editorConfig,
    charset: "utf8",
    write: false,
    logLevel: "error",
  });
  const code = bundle.outputFiles[0].text.replace(/^"use strict";\n/, "");
  const script = [
    '<script type="text/javascript">',
    "(function () {",
    '"use strict";',
    editorSettings(type, SETTINGS_VERSION),
    code.trimEnd(),
    "})();",
    "</script>",
  ];
  return script.join("\n") + "\n\n" + fs.readFileSync(path.join(dir, "editor.html"), "utf8");
}

/**
 * One source of defaults for the runtime and the editor: each editor file gets its node's defaults and settings
 * version from src/node-red/node-settings.ts (compiled above) as `var <type>Settings` (src/editor/settings.ts
 * says what it holds), with the editor's side of the migration: an absent setting is valid (it means the
 * default), and the form shows it.
 */
/** The name of a node type's settings object in the editor ("pvs-device-list" → pvsDeviceListSettings). */
function settingsName(type) {
  return `${type.replace(/-([a-z])/g, (_m, c) => c.toUpperCase())}Settings`;
}

function editorSettings(type, version) {
  const defaults = NODE_DEFAULTS[type];
  if (!defaults) throw new Error(`src/node-red/node-settings.ts has no defaults for ${type}`);
  const lines = [
    "// <pvs-settings>",
    "// Written by scripts/build.js from src/node-red/node-settings.ts: the defaults the runtime",
    "// uses too, and the settings version. A setting absent from a node saved by an earlier version (or left",
    "// blank) means its default: its validator accepts it, and the edit dialog shows the default.",
    `var ${settingsName(type)} = (function () {`,
    `    var settings = { version: ${version}, defaults: ${JSON.stringify(defaults)} };`,
    "    settings.orDefault = function (validate) {",
    '        return function (v, opt) { return v === undefined || v === null || v === "" || validate.call(this, v, opt); };',
    "    };",
    "    settings.migrate = function (node, prefix) {",
    ...(type === "pvs-config"
      ? [
          '        if (node.protocol === "https" && (node.port === undefined || node.port === null)) { node.port = 443; $("#" + prefix + "port").val(443); }',
        ]
      : []),
    "        Object.keys(settings.defaults).forEach(function (name) {",
    "            if (node[name] !== undefined && node[name] !== null) { return; }",
    "            node[name] = JSON.parse(JSON.stringify(settings.defaults[name]));",
    '            var input = $("#" + prefix + name);',
    '            if (input.is(":checkbox")) { input.prop("checked", node[name] === true); } else if (typeof node[name] !== "object") { input.val(node[name]); }',
    "        });",
    "        node.settingsVersion = settings.version;",
    "    };",
    "    return settings;",
    "})();",
    "// </pvs-settings>",
  ];
  return lines.join("\n");
}
