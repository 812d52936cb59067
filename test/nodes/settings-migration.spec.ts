// Settings that migrate: a flow saved by an earlier version of the package, which lacks settings added
// since, works in the real runtime (each missing setting is its default), and the editors carry the same
// defaults and migrate with the same code as the runtime (one source: nodes/<type>/settings.ts).
import assert from "assert";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../src/emulator/server";
import { EARLIER_DEFAULT_HOST } from "../../nodes/pvs-config/settings";
import { migrateSettings, MIGRATION_CASES, NODE_DEFAULTS, NODE_SETTINGS } from "../support/node-settings";
import { currentVersion } from "../../src/settings/node-settings";
import { PvsConfigNode } from "../../src/node-red/types";
import { helper } from "../support/node-red";
import { FlowNode, NODE_MODULES } from "../support/flows";
import { editorDefinition } from "../support/editor-definition";

const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

/** The settings version a node type is saved with now (its last migration's). */
const versionOf = (type: string) => currentVersion(NODE_SETTINGS[type]);
const without = (obj: Record<string, unknown>, name: string | null) =>
  Object.fromEntries(Object.entries(obj).filter(([k]) => k !== name));
/**
 * pvs-config's settings that say where the PVS is: missing, the node points at 172.27.153.1 and cannot be polled here.
 */
const ADDRESS = new Set(["host", "port", "localPort", "telemetryPort"]);

describe("settings that migrate: an older flow works in the runtime (real runtime, emulator)", function () {
  this.timeout(60000);
  let emulator: PvsEmulator;
  before(async () => {
    emulator = new PvsEmulator({ inverters: 3 });
    await emulator.start();
  });
  after(async () => {
    await emulator.stop();
  });
  afterEach(async () => {
    await helper.unload();
  });

  /** A pvs-config on the emulator with every setting an earlier version saved, less `missing`. */
  const config = (missing: string | null): FlowNode => ({
    id: "cfg",
    type: "pvs-config",
    ...without(
      {
        ...NODE_DEFAULTS["pvs-config"],
        host: "127.0.0.1",
        port: emulator.port,
        localPort: emulator.httpsPort,
        telemetryPort: emulator.telemetryPort,
        timeout: 5,
        minSpacing: 0,
        deviceListEvery: 0,
      },
      missing,
    ),
  });

  /** Loads `nodes` with the config and resolves with the first message "out" receives after `trigger`. */
  async function firstOutput(nodes: FlowNode[], cfg: FlowNode, trigger: string | null): Promise<NodeMessage> {
    const flow: FlowNode[] = [
      { id: "tab", type: "tab", label: "old" },
      cfg,
      ...nodes.map((n) => ({ z: "tab", x: 100, y: 100, ...n })),
      { id: "out", type: "helper", z: "tab", x: 300, y: 100 },
      { id: "catch", type: "catch", z: "tab", x: 100, y: 200, scope: null, uncaught: false, wires: [["caught"]] },
      { id: "caught", type: "helper", z: "tab", x: 300, y: 200 },
    ];
    await helper.load(NODE_MODULES, flow);
    const got = new Promise<NodeMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no output within 8 s")), 8000);
      helper.getNode("out").once("input", (m: NodeMessage) => (clearTimeout(timer), resolve(m)));
      helper
        .getNode("caught")
        .once(
          "input",
          (m: NodeMessage & { error?: { message?: string } }) => (
            clearTimeout(timer),
            reject(new Error(`error: ${m.error?.message}`))
          ),
        );
    });
    if (trigger) helper.getNode(trigger).receive({ payload: "now" });
    return got;
  }

  for (const missing of [null, ...Object.keys(NODE_DEFAULTS["pvs-config"]), "settingsVersion"]) {
    it(`pvs-config without ${missing ?? "anything missing"}: a working PVS connection with the default`, async () => {
      const cfg = config(missing);
      if (missing && ADDRESS.has(missing)) {
        await helper.load(NODE_MODULES, [cfg]);
        const node = helper.getNode("cfg") as unknown as PvsConfigNode;
        assert.strictEqual(node.configError, null);
        assert.ok(node.pvs, "it has its connection");
        // The PVS's key names the address it uses: host, protocol, dl_cgi, LocalAPI and telemetry ports.
        const [host, , port, localPort, telemetryPort] = JSON.parse(node.pvsKey ?? "[]") as unknown[];
        const used: Record<string, unknown> = { host, port, localPort, telemetryPort };
        // Saved before host was required: a missing host is the one new nodes got then.
        const expected = missing === "host" ? EARLIER_DEFAULT_HOST : NODE_DEFAULTS["pvs-config"][missing];
        assert.strictEqual(used[missing], expected);
        assert.strictEqual(host, missing === "host" ? EARLIER_DEFAULT_HOST : "127.0.0.1");
        return;
      }
      const msg = await firstOutput(
        [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 0, wires: [["out"]] }],
        cfg,
        "list",
      );
      assert.ok((msg.payload as { devices?: unknown[] }).devices?.length, "a device list");
      assert.strictEqual((helper.getNode("cfg") as unknown as PvsConfigNode).configError, null);
    });
  }

  const TYPES: Array<{ type: string; extra: Record<string, unknown>; trigger: "self" | "list" | null }> = [
    { type: "pvs-device-list", extra: { interval: 0 }, trigger: "self" },
    { type: "pvs-comm", extra: { interval: 0 }, trigger: "self" },
    { type: "pvs-command", extra: { interval: 0 }, trigger: "self" },
    { type: "pvs-live", extra: {}, trigger: null },
    { type: "pvs-inverter-split", extra: {}, trigger: "list" },
  ];
  for (const { type, extra, trigger } of TYPES) {
    for (const missing of [...Object.keys(NODE_DEFAULTS[type]), "settingsVersion"]) {
      it(`${type} without ${missing}: it works with the default`, async () => {
        const settings = without({ ...NODE_DEFAULTS[type], settingsVersion: versionOf(type), ...extra }, missing);
        const node: FlowNode =
          type === "pvs-inverter-split"
            ? { id: "node", type, ...settings, wires: [["out"]] }
            : { id: "node", type, server: "cfg", ...settings, wires: [["out"]] };
        const nodes =
          trigger === "list"
            ? [node, { id: "list", type: "pvs-device-list", server: "cfg", interval: 0, wires: [["node"]] }]
            : [node];
        const msg = await firstOutput(
          nodes,
          config(null),
          trigger === "self" ? "node" : trigger === "list" ? "list" : null,
        );
        assert.ok(msg.payload !== undefined, "an output");
      });
    }
  }
});

