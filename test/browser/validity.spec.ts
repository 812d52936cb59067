// Settings that migrate, in the editor: the editor's own validity ("red triangle": `valid` as
// RED.editor.validateNode sets it) of every node and config node is true for the flow `npm start` deploys (its
// pvs-config has no deviceListEvery), for every example imported alone into an empty workspace and all together,
// for each older settings shape (every setting of every node type absent in turn, and nodes without a settings
// version) and for flows earlier versions released (test/fixtures/released-flows). Chromium against a real Node-RED 5.
import assert from "assert";
import fs from "fs";
import os from "os";
import path from "path";
import type { Page } from "playwright-core";
import { NODE_DEFAULTS } from "../support/node-settings";
import { CHROMIUM, closeDialogs, deploy, openEditor, type EditorWindow, type Session } from "./editor";

interface Demo {
  url: string;
  logFile: string;
  stop(): Promise<void>;
}
const { startDemo, firstFreePort } = require("../../scripts/demo") as {
  startDemo: (o: {
    userDir: string;
    editorPort?: number;
    emulatorPort?: number;
    delayMs?: number;
    localApi?: boolean;
    flow?: Node[];
  }) => Promise<Demo>;
  firstFreePort: (from: number) => Promise<number>;
};
const { exampleFiles } = require("../../scripts/demo-flow") as { exampleFiles: () => string[] };
/** Flows that earlier versions of the package shipped, as saved then (their README says from which commit). */
const RELEASED = path.resolve(__dirname, "..", "fixtures", "released-flows");
const releasedFiles = () =>
  fs
    .readdirSync(RELEASED)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => path.join(RELEASED, f));

type Node = { id: string; type: string; [key: string]: unknown };
type ValidityWindow = EditorWindow & {
  RED: EditorWindow["RED"] & {
    editor: { validateNode(n: unknown): void };
    view: { importNodes(nodes: Node[], options: { generateIds: boolean; addFlow: boolean }): void };
    nodes: EditorWindow["RED"]["nodes"] & {
      eachNode(cb: (n: Node & { valid?: boolean; outputs?: number }) => void): void;
      clear(): void;
      convertNode(n: Node, exportCredentials: boolean): { wires?: string[][] };
    };
    history: { clear(): void };
  };
};

const [major, minor] = process.versions.node.split(".").map(Number);
const nodeRed5 = process.env.PVS_NODE_RED !== "node-red-4" && (major > 22 || (major === 22 && minor >= 9));
const title = "editor validity of older flows in Chromium (real Node-RED 5)";
const suite = !nodeRed5
  ? describe.skip.bind(describe, `${title}: runs on the Node-RED 5 pass only`)
  : !fs.existsSync(CHROMIUM)
    ? describe.skip.bind(describe, `${title}: SKIPPED, no ${CHROMIUM}`)
    : describe.bind(describe, title);

/** Every node and config node the editor marks invalid, as "type id: property errors". */
function invalid(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const RED = (globalThis as unknown as ValidityWindow).RED;
    const out: string[] = [];
    const check = (n: { id: string; type: string; valid?: boolean; validationErrors?: string[] }) => {
      if (n.valid === undefined) RED.editor.validateNode(n);
      if (n.valid === false) out.push(`${n.type} ${n.id}: ${(n.validationErrors ?? []).join(", ")}`);
    };
    RED.nodes.eachNode(check);
    RED.nodes.eachConfig(check);
    return out;
  });
}

/**
 * Imports as the Import dialog does: with the flow's own ids, or, when some already exist, as its "Import copy"
 * button does (new ids, an existing config node of the same id kept). Resolves with whether it was a copy.
 */
function importNodes(page: Page, nodes: Node[]): Promise<boolean> {
  return page.evaluate((n) => {
    const RED = (globalThis as unknown as ValidityWindow).RED;
    try {
      RED.view.importNodes(n, { generateIds: false, addFlow: true });
      return false;
    } catch (err) {
      if ((err as { code?: string }).code !== "import_conflict") throw err;
      RED.view.importNodes(n, { generateIds: true, addFlow: true });
      return true;
    }
  }, nodes);
}

