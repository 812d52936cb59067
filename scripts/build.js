#!/usr/bin/env node
// Build what Node-RED loads into dist/ (pure build output, gitignored) from the node folders nodes/<type>/, the
// engine src/ and the icons icons/: compile the runtime with tsc (tsconfig.json), type-check the editor code
// (src/editor/tsconfig.json), then give each node type what Node-RED looks for beside a node's .js:
// dist/<type>.js (loads the compiled runtime), dist/<type>.html (its editor: its editor.ts bundled for the
// browser, with the settings.ts it imports, then its template), dist/icons/<type>.svg and
// dist/locales/<lang>/<type>.{json,html}.
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
 * node's editor.ts with what it imports (its settings.ts, the shared src/editor/ modules and the pure rules they
 * share with the runtime), bundled by esbuild (ES2019, as the browsers Node-RED 4 supports); then the edit
 * dialog's template, editor.html.
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
    code.trimEnd(),
    "})();",
    "</script>",
  ];
  return script.join("\n") + "\n\n" + fs.readFileSync(path.join(dir, "editor.html"), "utf8");
}
