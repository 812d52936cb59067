import assert from "assert";
import { cleanHost } from "../../../src/settings/address";
import { editorDefinition } from "../../support/editor-definition";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { helper, nextMessages, settle } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";
import { emulatorPerTest } from "../../support/emulator-per-test";
import { HOST_REQUIRED_VERSION } from "../../../nodes/pvs-config/settings";

type ConfigNode = { endpoint: string; configError: string | null; pvs: unknown; userCount(): number; host: string };

describe("pvs-config node", () => {
  const { emulator } = emulatorPerTest();

  it("loads with its settings and owns one connection", async () => {
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 0 }], { name: "garage PVS" }),
    );
    const cfg = helper.getNode("cfg") as unknown as ConfigNode & { name: string };
    assert.strictEqual(cfg.name, "garage PVS");
    assert.strictEqual(cfg.endpoint, `127.0.0.1:${emulator.port}`);
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
    assert.match(cfg.configError as string, /port must be a whole number from 1 to 65535/);
    assert.match(cfg.configError as string, /timeout must be a number/);
    assert.strictEqual(cfg.pvs, null);
  });

  // A host that carries a port, or a port Number() reads but a URL cannot take, once passed and every request
  // then failed "Invalid URL"; "0x…" even reached the PVS, read as a port number. The node must say its settings
  // are invalid, and nothing be polled.
  const badAddresses = (port: number): Array<[string, Record<string, unknown>, RegExp]> => [
    ["host:port", { host: `127.0.0.1:${port}` }, /host "127\.0\.0\.1:\d+" is not a host name or IP address/],
    ["a pasted URL with a port", { host: `http://127.0.0.1:${port}/` }, /is not a host name or IP address/],
    ["a fractional port", { port: `${port}.5` }, /port must be a whole number from 1 to 65535/],
    ["a fractional port number", { port: port + 0.5 }, /port must be a whole number from 1 to 65535/],
    ["a hexadecimal port", { port: `0x${port.toString(16)}` }, /port must be a whole number from 1 to 65535/],
    ["a hexadecimal LocalAPI port", { localPort: "0x50" }, /LocalAPI port must be a whole number/],
  ];
  for (const index of badAddresses(80).keys()) {
    it(`reports ${badAddresses(80)[index][0]} as invalid settings (PVS_BAD_CONFIG, red status) instead of polling`, async () => {
      const [, config, problem] = badAddresses(emulator.port)[index];
      await helper.load(
        NODE_MODULES,
        testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 1 }], config),
      );
      const cfg = helper.getNode("cfg") as unknown as ConfigNode;
      assert.match(cfg.configError ?? "", problem);
      assert.strictEqual(cfg.pvs, null, "no connection");
      const status = (helper.getNode("list").status as unknown as sinon.SinonSpy).lastCall?.args[0];
      assert.deepStrictEqual(status, {
        fill: "red",
        shape: "ring",
        text: "@pvs-local/node-red-sunpower/pvs-config:status.badConfig",
      });
      const caught = nextMessages<NodeMessage & { error?: { code?: string } }>(helper.getNode("caught"));
      helper.getNode("list").receive({ payload: "now" });
      const [msg] = await caught;
      assert.strictEqual(msg.error?.code, "PVS_BAD_CONFIG");
      await settle(1500);
      assert.strictEqual(emulator.count(), 0, "the PVS was not asked");
    });
  }

  // A new node has no host (most units answer on the home network, at an address only the user knows): it must
  // say so and send nothing, not poll an address that fits only old firmware.
  for (const host of ["", "   ", undefined])
    it(`a new pvs-config with host ${JSON.stringify(host)}: PVS_NO_HOST, a red status that says so, nothing sent`, async () => {
      await helper.load(
        NODE_MODULES,
        testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 1 }], {
          host,
          settingsVersion: HOST_REQUIRED_VERSION,
        }),
      );
      const cfg = helper.getNode("cfg") as unknown as ConfigNode & { configErrorCode: string | null };
      assert.strictEqual(cfg.configErrorCode, "PVS_NO_HOST");
      assert.match(cfg.configError ?? "", /^no host: set the PVS's address/);
      assert.strictEqual(cfg.pvs, null, "no connection");
      const status = (helper.getNode("list").status as unknown as sinon.SinonSpy).lastCall?.args[0];
      assert.deepStrictEqual(status, {
        fill: "red",
        shape: "ring",
        text: "@pvs-local/node-red-sunpower/pvs-config:status.noHost",
      });
      const caught = nextMessages<NodeMessage & { error?: { code?: string } }>(helper.getNode("caught"));
      helper.getNode("list").receive({ payload: "now" });
      const [msg] = await caught;
      assert.strictEqual(msg.error?.code, "PVS_NO_HOST");
      await settle(1500);
      assert.strictEqual(emulator.count(), 0, "the PVS was not asked");
    });

  it("cleans up what people paste as a host", () => {
    assert.strictEqual(cleanHost(" http://172.27.153.1/ "), "172.27.153.1");
    assert.strictEqual(cleanHost("pvs6.local"), "pvs6.local");
    assert.strictEqual(cleanHost("[fe80::1]"), "fe80::1");
    assert.strictEqual(cleanHost("a b"), null);
    assert.strictEqual(cleanHost(""), null);
  });
});