/** One tab of each older shape: every setting of every node type left out in turn, and no settings version. */
function olderShapes(): Node[] {
  const tab = "old0shapes0tab00";
  const full = (type: string) => ({ ...NODE_DEFAULTS[type], settingsVersion: 1 }) as Record<string, unknown>;
  const without = (obj: Record<string, unknown>, name: string) =>
    Object.fromEntries(Object.entries(obj).filter(([k]) => k !== name));
  const nodes: Node[] = [
    { id: tab, type: "tab", label: "older shapes" },
    { id: "old0cfg0full0000", type: "pvs-config", ...full("pvs-config") },
  ];
  let y = 40;
  for (const [type, defaults] of Object.entries(NODE_DEFAULTS)) {
    for (const name of [...Object.keys(defaults), "settingsVersion"]) {
      const id = `old-${type}-${name}`;
      if (type === "pvs-config") nodes.push({ id, type, ...without(full(type), name) });
      else
        nodes.push({
          id,
          type,
          z: tab,
          x: 200,
          y: (y += 40),
          wires: type === "pvs-inverter-split" ? [[]] : [[]],
          ...(type === "pvs-inverter-split" ? {} : { server: "old0cfg0full0000" }),
          ...without(full(type), name),
        });
    }
  }
  return nodes;
}

/**
 * What the editor would save now of each node with outputs: how many it has and their wires (targets sorted).
 * A flow saved when pvs-live and pvs-device-list had one output keeps its wires on output 1 and gets a second.
 */
function savedWires(page: Page): Promise<Record<string, { outputs: number; wires: string[][] }>> {
  return page.evaluate(() => {
    const RED = (globalThis as unknown as ValidityWindow).RED;
    const out: Record<string, { outputs: number; wires: string[][] }> = {};
    RED.nodes.eachNode((n) => {
      const wires = RED.nodes.convertNode(n, false).wires;
      if (wires) out[n.id] = { outputs: n.outputs ?? 0, wires: wires.map((w) => [...w].sort()) };
    });
    return out;
  });
}

/** How many nodes and config nodes the editor holds. */
function counts(page: Page): Promise<{ nodes: number; configs: number }> {
  return page.evaluate(() => {
    const RED = (globalThis as unknown as ValidityWindow).RED;
    let nodes = 0;
    let configs = 0;
    RED.nodes.eachNode(() => nodes++);
    RED.nodes.eachConfig(() => configs++);
    return { nodes, configs };
  });
}

/**
 * Empties the workspace of the editor of a Node-RED with no flow deployed, as the editor itself does before it
 * loads another project's flows (RED.nodes.clear, RED.history.clear): what the last import added goes, undeployed.
 * A reload would do the same in 5 s per flow (the editor's palette loads again).
 */
async function emptyWorkspace(page: Page): Promise<void> {
  await page.evaluate(() => {
    const RED = (globalThis as unknown as ValidityWindow).RED;
    RED.nodes.clear();
    RED.history.clear();
  });
  await page.clock.runFor(1000); // whatever the editor and its plugins do later, done (on the page's clock)
  assert.deepStrictEqual(await counts(page), { nodes: 0, configs: 0 }, "an empty workspace");
}

/**
 * The examples' placeholder: their pvs-config has no host (required; only the user knows the PVS's address), so
 * the editor flags it and nothing else; the host set as a user would, every node is valid.
 */
async function onlyHostMissing(page: Page, name: string): Promise<void> {
  const flagged = await invalid(page);
  assert.ok(flagged.length > 0, `${name}: the empty host is flagged`);
  // The pvs-config says why; the nodes using it are flagged for their invalid "server".
  const reason = "Required: the PVS's address (Search the network finds it)";
  assert.ok(flagged.includes(`pvs-config a0c0f0e1d2c3b4a5: ${reason}`), `${name}: ${flagged.join("; ")}`);
  for (const line of flagged) assert.ok(line.endsWith(`: ${reason}`) || line.endsWith(": server"), `${name}: ${line}`);
  await page.evaluate(() => {
    const RED = (globalThis as unknown as ValidityWindow).RED;
    const all: Array<{ type: string; host?: unknown }> = [];
    RED.nodes.eachConfig((n) => void all.push(n as unknown as Node));
    RED.nodes.eachNode((n) => void all.push(n));
    for (const n of all) if (n.type === "pvs-config" && n.host === "") n.host = "192.168.1.50";
    for (const n of all) RED.editor.validateNode(n);
  });
  assert.deepStrictEqual(await invalid(page), [], `${name}, its host set`);
}

