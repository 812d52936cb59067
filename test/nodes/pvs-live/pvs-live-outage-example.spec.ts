// The example flow "Grid outage alert and load shedding", as users import it (its function node's code unchanged),
// run in the real runtime against the emulator: pvs-live's second output alone drives the alert and the loads.
import assert from "assert";
import fs from "fs";
import path from "path";
import { PvsEmulator } from "../../../src/emulator/server";
import { helper, NODE_RED_PACKAGE, until } from "../../support/node-red";
import { FlowNode, NODE_MODULES } from "../../support/flows";
import { siteClockNearNoon } from "../../support/simulated-time";

const EXAMPLE = path.resolve(__dirname, "../../../examples/pvs-live/02 - Grid outage alert and load shedding.json");
// The runtime's own function node, from the Node-RED under test.
const nodesDir = path.dirname(
  require.resolve("@node-red/nodes/package.json", {
    paths: [path.dirname(require.resolve(`${NODE_RED_PACKAGE}/package.json`))],
  }),
);
const functionNode = require(path.join(nodesDir, "core/function/10-function.js")) as (RED: unknown) => void;

describe("example: grid outage alert and load shedding (real runtime, emulator)", function () {
  this.timeout(40000);
  let emulator: PvsEmulator;
  afterEach(async () => {
    await helper.unload();
    await emulator?.stop();
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
          if (n.type === "debug") return { id: n.id, type: "helper", z: "tab", x: n.x, y: n.y, name: n.name };
          return { ...n, z: "tab" };
        }),
    ];
  }

  it("alerts and sheds the loads on the outage, restores them when the grid is back; nothing else", async () => {
    emulator = new PvsEmulator({ inverters: 4, storage: true, localApi: true, now: siteClockNearNoon() });
    await emulator.start();
    const flow = exampleFlow();
    const live = flow.find((n) => n.type === "pvs-live");
    assert.deepStrictEqual((live?.wires as string[][])[0], [], "the example leaves the readings' output free");
    await helper.load([...NODE_MODULES, functionNode], flow);
    const helperNamed = (re: RegExp) => {
      const node = flow.find((n) => n.type === "helper" && re.test(String(n.name)));
      assert.ok(node, String(re));
      const got: Array<{ payload: unknown }> = [];
      helper.getNode(node.id).on("input", (m: unknown) => got.push(m as { payload: unknown }));
      return got;
    };
    const notes = helperNamed(/notification/);
    const loads = helperNamed(/loads/);
    await until(() => emulator.telemetryClients.open === 1, 10000, "the live node's WebSocket");
    const frames = emulator.telemetryClients.frames;
    await until(() => emulator.telemetryClients.frames >= frames + 2, 10000, "live values");
    assert.deepStrictEqual([notes, loads], [[], []], "on the grid, the live values reach neither");

    emulator.startOutage();
    await until(() => loads.length === 1, 15000, "the loads shed");
    assert.strictEqual(loads[0].payload, false);
    assert.strictEqual(notes.length, 1);
    assert.match(String(notes[0].payload), /^Grid outage since .*running on the battery/);

    emulator.endOutage();
    await until(() => loads.length === 2, 15000, "the loads restored");
    assert.strictEqual(loads[1].payload, true);
    assert.match(String(notes[1].payload), /^Grid back after \d+ min\.$/);
    assert.strictEqual(notes.length, 2, "one notification each, not one per live update");
  });
});
