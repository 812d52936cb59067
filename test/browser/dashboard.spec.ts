// The dashboard example as a person sees it: Debian's Chromium opens /dashboard of the demo (scripts/demo.js: the
// emulator, this package and Dashboard 2 linked in, the demo flow built from the examples) and reads the numbers.
// The emulated site's day is played fast (one second is an hour, from 02:00 solar time, which is about the local
// clock time here), so the test sees the night, the panels waking up, and the curve of a morning whenever it runs.
// At midday one panel is shaded and one fails (the emulator's answer is edited) and both must stand out.
// The browser reaches nothing but 127.0.0.1. The screenshot goes to test-results/dashboard.png
// (PVS_UPDATE_SCREENSHOTS=1 also refreshes the README's copy, docs/images/dashboard.png).
import assert from "assert";
import fs from "fs";
import os from "os";
import path from "path";
import { type Browser, type Page } from "playwright-core";
import { CHROMIUM, openLocalBrowser } from "./editor";
const { startDemo, firstFreePort } = require("../../scripts/demo") as {
  startDemo: (o: object) => Promise<Demo>;
  firstFreePort: (from: number) => Promise<number>;
};
const { buildDemoFlow } = require("../../scripts/demo-flow") as { buildDemoFlow: (o: object) => FlowNode[] };

type FlowNode = { id: string; type: string; z?: string; name?: string; label?: string };
type LegacyDevice = Record<string, unknown>;
interface Demo {
  url: string;
  dashboardUrl: string | null;
  emulator: { editDeviceList: ((answer: { devices: LegacyDevice[] }) => void) | null };
  logFile: string;
  stop(): Promise<void>;
  get(url: string): Promise<{ status: number; body: string }>;
}
/**
 * What the page exposes: Dashboard 2 registers its charts in `uiCharts` when `Cypress` is defined (its own e2e hook).
 */
interface DashboardWindow {
  Cypress?: object;
  uiCharts?: Record<
    string,
    { chart: { getOption(): { series: Array<{ name: string; data: Array<[string | number, number | null]> }> } } }
  >;
}

const RESULTS = path.resolve(__dirname, "..", "..", "test-results");
const DOC_IMAGE = path.resolve(__dirname, "..", "..", "docs", "images", "dashboard.png");
const SPEED = 3600; // emulated milliseconds per real millisecond: one second is an hour

const [major, minor] = process.versions.node.split(".").map(Number);
const nodeRed5 = process.env.PVS_NODE_RED !== "node-red-4" && (major > 22 || (major === 22 && minor >= 9));
const title = "dashboard example in Chromium (real Node-RED 5, Dashboard 2)";
const suite = !nodeRed5
  ? describe.skip.bind(describe, `${title}: skipped, runs on the Node-RED 5 pass only`)
  : !fs.existsSync(CHROMIUM)
    ? describe.skip.bind(
        describe,
        `${title}: SKIPPED, ${CHROMIUM} not found (apt-get install -y chromium; .ci/run installs it)`,
      )
    : describe.bind(describe, title);