/**
 * Imports one flow file alone into an empty workspace: with its own ids (nothing to clash with), zero invalid;
 * an example only once its placeholder host is set.
 */
async function importAlone(page: Page, file: string, example = false): Promise<void> {
  await emptyWorkspace(page);
  const flow = JSON.parse(fs.readFileSync(file, "utf8")) as Node[];
  assert.strictEqual(await importNodes(page, flow), false, `${path.basename(file)}: imported with its own ids`);
  // Plugins finish their part of the import on a timer (Dashboard 2 checks its layout defaults 25 ms later):
  // before the next clear, lest that come after it and add a default dashboard to the empty workspace.
  await page.clock.runFor(1000);
  const shown = await counts(page);
  assert.strictEqual(
    shown.nodes + shown.configs,
    flow.filter((n) => n.type !== "tab").length,
    `${path.basename(file)}: every node imported`,
  );
  if (example) await onlyHostMissing(page, path.basename(file));
  else assert.deepStrictEqual(await invalid(page), [], path.basename(file));
  const saved = await savedWires(page);
  for (const n of flow) {
    if (!Array.isArray(n.wires)) continue;
    const name = `${path.basename(file)}: ${n.type} ${n.id}`;
    const asFiled = (n.wires as string[][]).map((w) => [...w].sort());
    assert.deepStrictEqual(saved[n.id]?.wires.slice(0, asFiled.length), asFiled, `${name}: its wires intact`);
    if (n.type === "pvs-live" || n.type === "pvs-device-list")
      assert.strictEqual(saved[n.id].outputs, 2, `${name}: readings and events`);
  }
}

