import assert from "assert";
import { cleanHost } from "../../../src/node-red/config-settings";
import { helper } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";
import { emulatorPerTest } from "../../support/emulator-per-test";

type ConfigNode = { label: string; configError: string | null; pvs: unknown; userCount(): number; host: string };

describe("pvs-config node", () => {
  const { emulator } = emulatorPerTest();

  it("loads with its settings and owns one connection", async () => {
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 0 }], { name: "garage PVS" }),
    );
    const cfg = helper.getNode("cfg") as unknown as ConfigNode & { name: string };
    assert.strictEqual(cfg.name, "garage PVS");
    assert.strictEqual(cfg.label, `127.0.0.1:${emulator.port}`);
    assert.strictEqual(cfg.configError, null);
    assert.ok(cfg.pvs);
    assert.strictEqual(cfg.userCount(), 1);
  });

  it("takes numbers given as strings, as the editor sends them", async () => {
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [], { port: String(emulator.port), timeout: "30", minSpacing: "2" }),
    );
    const cfg = helper.getNode("cfg") as unknown as ConfigNode;
    assert.strictEqual(cfg.configError, null);
  });

  it("says which setting is wrong instead of starting", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [], { port: 70000, timeout: "soon" }));
    const cfg = helper.getNode("cfg") as unknown as ConfigNode;
    assert.match(cfg.configError as string, /port must be a number from 1 to 65535/);
    assert.match(cfg.configError as string, /timeout must be a number/);
    assert.strictEqual(cfg.pvs, null);
  });

  it("cleans up what people paste as a host", () => {
    assert.strictEqual(cleanHost(" http://172.27.153.1/ "), "172.27.153.1");
    assert.strictEqual(cleanHost("pvs6.local"), "pvs6.local");
    assert.strictEqual(cleanHost("[fe80::1]"), "fe80::1");
    assert.strictEqual(cleanHost("a b"), null);
    assert.strictEqual(cleanHost(""), null);
  });
});