suite(function () {
  this.timeout(30000);
  let demo: Demo;
  let userDir: string;
  let browser: Browser;
  let page: Page;
  let blocked: string[] = [];
  let pageErrors: string[] = [];
  const widgets = new Map<string, string>(); // name -> id, in the deployed dashboard tab
  let pollNow = "";
  let polling: NodeJS.Timeout | undefined;
  // The emulated clock: today 02:00 local time when the demo starts, at real speed until the night has been
  // seen, then SPEED times faster.
  let startedAt = 0;
  let fastFrom = 0;
  const night = new Date().setHours(2, 0, 0, 0);
  const emulatedNow = () =>
    fastFrom ? night + (fastFrom - startedAt) + (Date.now() - fastFrom) * SPEED : night + (Date.now() - startedAt);
  const emulatedHour = () => new Date(emulatedNow()).getHours() + new Date(emulatedNow()).getMinutes() / 60;

  before(async function () {
    this.timeout(60000);
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-dashboard-"));
    // Ports away from the usual ones (other suites, or another `npm test`, start Node-RED at the same moment and
    // could take a port probed free), and the log must show that this Node-RED is the one on the URL.
    const from = 20000 + Math.floor(Math.random() * 20000);
    const [editorPort, emulatorPort] = [await firstFreePort(from), await firstFreePort(from + 60)];
    // No DeviceList ration, so every "poll now" gets a fresh answer of the fast-running site.
    const flow = buildDemoFlow({ host: "127.0.0.1", port: emulatorPort, deviceListEvery: 0 });
    startedAt = Date.now();
    // Solar time matches this machine's clock when the emulated longitude matches its UTC offset.
    const longitude = Math.max(-180, Math.min(180, -new Date(night).getTimezoneOffset() / 4));
    demo = await startDemo({
      userDir,
      delayMs: 0,
      inverters: 20,
      editorPort,
      emulatorPort,
      flow,
      longitude,
      now: emulatedNow,
    });
    const end = Date.now() + 5000;
    while (!fs.readFileSync(demo.logFile, "utf8").includes(`Server now running at ${demo.url}`)) {
      assert.ok(Date.now() < end, `Node-RED did not start on ${demo.url}: ${fs.readFileSync(demo.logFile, "utf8")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const deployed = JSON.parse((await demo.get(`${demo.url}flows`)).body) as FlowNode[];
    const tab = deployed.find((n) => n.type === "tab" && n.label === "Dashboard");
    for (const n of deployed) if (n.z === tab?.id && n.name) widgets.set(n.name, n.id);
    pollNow = deployed.find((n) => n.z === tab?.id && n.type === "inject")?.id ?? "";
    assert.ok(pollNow, "the dashboard tab has its poll-now inject");
    // Poll about once a second (pvs-config spaces requests by 1 s in the demo): a point every emulated hour or so.
    const poll = () => void fetch(`${demo.url}inject/${pollNow}`, { method: "POST" }).catch(() => undefined);
    polling = setInterval(poll, 900);

    const opened = await openLocalBrowser({
      viewport: { width: 1280, height: 900 },
      setup: async (context) => {
        await context.addInitScript(() => {
          (globalThis as unknown as DashboardWindow).Cypress = {};
        });
      },
    });
    browser = opened.browser;
    page = opened.page;
    blocked = opened.blocked;
    pageErrors = opened.pageErrors;
  });
  after(async () => {
    clearInterval(polling);
    await browser?.close();
    await demo?.stop();
    if (userDir) {
      fs.mkdirSync(RESULTS, { recursive: true });
      if (fs.existsSync(path.join(userDir, "node-red.log")))
        fs.copyFileSync(path.join(userDir, "node-red.log"), path.join(RESULTS, "dashboard-node-red.log"));
      fs.rmSync(userDir, { recursive: true, force: true });
    }
  });

  const id = (name: string): string => widgets.get(name) ?? assert.fail(`no widget "${name}"`);
  const text = async (name: string): Promise<string> =>
    ((await page.locator(`#nrdb-ui-widget-${id(name)} .nrdb-ui-text-value`).textContent()) ?? "").trim();
  const gauge = async (name: string): Promise<number> =>
    Number(
      await page
        .locator(`#nrdb-ui-widget-${id(name)} .nrdb-ui-gauge-value span`)
        .first()
        .textContent(),
    );
  const series = (name: string) =>
    page.evaluate((chart) => {
      const option = (globalThis as unknown as DashboardWindow).uiCharts?.[chart]?.chart.getOption();
      return (option?.series ?? []).map((s) => ({ name: s.name, data: s.data }));
    }, id(name));
  /** Waits until the panel summary under the bar chart matches. */
  const summary = async (expected: RegExp, timeoutMs: number): Promise<string> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const shown = await text("panel summary").catch(() => "");
      if (expected.test(shown)) return shown;
      if (Date.now() > end)
        throw new Error(
          `panel summary: expected ${expected}, shown "${shown}" at ${emulatedHour().toFixed(2)} h emulated`,
        );
      await page.waitForTimeout(150);
    }
  };

  it("opens at /dashboard and shows the night: gauges in kW, every panel asleep", async () => {
    assert.ok(demo.dashboardUrl);
    await page.goto(demo.dashboardUrl, { waitUntil: "domcontentloaded" });
    await page.waitForURL(/\/dashboard\/solar$/);
    assert.match(
      await summary(/^Night: all 20 panels asleep|^Too little sun|^\d+ of 20 panels/, 10000),
      /^Night: all 20 panels asleep/,
      `asleep before sunrise (emulated ${emulatedHour().toFixed(2)} h)`,
    );
    assert.strictEqual(await gauge("production"), 0);
    assert.ok((await gauge("consumption")) > 0);
    assert.strictEqual(
      await gauge("grid"),
      await gauge("consumption"),
      "at night the grid brings the whole consumption",
    );
    assert.match(
      await text("today's energy"),
      /^\d+\.\d kWh produced · \d+\.\d kWh used · \d+\.\d kWh imported · \d+\.\d kWh exported/,
    );
    fastFrom = Date.now();
  });

  it("follows the morning: the panels wake up, production climbs on the gauge and the day's curve", async () => {
    const shown = await summary(/^20 of 20 panels producing normally \(median \d+ W\)$/, 15000);
    const production = await gauge("production");
    const consumption = await gauge("consumption");
    const grid = await gauge("grid");
    assert.ok(production > 0, shown);
    assert.ok(
      Math.abs(consumption - production - grid) < 0.02,
      `consumption = production + grid: ${consumption}, ${production}, ${grid}`,
    );
    const bars = await series("panel power");
    assert.deepStrictEqual(
      bars.map((s) => s.name),
      ["producing", "weak", "shortfall"],
      "series in a fixed order, so the colours are fixed",
    );
    assert.strictEqual(bars[0].data.length, 20);
    assert.ok(
      bars[0].data.every(([, kw]) => typeof kw === "number" && kw > 0),
      JSON.stringify(bars[0].data),
    );
    assert.ok(bars[1].data.every(([, kw]) => kw === null) && bars[2].data.every(([, kw]) => kw === null));
  });

  it("at midday a shaded panel and a dead one stand out, orange and red", async () => {
    // Wait for the emulated late morning, so that the curve has a morning to show.
    while (emulatedHour() < 11.5) await page.waitForTimeout(200);
    demo.emulator.editDeviceList = ({ devices }) => {
      for (const d of devices) {
        if (d.SERIAL === "E00122000000007") d.p_3phsum_kw = String(Number(d.p_3phsum_kw) * 0.35); // shade
        if (d.SERIAL === "E00122000000012")
          Object.assign(d, { STATE: "error", STATEDESCR: "Error", DATATIME: "2026,01,01,00,00,00" }); // no fresh data
      }
    };
    const shown = await summary(/ · weak: /, 10000);
    assert.match(
      shown,
      /^18 of 20 panels producing normally \(median \d+ W\) · weak: 000007 3[45] % · no data: 000012$/,
    );
    const [producing, weak, shortfall] = (await series("panel power")).map((s) => new Map(s.data));
    assert.strictEqual(producing.get("000007"), null);
    assert.ok(
      (weak.get("000007") ?? 0) > 0 && (shortfall.get("000007") ?? 0) > 0,
      "weak: what it makes, and what it lacks",
    );
    assert.ok(
      (shortfall.get("000012") ?? 0) > 0 && weak.get("000012") === null && producing.get("000012") === null,
      "dead: all shortfall",
    );
    const curve = await series("today's curve");
    assert.deepStrictEqual(
      curve.map((s) => s.name),
      ["production", "consumption"],
    );
    assert.ok(curve[0].data.length >= 6, `a point per poll since the night: ${curve[0].data.length}`);
    assert.ok(
      curve[0].data.some(([, kw]) => kw === 0) && curve[0].data.some(([, kw]) => (kw ?? 0) > 1),
      "from night to a sunny late morning",
    );

    await page.waitForTimeout(400); // the charts' last redraw
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, "dashboard.png"), fullPage: true });
    if (process.env.PVS_UPDATE_SCREENSHOTS === "1") {
      fs.mkdirSync(path.dirname(DOC_IMAGE), { recursive: true });
      fs.copyFileSync(path.join(RESULTS, "dashboard.png"), DOC_IMAGE);
    }
  });

  it("loaded without page errors and reached nothing but this machine", () => {
    assert.deepStrictEqual(pageErrors, []);
    assert.deepStrictEqual(blocked, []);
    const log = fs.readFileSync(demo.logFile, "utf8");
    assert.match(log, /Node-RED Dashboard 2\.0 \(v[\d.]+\) started at \/dashboard/);
  });
});
