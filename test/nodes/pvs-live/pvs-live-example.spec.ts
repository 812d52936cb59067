// The example flow "Charge the car from surplus", as users import it (its function node's code unchanged), run
// in the real runtime against the emulator's telemetry WebSocket: the charging decision follows the surplus.
import assert from "assert";
import fs from "fs";
import path from "path";
import { PvsEmulator } from "../../../src/emulator/server";
import { helper, NODE_RED_PACKAGE, until } from "../../support/node-red";
import { FlowNode, NODE_MODULES } from "../../support/flows";

const EXAMPLE = path.resolve(__dirname, "../../../examples/pvs-live/01 - Charge the car from surplus.json");
// The runtime's own function node, from the Node-RED under test.
const nodesDir = path.dirname(
  require.resolve("@node-red/nodes/package.json", {
    paths: [path.dirname(require.resolve(`${NODE_RED_PACKAGE}/package.json`))],
  }),
);
const functionNode = require(path.join(nodesDir, "core/function/10-function.js")) as (RED: unknown) => void;

// 2025-06-21 at longitude -117: solar noon about 19:48 UTC (lots of surplus), and the night after.
const NOON = Date.UTC(2025, 5, 21, 19, 48);
const NIGHT = Date.UTC(2025, 5, 22, 7, 48);

type Decision = { topic: string; payload: boolean; available_kw: number };

describe("example: charge the car from surplus (real runtime, emulator WebSocket)", function () {
  this.timeout(20000);
  let emulator: PvsEmulator;
  /** The emulated site's clock: runs from `base` at real speed. */
  let base = NOON;
  let startedAt = Date.now();
  afterEach(async () => {
    await helper.unload();
    await emulator.stop();
  });

  /** The example with its pvs-config on the emulator, its debug nodes as test helpers, and a tab. */
  function exampleFlow(): FlowNode[] {
    const nodes = JSON.parse(fs.readFileSync(EXAMPLE, "utf8")) as FlowNode[];
    return [
      { id: "tab", type: "tab", label: "example" },
      ...nodes
        .filter((n) => n.type !== "comment")
        .map((n) => {
          if (n.type === "pvs-config")
            return {
              ...n,
              host: "127.0.0.1",
              port: emulator.port,
              localPort: emulator.httpsPort,
              telemetryPort: emulator.telemetryPort,
              minSpacing: 0,
            };
          const flowNode = { ...n, z: "tab" };
          return n.type === "debug" ? { id: n.id, type: "helper", z: "tab", x: n.x, y: n.y, name: n.name } : flowNode;
        }),
    ];
  }

  it("starts charging in the midday surplus, once, and stops when the sun is gone", async () => {
    base = NOON;
    startedAt = Date.now();
    emulator = new PvsEmulator({
      inverters: 20,
      localApi: true,
      longitude: -117,
      now: () => base + (Date.now() - startedAt),
    });
    await emulator.start();
    const flow = exampleFlow();
    await helper.load([...NODE_MODULES, functionNode], flow);
    const decisions: Decision[] = [];
    const charger = flow.find((n) => n.type === "helper" && /charger/.test(String(n.name)));
    assert.ok(charger, "the example has the charger output");
    // The charger draws what the decision says: the emulated site's load follows, as a real one would.
    helper.getNode(charger.id).on("input", (m: unknown) => {
      decisions.push(m as Decision);
      emulator.site.extraLoadKw = (m as Decision).payload ? 1.44 : 0;
    });
    const live: unknown[] = [];
    const sitePower = flow.find((n) => n.type === "helper" && n !== charger) as FlowNode;
    helper.getNode(sitePower.id).on("input", (m: unknown) => live.push(m));

    await until(() => decisions.length === 1, 8000, "the decision to charge");
    assert.strictEqual(decisions[0].payload, true);
    assert.strictEqual(decisions[0].topic, "car/charge");
    assert.ok(decisions[0].available_kw >= 1.54, `${decisions[0].available_kw} kW available`);
    await until(() => emulator.telemetryClients.open === 1, 5000, "the live node's WebSocket");
    assert.strictEqual(emulator.count("vars:set"), 1, "the live node turned the WebSocket on");
    const frames = emulator.telemetryClients.frames;
    await until(() => emulator.telemetryClients.frames >= frames + 2, 5000, "more frames");
    assert.strictEqual(decisions.length, 1, "no flapping while the surplus lasts, with the car drawing");

    base = NIGHT;
    await until(() => decisions.length === 2, 8000, "the decision to stop");
    assert.strictEqual(decisions[1].payload, false);
    assert.ok(decisions[1].available_kw < 0.72, `${decisions[1].available_kw} kW available`);
    assert.ok(live.length >= 2, "the site power went to its debug node too");
  });
});
