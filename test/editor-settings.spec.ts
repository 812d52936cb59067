// The built editor files carry the runtime's defaults (one source: src/node-red/node-settings.ts, written into
// dist/<type>.html by scripts/build.js): needs `node scripts/build.js` first, as npm test runs it.
import assert from "assert";
import fs from "fs";
import path from "path";
import { NODE_DEFAULTS, SETTINGS_VERSION } from "../src/node-red/node-settings";

describe("settings that migrate: one source of defaults, in the built editor files", () => {
  it("the editor files carry the runtime's defaults and version, and accept a missing setting", () => {
    for (const [type, defaults] of Object.entries(NODE_DEFAULTS)) {
      const html = fs.readFileSync(path.join(__dirname, "..", "dist", `${type}.html`), "utf8");
      const m = /var settings = \{ version: (\d+), defaults: (\{.*\}) \};/.exec(html);
      assert.ok(m, `${type}: the settings block written by scripts/build.js`);
      assert.strictEqual(Number(m[1]), SETTINGS_VERSION, type);
      assert.deepStrictEqual(JSON.parse(m[2]), defaults, type);
      assert.ok(html.includes("settingsVersion: { value: "), `${type} carries the settings version`);
      assert.ok(html.includes(".migrate(this, "), `${type}'s edit dialog fills a missing setting`);
      // Only the pvs-config selector may be required: every other setting has a default.
      const required = [...html.matchAll(/^.*required: true.*$/gm)]
        .map((r) => r[0])
        .filter((line) => !line.includes('type: "pvs-config"'));
      assert.deepStrictEqual(required, [], type);
    }
  });
});