suite(function () {
  this.timeout(60000);
  let demo: Demo;
  let userDir: string;
  let editor: Session;
  let page: Page;
  /** A Node-RED with no flow deployed, for imports into an empty workspace. */
  let empty: Demo;
  let emptyDir: string;
  let emptyEditor: Session;

  before(async function () {
    this.timeout(90000);
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-validity-"));
    emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-validity-empty-"));
    const from = 20000 + Math.floor(Math.random() * 20000);
    // The demo flow as `npm start` deploys it (built from the examples; its pvs-config lacks deviceListEvery).
    demo = await startDemo({
      userDir,
      delayMs: 0,
      localApi: true,
      editorPort: await firstFreePort(from),
      emulatorPort: await firstFreePort(from + 60),
    });
    editor = await openEditor(demo.url);
    page = editor.page;
    empty = await startDemo({
      userDir: emptyDir,
      delayMs: 0,
      flow: [],
      editorPort: await firstFreePort(from + 120),
      emulatorPort: await firstFreePort(from + 180),
    });
    emptyEditor = await openEditor(empty.url);
  });
  /** The demo pvs-config's "Shared" row, from its edit dialog (then closed). */
  async function sharedText(): Promise<string> {
    await page.evaluate(() =>
      (
        globalThis as unknown as { RED: { editor: { editConfig(name: string, type: string, id: string): void } } }
      ).RED.editor.editConfig("", "pvs-config", "demo0pvs0config0"),
    );
    const row = page.locator("#pvs-config-shared");
    await row.waitFor({ state: "visible" });
    const text = (await row.innerText()).trim();
    await closeDialogs(page);
    return text;
  }

  after(async () => {
    await editor?.close();
    await demo?.stop();
    await emptyEditor?.close();
    await empty?.stop();
    for (const dir of [userDir, emptyDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the demo flow: zero invalid nodes and config nodes", async () => {
    const shown = await counts(page);
    assert.ok(shown.nodes > 20 && shown.configs >= 1, JSON.stringify(shown));
    assert.deepStrictEqual(await invalid(page), []);
  });

  it("every example imported alone into an empty workspace: only its empty host flagged, zero invalid once set", async function () {
    this.timeout(180000);
    const files = exampleFiles();
    assert.ok(files.length >= 10, `${files.length} examples`);
    for (const file of files) await importAlone(emptyEditor.page, file, true);
  });

  it("each released flow (examples and the demo flow of earlier versions, as saved) imported alone into an empty workspace: zero invalid", async function () {
    this.timeout(120000);
    const files = releasedFiles();
    assert.ok(files.length >= 5, `${files.length} released flows`);
    for (const file of files) await importAlone(emptyEditor.page, file);
  });

  it("the PVS settings say which other settings nodes share the PVS, and the most protective settings it gets", async () => {
    // The demo reads the device list every 10 s, and rations the DeviceList at half that (scripts/demo-flow.js).
    const own =
      /^only these settings talk to this PVS\. The PVS gets the most protective of their settings: spacing 1 s, timeout 120 s, DeviceList every 5 s$/;
    assert.match(await sharedText(), own);
    // A second pvs-config for the same PVS, stricter and with the API fixed, deployed: the first one's dialog names
    // it and shows its limits and the API in effect (a fixed one wins over Detect).
    await page.evaluate(() => {
      const RED = (globalThis as unknown as ValidityWindow).RED;
      const demoConfig = RED.nodes.node("demo0pvs0config0") as unknown as Node;
      const copy = Object.fromEntries(
        Object.entries(demoConfig).filter(
          ([k]) => !k.startsWith("_") && !["users", "valid", "validationErrors", "dirty", "credentials"].includes(k),
        ),
      );
      RED.view.importNodes(
        [
          {
            ...copy,
            id: "second0pvs0cfg00",
            type: "pvs-config",
            name: "Stricter settings",
            minSpacing: 3,
            deviceListEvery: 300,
            api: "legacy",
          } as Node,
        ],
        {
          generateIds: false,
          addFlow: false,
        },
      );
    });
    assert.match(await deploy(page), /Successfully deployed/);
    assert.match(
      await sharedText(),
      /^shared with 1 other settings node \(Stricter settings\): one connection, session and ration for the PVS\. The PVS gets the most protective of their settings: spacing 3 s, timeout 120 s, DeviceList every 300 s, API Legacy dl_cgi \(older firmware\) \(they differ in: Spacing, DeviceList every, API\)$/,
    );
  });

  it("every example imported, one after the other: zero invalid once the first one's host is set", async () => {
    const copies: boolean[] = [];
    for (const file of exampleFiles()) {
      // After the first, Node-RED finds the examples' pvs-config already there: "Import copy" keeps it.
      copies.push(await importNodes(page, JSON.parse(fs.readFileSync(file, "utf8")) as Node[]));
      if (copies.length === 1) await onlyHostMissing(page, path.basename(file));
      else assert.deepStrictEqual(await invalid(page), [], path.basename(file));
    }
    assert.deepStrictEqual(
      copies.slice(1),
      copies.slice(1).map(() => true),
    );
    const configs = await page.evaluate(() => {
      const ids: string[] = [];
      (globalThis as unknown as ValidityWindow).RED.nodes.eachConfig(
        (n) => void (n.type === "pvs-config" && ids.push(n.id)),
      );
      return ids;
    });
    assert.strictEqual(configs.filter((id) => id === "a0c0f0e1d2c3b4a5").length, 1, "the examples share one My PVS");
  });

  it("each older settings shape (every setting of every node type absent in turn, no settings version): zero invalid", async () => {
    const shapes = olderShapes();
    assert.strictEqual(await importNodes(page, shapes), false, "imported with its own ids");
    const imported = await page.evaluate(
      (ids) => ids.filter((id) => (globalThis as unknown as ValidityWindow).RED.nodes.node(id) !== null).length,
      shapes.map((n) => n.id),
    );
    assert.strictEqual(imported, shapes.length, "every shape was imported");
    assert.deepStrictEqual(await invalid(page), []);
  });

  it("the editors raised no error in the page", () => {
    assert.deepStrictEqual(editor.pageErrors, []);
    assert.deepStrictEqual(emptyEditor.pageErrors, []);
  });
});
