// A node type's editor as the browser runs it, for tests without a browser: its editor.ts bundled as
// scripts/build.js bundles it, run in a VM context against stand-ins for the editor's RED and jQuery.
import assert from "assert";
import path from "path";
import vm from "vm";
import esbuild from "esbuild";

export interface EditorProperty {
  value: unknown;
  required?: boolean;
  type?: string;
  validate?: (this: unknown, value: unknown, opt?: object) => boolean | string;
}
export interface EditorDefinition {
  defaults: Record<string, EditorProperty>;
  oneditprepare?: (this: Record<string, unknown>) => void;
}

/**
 * A node type's editor definition as the browser registers it: its editor.ts bundled as scripts/build.js does,
 * run against a stand-in for the editor's RED and jQuery (every jQuery call chains, nothing is in the form).
 */
export function editorDefinition(type: string): EditorDefinition {
  const root = path.join(__dirname, "..", "..");
  const bundle = esbuild.buildSync({
    entryPoints: [path.join(root, "nodes", type, "editor.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2019",
    tsconfig: path.join(root, "src", "editor", "tsconfig.json"),
    write: false,
    logLevel: "error",
  });
  const jquery: unknown = new Proxy(function () {}, {
    get: (_target, name) =>
      typeof name === "symbol" ? undefined : name === "is" ? () => false : name === "val" ? () => "" : jquery,
    apply: () => jquery,
  });
  let registered: EditorDefinition | null = null;
  const RED = {
    nodes: { registerType: (_type: string, def: EditorDefinition) => (registered = def) },
    _: (key: string) => key,
  };
  vm.runInNewContext(bundle.outputFiles[0].text, { RED, $: jquery, document: {}, URL, Blob: Object });
  assert.ok(registered, `${type} registers its node type`);
  return registered;
}
