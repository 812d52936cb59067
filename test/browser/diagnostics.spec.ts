// "Download diagnostics" in the pvs-config form, in Chromium against a real Node-RED 5: the click saves the
// file (fetched with the editor's own session), and with "keep device serials" the serials stay.
import assert from "assert";
import fs from "fs";
import os from "os";
import path from "path";
import { CHROMIUM, RESULTS, closeDialogs, node, openEditDialog, openEditor, settleTray, type Session } from "./editor";

interface Demo {
  url: string;
  emulator: { count(command?: string): number; port: number; httpsPort: number };
  logFile: string;
  stop(): Promise<void>;
}
const { startDemo, firstFreePort } = require("../../scripts/demo") as {
  startDemo: (o: object) => Promise<Demo>;
  firstFreePort: (from: number) => Promise<number>;
};

const [major, minor] = process.versions.node.split(".").map(Number);
const nodeRed5 = process.env.PVS_NODE_RED !== "node-red-4" && (major > 22 || (major === 22 && minor >= 9));
const title = "Download diagnostics in Chromium (real Node-RED 5)";
const suite = !nodeRed5
  ? describe.skip.bind(describe, `${title}: Node-RED 5 pass only`)
  : !fs.existsSync(CHROMIUM)
    ? describe.skip.bind(describe, `${title}: SKIPPED, no ${CHROMIUM}`)
    : describe.bind(describe, title);

suite(function () {
  this.timeout(60000);
  let demo: Demo;
  let userDir: string;
  let editor: Session;

  before(async function () {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-diag-editor-"));
    const from = 20000 + Math.floor(Math.random() * 20000);
    demo = await startDemo({
      userDir,
      delayMs: 0,
      inverters: 5,
      localApi: true,
      flow: [],
      editorPort: await firstFreePort(from),
      emulatorPort: await firstFreePort(from + 60),
    });
    const flow = [
      { id: "tab1", type: "tab", label: "PVS" },
      {
        id: "cfg1",
        type: "pvs-config",
        host: "127.0.0.1",
        port: demo.emulator.port,
        localPort: demo.emulator.httpsPort,
        protocol: "http",
        api: "auto",
        timeout: 10,
        minSpacing: 0,
        deviceListEvery: 120,
        fingerprint: "",
        name: "PVS",
      },
      { id: "list1", type: "pvs-device-list", z: "tab1", server: "cfg1", interval: 60, x: 200, y: 100, wires: [[]] },
    ];
    const deployed = await fetch(new URL("flows", demo.url), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Node-RED-API-Version": "v2" },
      body: JSON.stringify({ flows: flow }),
    });
    assert.strictEqual(deployed.status, 200, await deployed.text());
    const end = Date.now() + 20000;
    while (demo.emulator.count("vars") < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    editor = await openEditor(demo.url);
  });
  after(async () => {
    await editor?.close();
    await demo?.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed") {
      fs.mkdirSync(RESULTS, { recursive: true });
      await editor.page.screenshot({ path: path.join(RESULTS, "failed-download-diagnostics.png") });
    }
  });

  it("clicking Download diagnostics saves the redacted recording; the checkbox keeps device serials", async () => {
    const page = editor.page;
    await node(page, "list1").waitFor();
    await openEditDialog(page, "list1", "#node-input-interval");
    await page.locator("#node-input-btn-server-edit").click();
    await page.locator("#pvs-config-diagnostics").waitFor();
    await settleTray(page);
    const save = async (): Promise<{ name: string; text: string }> => {
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.locator("#pvs-config-diagnostics").click(),
      ]);
      const file = path.join(userDir, download.suggestedFilename());
      await download.saveAs(file);
      return { name: download.suggestedFilename(), text: fs.readFileSync(file, "utf8") };
    };
    const plain = await save();
    assert.match(plain.name, /^pvs-diagnostics-[\d-]+\.json$/);
    const file = JSON.parse(plain.text) as {
      format: string;
      vars: Record<string, unknown>;
      diagnostics: { detection: { api: string } };
    };
    assert.strictEqual(file.format, "pvs-recording/1");
    assert.strictEqual(file.diagnostics.detection.api, "localapi");
    const sn = (f: { vars: Record<string, unknown> }) =>
      Object.entries(f.vars)
        .filter(([n]) => /^\/sys\/devices\/inverter\/\d+\/sn$/.test(n))
        .map(([, v]) => String(v));
    assert.strictEqual(sn(file).length, 5);
    assert.ok(
      sn(file).every((s) => /^SN\d{8}$/.test(s)),
      "pseudonyms by default",
    );
    assert.ok(!plain.text.includes("ZT01234567890ABCDE"), "no serial");
    await page.locator("#pvs-config-diagnostics-keep").check();
    const kept = JSON.parse((await save()).text) as { vars: Record<string, unknown> };
    assert.ok(
      sn(kept).every((s) => !/^SN\d{8}$/.test(s)),
      `device serials kept: ${sn(kept).join(", ")}`,
    );
    assert.deepStrictEqual(editor.pageErrors, [], "no error in the page");
    await closeDialogs(page);
  });
});