describe("pvs-config editor validators (the editor's bundle, the runtime's rules)", () => {
  const defaults = editorDefinition("pvs-config").defaults;
  const node = { id: "c", _: (k: string) => k };
  const valid = (name: string, value: unknown) => defaults[name].validate?.call(node, value);
  const reason = (name: string, value: unknown) => defaults[name].validate?.call(node, value, {});

  for (const host of ["192.168.1.10:8080", "http://192.168.1.10:8080/", "pvs.local:80", "[fe80::1]:8080", "a b"])
    it(`refuses the host "${host}"`, () => {
      assert.strictEqual(valid("host", host), false);
      assert.strictEqual(reason("host", host), "@pvs-local/node-red-sunpower/pvs-config:pvs-config.errors.host");
    });
  it("requires a host in a new node; a node saved before host was required may lack it (it gets the earlier default)", () => {
    const fresh = { ...node, settingsVersion: HOST_REQUIRED_VERSION };
    for (const blank of ["", undefined, null]) {
      assert.strictEqual(defaults.host.validate?.call(fresh, blank), false, String(blank));
      assert.strictEqual(
        defaults.host.validate?.call(fresh, blank, {}),
        "@pvs-local/node-red-sunpower/pvs-config:pvs-config.errors.noHost",
      );
      for (const version of [undefined, 0, HOST_REQUIRED_VERSION - 1])
        assert.strictEqual(defaults.host.validate?.call({ ...node, settingsVersion: version }, blank), true);
    }
    assert.strictEqual(defaults.host.validate?.call(fresh, "192.168.1.50"), true);
    assert.strictEqual(defaults.host.validate?.call(fresh, "a b"), false);
  });
  for (const port of ["80.5", 80.5, "0x50", "1e2", "0", "65536", "-1"])
    it(`refuses the port ${JSON.stringify(port)} in each port field`, () => {
      for (const name of ["port", "localPort", "telemetryPort"]) {
        assert.strictEqual(valid(name, port), false, name);
        assert.strictEqual(reason(name, port), "@pvs-local/node-red-sunpower/pvs-config:pvs-config.errors.port");
      }
    });
  it("accepts what the runtime accepts: pasted URLs without a port, IPv6, ports as text, ${ENV}, blank", () => {
    for (const host of ["172.27.153.1", " http://172.27.153.1/ ", "pvs6.local", "fe80::1", "[fe80::1]", "${PVS}", ""])
      assert.strictEqual(valid("host", host), true, host);
    for (const port of [80, "443", " 8080 ", "${PORT}", "", undefined])
      assert.strictEqual(valid("port", port), true, String(port));
    const hex = "ab".repeat(32);
    for (const pin of ["", hex, hex.replace(/(..)(?!$)/g, "$1:"), hex.replace(/(....)/g, "$1 ")])
      assert.strictEqual(valid("fingerprint", pin), true, pin);
    assert.strictEqual(valid("fingerprint", "ab:cd"), false);
  });
});