describe("settings that migrate: one source of defaults", () => {
  it("migrates a node without a version (saved before versions existed): every missing setting gets its default, the rest is kept", () => {
    const old = { id: "c", type: "pvs-config", host: "10.0.0.2", port: 8080, timeout: 30 };
    const now = migrateSettings("pvs-config", old);
    assert.strictEqual(now.settingsVersion, versionOf("pvs-config"));
    assert.deepStrictEqual(
      { host: now.host, port: now.port, timeout: now.timeout },
      { host: "10.0.0.2", port: 8080, timeout: 30 },
    );
    for (const name of ["deviceListEvery", "minSpacing", "localPort", "telemetryPort", "api", "protocol", "labels"]) {
      assert.deepStrictEqual((now as Record<string, unknown>)[name], NODE_DEFAULTS["pvs-config"][name], name);
    }
    assert.strictEqual("settingsVersion" in old, false, "the saved settings are not changed");
    assert.strictEqual(
      migrateSettings("pvs-config", { protocol: "https" }).port,
      443,
      "the dl_cgi port's default follows the protocol",
    );
    assert.strictEqual(migrateSettings("pvs-comm", {}).interval, 300, "each node type its own defaults");
    assert.strictEqual(
      migrateSettings("pvs-device-list", { topic: "" }).topic,
      "",
      "a blank topic means the default topic: kept",
    );
    assert.strictEqual(
      migrateSettings("pvs-command", { command: "" }).command,
      "SupervisorHealth",
      "a blank choice is the default",
    );
    assert.strictEqual(
      migrateSettings("pvs-comm", { settingsVersion: versionOf("pvs-comm") + 5 }).settingsVersion,
      versionOf("pvs-comm") + 5,
      "never downgraded",
    );
  });

  for (const { what, type, saved, expect } of MIGRATION_CASES)
    it(`migrates ${what}, in the runtime and in the edit dialog`, () => {
      const runtime = migrateSettings(type, { id: "n", ...saved }) as Record<string, unknown>;
      const dialog: Record<string, unknown> = { id: "n", _: (k: string) => k, ...saved };
      editorDefinition(type).oneditprepare?.call(dialog);
      for (const [name, value] of Object.entries(expect)) {
        assert.deepStrictEqual(runtime[name], value, `runtime ${name}`);
        assert.deepStrictEqual(plain(dialog)[name], value, `dialog ${name}`);
      }
      assert.strictEqual(runtime.settingsVersion, versionOf(type));
    });

  it("the editors carry the runtime's defaults and version, accept a missing setting and fill it in", () => {
    for (const [type, defaults] of Object.entries(NODE_DEFAULTS)) {
      const def = editorDefinition(type);
      // As JSON: objects made in the editor's context have its prototypes.
      const values = plain(Object.fromEntries(Object.entries(def.defaults).map(([name, p]) => [name, p.value])));
      assert.deepStrictEqual(without(without(values, "settingsVersion"), "server"), defaults, type);
      assert.strictEqual(values.settingsVersion, versionOf(type), `${type} carries the settings version`);
      // Only the pvs-config selector may be required: every other setting has a default.
      const required = Object.entries(def.defaults).filter(([, p]) => p.required);
      assert.deepStrictEqual(
        required.map(([name, p]) => `${name}: ${p.type}`),
        type === "pvs-config" || type === "pvs-inverter-split" ? [] : ["server: pvs-config"],
        type,
      );
      // Every setting absent or blank is valid, and the edit dialog fills it in with the runtime's migration.
      const node: Record<string, unknown> = {
        id: "n",
        _: (k: string) => k,
        ...(type === "pvs-config" ? {} : { server: "c" }),
      };
      for (const [name, p] of Object.entries(def.defaults)) {
        if (name === "server") continue;
        for (const absent of [undefined, null, ""])
          assert.strictEqual(p.validate?.call(node, absent, {}) ?? true, true, `${type} ${name} ${absent}`);
      }
      def.oneditprepare?.call(node);
      const migrated = migrateSettings(type, { id: "n", ...(type === "pvs-config" ? {} : { server: "c" }) });
      assert.deepStrictEqual(plain(node), plain(migrated), type);
    }
    // The dl_cgi port's default follows the protocol in the dialog too.
    const https: Record<string, unknown> = { id: "c", _: String, protocol: "https", port: "" };
    editorDefinition("pvs-config").oneditprepare?.call(https);
    assert.strictEqual(https.port, 443);
  });
});
