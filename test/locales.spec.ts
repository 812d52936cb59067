// Static checks of the message catalogs against the code and the editor forms that use them.
import assert from "assert";
import fs from "fs";
import path from "path";

const root = path.resolve(__dirname, "..");
const catalog = (type: string) => JSON.parse(fs.readFileSync(path.join(root, "locales/en-US", `${type}.json`), "utf8"));
const TYPES = ["pvs-config", "pvs-device-list", "pvs-comm", "pvs-inverter-split"];

function has(obj: Record<string, unknown>, key: string): boolean {
  const parts = key.split(".");
  const last = parts.pop() as string;
  let node: unknown = obj;
  for (const p of parts) node = (node as Record<string, unknown> | undefined)?.[p];
  const leaf = node as Record<string, unknown> | undefined;
  return !!leaf && (last in leaf || `${last}_one` in leaf || `${last}_other` in leaf);
}

describe("message catalogs (en-US)", () => {
  it("use Node-RED's __name__ interpolation, not i18next's default {{name}}", () => {
    for (const type of TYPES) assert.ok(!JSON.stringify(catalog(type)).includes("{{"), type);
  });

  it("have every runtime status key the code uses", () => {
    const used = new Set<string>();
    for (const file of fs.readdirSync(path.join(root, "src"), { recursive: true }) as string[]) {
      if (!file.endsWith(".ts")) continue;
      const text = fs.readFileSync(path.join(root, "src", file), "utf8");
      for (const m of text.matchAll(/"(status\.[A-Za-z]+)"/g)) used.add(m[1]);
    }
    assert.ok(used.size > 10);
    const shared = catalog("pvs-config");
    for (const key of used) assert.ok(has(shared, key), key);
  });

  it("have every key the editor forms and labels use", () => {
    for (const type of TYPES) {
      const html = fs.readFileSync(path.join(root, "nodes", `${type}.html`), "utf8");
      const keys = [...html.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g), ...html.matchAll(/_\("(?:[^":]+:)?([a-z-]+\.[A-Za-z.]+)"(?!\s*\+)/g)].map((m) => m[1]);
      assert.ok(keys.length > 3, type);
      for (const key of keys) assert.ok(has(catalog(type), key), `${type}: ${key}`);
    }
  });

  it("give every node a help text in the core style", () => {
    for (const type of TYPES) {
      const help = fs.readFileSync(path.join(root, "locales/en-US", `${type}.html`), "utf8");
      assert.ok(help.includes(`data-help-name="${type}"`), type);
      if (type !== "pvs-config") for (const section of ["Inputs", "Outputs", "Details"]) assert.ok(help.includes(`<h3>${section}</h3>`), `${type}: ${section}`);
    }
  });
});
