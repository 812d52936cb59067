// The scenario of test/browser/search.spec.ts, run by it inside a network namespace of its own (test/support/netns.ts),
// so the mDNS of "Search the network" never reaches the machine's real network: an emulated PVS6 announcing on
// 127.0.0.2, Node-RED 5 with this package (scripts/demo.js, nothing deployed) and Chromium, all in the namespace. A
// person's gestures: a pvs-device-list dragged from the palette, its new pvs-config opened, Search the network
// clicked, the unit found used. One JSON line on stdout: { result } or { error }. The serial comes in the
// environment, never in argv or output.
import fs from "fs";
import os from "os";
import path from "path";
import type { Page } from "playwright-core";
import { PvsEmulator } from "../../src/emulator/server";
import { dragFromPalette, openEditDialog, openEditor, RESULTS, settleTray } from "./editor";

const { startDemo, firstFreePort } = require("../../scripts/demo") as {
  startDemo: (o: {
    userDir: string;
    editorPort?: number;
    emulatorPort?: number;
    delayMs?: number;
    flow?: object[];
  }) => Promise<{ url: string; logFile: string; stop(): Promise<void> }>;
  firstFreePort: (from: number) => Promise<number>;
};

/** The Host field as the dialog shows it: its value, and whether the editor marks it invalid. */
async function hostField(page: Page): Promise<{ value: string; invalid: boolean }> {
  const host = page.locator("#node-config-input-host");
  return { value: await host.inputValue(), invalid: await host.evaluate((el) => el.classList.contains("input-error")) };
}

async function main(): Promise<unknown> {
  const unit = new PvsEmulator({
    host: "127.0.0.2",
    inverters: 2,
    serial: process.env.SEARCH_SERIAL,
    mdns: { address: "127.0.0.2" },
  });
  await unit.start();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-search-"));
  const demo = await startDemo({
    userDir,
    delayMs: 0,
    flow: [],
    editorPort: await firstFreePort(21880),
    emulatorPort: await firstFreePort(28080),
  }).catch((err: unknown) => {
    fs.rmSync(userDir, { recursive: true, force: true });
    throw err;
  });
  const editor = await openEditor(demo.url).catch(async (err: unknown) => {
    await demo.stop();
    throw err;
  });
  try {
    const page = editor.page;
    const list = await dragFromPalette(page, "pvs-device-list", 300, 200);
    await openEditDialog(page, list, "#node-input-server");
    await page.locator("#node-input-btn-server-add").click(); // no pvs-config yet: the + button adds one
    await page.locator("#pvs-config-search").waitFor();
    await settleTray(page);
    const before = await hostField(page);
    await page.locator("#pvs-config-search").click();
    const rows = page.locator("#pvs-config-search-result .pvs-search-unit");
    await rows.first().waitFor({ timeout: 20000 }); // the runtime listens for 3 s
    const listed = await rows.allInnerTexts();
    await rows.first().locator(".pvs-search-use").click();
    const after = await hostField(page);
    const port = await page.locator("#node-config-input-port").inputValue();
    return {
      before,
      listed,
      after,
      port,
      unitPort: unit.port,
      infoRequests: unit.count("supervisor/info"),
      pageErrors: editor.pageErrors,
      blocked: editor.blocked,
    };
  } catch (err) {
    // What the page showed when a step failed, for the report (test-results is gitignored).
    fs.mkdirSync(RESULTS, { recursive: true });
    await editor.page.screenshot({ path: path.join(RESULTS, "failed-search-the-network.png") }).catch(() => undefined);
    throw err;
  } finally {
    await editor.close();
    await demo.stop();
    await unit.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

main()
  .then((result) => process.stdout.write(JSON.stringify({ result }) + "\n"))
  .catch((err: unknown) => process.stdout.write(JSON.stringify({ error: String(err) }) + "\n"))
  .finally(() => process.exit(0));
