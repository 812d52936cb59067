// The editor's language, not the server's, for the statuses Node-RED lets the editor translate: a real Node-RED 5
// whose runtime speaks German, opened in Chromium once in German and once in English. A status that is a
// fixed text (no PVS configured, invalid settings, polling…, connecting…) is sent as a catalog key, which the
// editor translates into its own language, as it does for core nodes; a status with figures or a time is written
// by the runtime (Node-RED passes the editor no parameters for a status), so it stays in the runtime's language.
// The edit form of pvs-live shows each option of its drop-downs whole, in German and in English.
import assert from "assert";
import fs from "fs";
import os from "os";
import path from "path";
import { CHROMIUM, RESULTS, closeDialogs, openEditDialog, openEditor, waitForStatus, type Session } from "./editor";

interface Demo {
  url: string;
  emulator: { port: number; httpsPort: number; telemetryPort: number };
  logFile: string;
  stop(): Promise<void>;
}
const { startDemo, firstFreePort } = require("../../scripts/demo") as {
  startDemo: (o: object) => Promise<Demo>;
  firstFreePort: (from: number) => Promise<number>;
};

const [major, minor] = process.versions.node.split(".").map(Number);
const nodeRed5 = process.env.PVS_NODE_RED !== "node-red-4" && (major > 22 || (major === 22 && minor >= 9));
const title = "status in the editor's language (Chromium, real Node-RED 5)";
const suite = !nodeRed5
  ? describe.skip.bind(describe, `${title}: runs on the Node-RED 5 pass only`)
  : !fs.existsSync(CHROMIUM)
    ? describe.skip.bind(
        describe,
        `${title}: SKIPPED, no ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it)`,
      )
    : describe.bind(describe, title);

suite(function () {
  this.timeout(60000);
  let demo: Demo;
  let userDir: string;
  const sessions: Session[] = [];

  before(async function () {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-editor-lang-"));
    const from = 20000 + Math.floor(Math.random() * 20000);
    // The runtime in German (settings.js `lang`); each browser brings its own language.
    demo = await startDemo({
      userDir,
      delayMs: 0,
      inverters: 3,
      localApi: true,
      settings: { lang: "de" },
      flow: [],
      editorPort: await firstFreePort(from),
      emulatorPort: await firstFreePort(from + 60),
    });
    const end = Date.now() + 10000;
    // This Node-RED, not another one that took the port meanwhile: its log (in German) names the URL.
    while (!fs.readFileSync(demo.logFile, "utf8").includes(demo.url)) {
      if (Date.now() > end)
        throw new Error(`Node-RED did not start on ${demo.url}: ${fs.readFileSync(demo.logFile, "utf8")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const flow = [
      { id: "tab1", type: "tab", label: "PVS" },
      {
        id: "cfg1",
        type: "pvs-config",
        host: "127.0.0.1",
        port: demo.emulator.port,
        localPort: demo.emulator.httpsPort,
        telemetryPort: demo.emulator.telemetryPort,
        protocol: "http",
        api: "auto",
        timeout: 10,
        minSpacing: 0,
        deviceListEvery: 120,
        fingerprint: "",
        name: "PVS",
      },
      { id: "noPvs", type: "pvs-device-list", z: "tab1", server: "", interval: 0, x: 200, y: 80, wires: [[]] },
      { id: "liveNoPvs", type: "pvs-live", z: "tab1", server: "", x: 200, y: 160, wires: [[]] },
      { id: "list", type: "pvs-device-list", z: "tab1", server: "cfg1", interval: 30, x: 200, y: 240, wires: [[]] },
    ];
    const res = await fetch(new URL("flows", demo.url), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Node-RED-Deployment-Type": "full" },
      body: JSON.stringify(flow),
    });
    assert.strictEqual(res.status, 204, await res.text());
  });
  after(async () => {
    for (const s of sessions) await s.close();
    await demo?.stop();
    if (userDir) {
      fs.mkdirSync(RESULTS, { recursive: true });
      if (fs.existsSync(path.join(userDir, "node-red.log")))
        fs.copyFileSync(path.join(userDir, "node-red.log"), path.join(RESULTS, "editor-language-node-red.log"));
      fs.rmSync(userDir, { recursive: true, force: true });
    }
  });

  const open = async (locale: string) => {
    const session = await openEditor(demo.url, { locale });
    sessions.push(session);
    return session.page;
  };

  it("a German browser shows the fixed statuses in German", async () => {
    const page = await open("de-DE");
    assert.strictEqual(await page.evaluate(() => navigator.language), "de-DE");
    assert.strictEqual((await waitForStatus(page, "noPvs", /\S/)).text, "kein PVS konfiguriert");
    assert.strictEqual((await waitForStatus(page, "liveNoPvs", /\S/)).text, "kein PVS konfiguriert");
    // With figures: written by the runtime, here in German too.
    assert.match((await waitForStatus(page, "list", /Wechselrichter/)).text, /^3 Wechselrichter · /);
  });

  it("an English browser shows them in English, though the runtime speaks German", async () => {
    const page = await open("en-US");
    assert.strictEqual((await waitForStatus(page, "noPvs", /\S/)).text, "no PVS configured");
    assert.strictEqual((await waitForStatus(page, "liveNoPvs", /\S/)).text, "no PVS configured");
    // The limit of Node-RED: a status with figures cannot be translated by the editor, it stays in the runtime's
    // language.
    assert.match((await waitForStatus(page, "list", /Wechselrichter/)).text, /^3 Wechselrichter · /);
  });

  for (const locale of ["de-DE", "en-US"]) {
    it(`the pvs-live form in ${locale} shows each Send and Units option whole`, async () => {
      const page = await open(locale);
      await openEditDialog(page, "liveNoPvs", "#node-input-send");
      try {
        const cut = await page.locator("#node-input-send, #node-input-units").evaluateAll((selects) =>
          selects.flatMap((select) => {
            const el = select as HTMLSelectElement;
            const style = getComputedStyle(el);
            const context = document.createElement("canvas").getContext("2d") as CanvasRenderingContext2D;
            context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
            // The room for the text: the box less its padding and the drop-down arrow.
            const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 16;
            return Array.from(el.options)
              .map((o) => ({
                text: o.text,
                width: Math.ceil(context.measureText(o.text).width),
                room: Math.floor(room),
              }))
              .filter((o) => o.text === "" || o.width > o.room);
          }),
        );
        assert.deepStrictEqual(cut, [], `options cut off in the ${locale} form`);
      } finally {
        await closeDialogs(page);
      }
    });
  }
});
