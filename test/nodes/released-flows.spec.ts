// Flows that earlier versions of this package shipped (test/fixtures/released-flows: examples of commit 317b3bf,
// the first, and 2d33f0d, the last before settings versions, and the demo flow `npm start` deployed then), loaded
// as saved into the real runtime against the emulator ("each released shape"): every PVS node reads the
// PVS and sends without an error, and every setting they lack is its current default.
import assert from "assert";
import fs from "fs";
import path from "path";
import { PvsEmulator } from "../../src/emulator/server";
import { migrateSettings, NODE_DEFAULTS, NODE_SETTINGS } from "../support/node-settings";
import { currentVersion } from "../../src/settings/node-settings";
import { PvsConfigNode } from "../../src/node-red/types";
import { helper, NODE_RED_PACKAGE, until } from "../support/node-red";
import { FlowNode, NODE_MODULES } from "../support/flows";
import { SITE_LONGITUDE, siteClockNearNoon } from "../support/simulated-time";

const DIR = path.resolve(__dirname, "..", "fixtures", "released-flows");
const FILES = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort();

/** Node-RED's hooks, from the runtime under test: what each node sends, whatever its output is wired to. */
const hooks = (
  require(
    require.resolve("@node-red/util", { paths: [path.dirname(require.resolve(`${NODE_RED_PACKAGE}/package.json`))] }),
  ) as { hooks: Hooks }
).hooks;
interface Hooks {
  add(name: string, fn: (events: Array<{ source: { id: string } }>) => void): void;
  remove(name: string): void;
}

const released = (file: string) => JSON.parse(fs.readFileSync(path.join(DIR, file), "utf8")) as FlowNode[];
const isPvs = (n: FlowNode) => n.type in NODE_DEFAULTS;

/**
 * The flow as saved, runnable here: its pvs-config pointed at the emulator (its address and, so that the test
 * does not wait, no spacing; every other setting as saved), our nodes unchanged, every other flow node (inject,
 * function, debug, dashboard widget…) a helper node of the same id, other config nodes left out.
 */
function runnable(flow: FlowNode[], emulator: PvsEmulator): FlowNode[] {
  const tabs = flow.filter((n) => n.type === "tab");
  const out: FlowNode[] = tabs.length ? [...tabs] : [{ id: "tab", type: "tab", label: "released" }];
  for (const n of flow) {
    if (n.type === "tab") continue;
    if (n.type === "pvs-config")
      out.push({
        ...n,
        host: "127.0.0.1",
        port: emulator.port,
        localPort: emulator.httpsPort,
        telemetryPort: emulator.telemetryPort,
        minSpacing: 0,
      });
    else if (isPvs(n)) out.push({ ...n, z: n.z ?? "tab" });
    else if ("x" in n) out.push({ id: n.id, type: "helper", z: n.z ?? "tab", x: n.x, y: n.y, name: n.name });
  }
  return out;
}

describe("released flows: as saved by earlier versions, they run (real runtime, emulator)", function () {
  this.timeout(30000);
  let emulator: PvsEmulator | null = null;
  afterEach(async () => {
    hooks.remove("onSend.releasedFlows");
    await helper.unload();
    await emulator?.stop();
    emulator = null;
  });

  for (const file of FILES) {
    for (const localApi of [false, true]) {
      it(`${file}, on a ${localApi ? "LocalAPI" : "legacy"} PVS: every PVS node reads and sends, no error`, async () => {
        const flow = released(file);
        const ours = flow.filter((n) => isPvs(n) && n.type !== "pvs-config");
        assert.ok(ours.length > 0, "the flow has PVS nodes");
        assert.ok(
          flow.every((n) => !("settingsVersion" in n)),
          "saved before settings versions",
        );
        // Near solar noon: pvs-live sends when the site's power moves.
        emulator = new PvsEmulator({ inverters: 3, localApi, longitude: SITE_LONGITUDE, now: siteClockNearNoon() });
        await emulator.start();
        const sent = new Set<string>();
        hooks.add("onSend.releasedFlows", (events) => events.forEach((e) => sent.add(e.source.id)));
        // What the nodes report with node.error (what a Catch node would get: one per tab would do, but the test
        // helper registers the catch type once per Catch node in the flow and refuses the second).
        const errors = (log = helper.log()) =>
          log.args
            .map(([entry]) => entry as { level: number; id?: string; type?: string; msg?: { code?: string } })
            .filter((e) => e.level === 20)
            .map((e) => `${e.type} ${e.id}: ${e.msg?.code ?? String(e.msg)}`);
        await helper.load([...NODE_MODULES], runnable(flow, emulator));
        // On a LocalAPI PVS the legacy-only commands (all but these two) are refused by the node, unsent, with a code.
        const unsupported = ours.filter(
          (n) =>
            localApi && n.type === "pvs-command" && !["SupervisorInfo", "SupervisorHealth"].includes(String(n.command)),
        );
        const senders = ours.filter((n) => !unsupported.includes(n));
        // Nodes that poll only on input (in the examples, an inject node starts them): a message, as the inject sends.
        for (const n of ours)
          if (n.type !== "pvs-live" && n.type !== "pvs-inverter-split" && Number(n.interval) === 0)
            helper.getNode(n.id).receive({ payload: "" });
        await until(
          () => senders.every((n) => sent.has(n.id)) && errors().length >= unsupported.length,
          20000,
          `every PVS node sends (${senders.filter((n) => !sent.has(n.id)).map((n) => `${n.type} ${n.id}`)}); errors: ${errors().join("; ")}`,
        );
        assert.deepStrictEqual(
          errors().sort(),
          unsupported.map((n) => `pvs-command ${n.id}: PVS_NOT_SUPPORTED`).sort(),
        );
        assert.ok(emulator.requests.length > 0, "the PVS was asked");

        // pvs-config: what it lacks is the default, in the connection it runs (the address is the test's).
        for (const saved of flow.filter((n) => n.type === "pvs-config")) {
          const cfg = helper.getNode(saved.id) as unknown as PvsConfigNode;
          assert.strictEqual(cfg.configError, null);
          const defaults = NODE_DEFAULTS["pvs-config"];
          const effective = cfg.shared()?.effective;
          assert.deepStrictEqual(effective, {
            timeout: saved.timeout ?? defaults.timeout,
            minSpacing: 0,
            deviceListEvery: saved.deviceListEvery ?? defaults.deviceListEvery,
            api: saved.api ?? defaults.api,
            fingerprint: null,
          });
          const info = cfg.pvs?.info();
          assert.deepStrictEqual(
            { setting: info?.setting, api: info?.api },
            { setting: saved.api ?? defaults.api, api: localApi ? "localapi" : "legacy" },
          );
        }
      });
    }

    it(`${file}: every setting its nodes lack migrates to the current default`, () => {
      for (const saved of released(file).filter(isPvs)) {
        const now = migrateSettings(saved.type, saved);
        assert.strictEqual(now.settingsVersion, currentVersion(NODE_SETTINGS[saved.type]));
        for (const [name, value] of Object.entries(NODE_DEFAULTS[saved.type])) {
          if (saved[name] === undefined) assert.deepStrictEqual(now[name], value, `${saved.type} ${saved.id}: ${name}`);
          else assert.deepStrictEqual(now[name], saved[name], `${saved.type} ${saved.id}: ${name} as saved`);
        }
      }
    });
  }
});
