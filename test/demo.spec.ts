// End to end: what `npm start` runs (a real Node-RED 5 process, the package linked into its user
// directory, the demo flow built from the examples) polls the emulator.
import assert from "assert";
import fs from "fs";
import os from "os";
import path from "path";
const { startDemo } = require("../scripts/demo") as { startDemo: (o: object) => Promise<Demo> };
const { buildDemoFlow, exampleFiles } = require("../scripts/demo-flow") as { buildDemoFlow: (o: object) => FlowNode[]; exampleFiles: () => string[] };

type FlowNode = { id: string; type: string; z?: string; server?: string; wires?: string[][] };
interface Demo {
  url: string;
  emulator: { count(command?: string): number; port: number; httpsPort: number };
  logFile: string;
  stop(): Promise<void>;
  get(url: string): Promise<{ status: number; body: string }>;
}

const [major, minor] = process.versions.node.split(".").map(Number);
const canRunNodeRed5 = process.env.PVS_NODE_RED !== "node-red-4" && (major > 22 || (major === 22 && minor >= 9));
const OUR_TYPES = ["pvs-device-list", "pvs-comm", "pvs-inverter-split"];
const CORE_TYPES = ["comment", "inject", "debug", "change", "switch", "function", "join", "catch", "status"];

describe("examples", () => {
  const files: string[] = exampleFiles();

  it("are arrays of our nodes and core nodes only, each wired and explained by a comment", () => {
    assert.ok(files.length >= 3);
    for (const file of files) {
      const flow = JSON.parse(fs.readFileSync(file, "utf8")) as FlowNode[];
      assert.ok(Array.isArray(flow), file);
      const ids = new Set(flow.map((n) => n.id));
      assert.ok(flow.some((n) => n.type === "comment"), `${file} has a comment node`);
      for (const n of flow) {
        assert.ok([...OUR_TYPES, "pvs-config", ...CORE_TYPES].includes(n.type), `${file}: ${n.type}`);
        for (const id of (n.wires ?? []).flat()) assert.ok(ids.has(id), `${file}: wire to ${id}`);
        if (n.server !== undefined) assert.ok(flow.some((c) => c.id === n.server && c.type === "pvs-config"), `${file}: ${n.id} has its pvs-config`);
      }
    }
  });

  it("together use every node type of the package", () => {
    const used = new Set(files.flatMap((f) => (JSON.parse(fs.readFileSync(f, "utf8")) as FlowNode[]).map((n) => n.type)));
    for (const type of OUR_TYPES) assert.ok(used.has(type), type);
  });

  it("become a demo flow with one shared pvs-config on the emulator", () => {
    const flow = buildDemoFlow({ host: "127.0.0.1", port: 18080 });
    assert.strictEqual(flow.filter((n) => n.type === "pvs-config").length, 1);
    assert.strictEqual(flow.filter((n) => n.type === "tab").length, files.length);
    assert.ok(flow.filter((n) => n.server !== undefined).every((n) => n.server === flow[0].id));
  });
});

(canRunNodeRed5 ? describe : describe.skip)("npm start demo (real Node-RED 5 process)", function () {
  this.timeout(60000);
  let demo: Demo;
  let userDir: string;

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-demo-"));
    demo = await startDemo({ userDir, delayMs: 0, inverters: 5 });
  });
  after(async () => {
    await demo?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it("loads all four node types without errors", async () => {
    const res = await demo.get(`${demo.url}nodes`);
    const sets = (JSON.parse(res.body) as Array<{ module: string; name: string; enabled: boolean; err?: string }>).filter((s) => s.module === "@pvs-local/node-red-sunpower");
    assert.deepStrictEqual(sets.map((s) => [s.name, s.enabled, s.err ?? null]), [
      ["pvs-config", true, null],
      ["pvs-device-list", true, null],
      ["pvs-comm", true, null],
      ["pvs-inverter-split", true, null],
    ]);
  });

  it("deploys the demo flow, which polls the emulator", async () => {
    const end = Date.now() + 20000;
    while ((demo.emulator.count("DeviceList") < 1 || demo.emulator.count("Get_Comm") < 1) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    assert.ok(demo.emulator.count("DeviceList") >= 1, "DeviceList polled");
    assert.ok(demo.emulator.count("Get_Comm") >= 1, "Get_Comm polled");
    const log = fs.readFileSync(demo.logFile, "utf8");
    assert.ok(log.includes("Started flows"), log);
    assert.ok(!/\[error\]/.test(log), log);
  });

  it("lists the examples under Import > Examples", async () => {
    const res = await demo.get(`${demo.url}library/examples/flows/@pvs-local/node-red-sunpower`);
    assert.strictEqual(res.status, 200);
    assert.deepStrictEqual((JSON.parse(res.body) as string[]).sort(), ["pvs-comm", "pvs-device-list", "pvs-inverter-split"]);
  });
});

(canRunNodeRed5 ? describe : describe.skip)("npm start -- --localapi demo (new-firmware PVS)", function () {
  this.timeout(60000);
  let demo: Demo;
  let userDir: string;

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-demo-"));
    demo = await startDemo({ userDir, delayMs: 0, inverters: 5, localApi: true });
  });
  after(async () => {
    await demo?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it("detects the new firmware and polls the LocalAPI with one login", async () => {
    const end = Date.now() + 20000;
    while (demo.emulator.count("vars") < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    assert.ok(demo.emulator.count("vars") >= 5, "variables read");
    assert.strictEqual(demo.emulator.count("auth:login"), 1);
    assert.strictEqual(demo.emulator.count("DeviceList"), 0);
    const log = fs.readFileSync(demo.logFile, "utf8");
    assert.ok(!/\[error\]/.test(log), log);
    assert.ok(!log.includes("ZT01234567890ABCDE"), "no serial in Node-RED's log");
  });
});
