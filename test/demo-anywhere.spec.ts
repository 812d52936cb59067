// The demo works anywhere, any time: daylight on this machine's day, restarts without counter warnings, a debug
// sidebar that fills within seconds whenever it is opened, and a new-firmware demo without red nodes or errors.
import assert from "assert";
import fs from "fs";
import os from "os";
import path from "path";
import WebSocket from "ws";
import { inTimeZone } from "./support/time-zone";
import { longitudeAtNoonNow } from "./support/simulated-time";

interface Demo {
  url: string;
  emulator: {
    count(command?: string): number;
    site: { snapshot(): { pvKw: number }; inverterPeakKw(i: number): number };
  };
  logFile: string;
  stop(): Promise<void>;
}
const { startDemo } = require("../scripts/demo") as { startDemo: (o: object) => Promise<Demo> };
const { buildDemoFlow } = require("../scripts/demo-flow") as {
  buildDemoFlow: (o: object) => Array<{ type: string; label?: string; command?: string }>;
};

const [major, minor] = process.versions.node.split(".").map(Number);
const canRunNodeRed5 = process.env.PVS_NODE_RED !== "node-red-4" && (major > 22 || (major === 22 && minor >= 9));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms / 1000} s`);
    await sleep(200);
  }
}

/** What the editor's debug sidebar receives from now on (the comms socket's "debug" topic): debug node names. */
async function debugSidebar(url: string): Promise<{ names: string[]; close(): void }> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}comms`);
  const names: string[] = [];
  ws.on("message", (data: WebSocket.RawData) => {
    for (const e of JSON.parse(String(data)) as Array<{ topic: string; data: { name?: string } }>)
      if (e.topic === "debug") names.push(e.data.name ?? "");
  });
  await new Promise<void>((resolve, reject) => ws.once("open", () => resolve()).once("error", reject));
  ws.send(JSON.stringify({ subscribe: "debug" }));
  return { names, close: () => ws.close() };
}

describe("demo flow on a new-firmware PVS", () => {
  it("leaves out the examples whose command only the legacy API offers, and keeps the others", () => {
    const legacy = buildDemoFlow({ host: "127.0.0.1", port: 18080 });
    const local = buildDemoFlow({ host: "127.0.0.1", port: 18080, localApi: true });
    const commands = (flow: typeof legacy) => flow.filter((n) => n.type === "pvs-command").map((n) => n.command);
    assert.deepStrictEqual(commands(legacy), ["CheckFW", "SupervisorHealth"]);
    assert.deepStrictEqual(commands(local), ["SupervisorHealth"]);
    const tabs = (flow: typeof legacy) => flow.filter((n) => n.type === "tab").map((n) => n.label);
    assert.deepStrictEqual(
      tabs(legacy).filter((t) => !tabs(local).includes(t)),
      ["Daily firmware update check"],
    );
  });
});

(canRunNodeRed5 ? describe : describe.skip)("npm start demo, anywhere and any time", function () {
  this.timeout(90000);
  let userDir: string;
  let demo: Demo | undefined;

  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-demo-"));
  });
  afterEach(async () => {
    await demo?.stop();
    demo = undefined;
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  describe("in Tokyo, far from the emulator's old fixed longitude (-117)", () => {
    inTimeZone("Asia/Tokyo");

    it("has the sun up at local midday by default, and a restart warns of no counter going backwards", async () => {
      const late = new Date();
      late.setHours(11, 0, 0, 0); // local 11:00 today, in Tokyo (TZ is set by now)
      const start = late.getTime();
      // The first run plays the day fast (10 simulated minutes a second), so its counters grow before it stops.
      const t0 = Date.now();
      let last = start;
      demo = await startDemo({
        userDir,
        delayMs: 0,
        inverters: 5,
        now: () => (last = start + (Date.now() - t0) * 600),
      });
      const peakKw = [0, 1, 2, 3, 4].reduce((sum, i) => sum + (demo?.emulator.site.inverterPeakKw(i) ?? 0), 0);
      const pvKw = demo.emulator.site.snapshot().pvKw;
      assert.ok(pvKw > 0.5 * peakKw, `production at local midday: ${pvKw} kW of ${peakKw} kW peak`);
      const first = demo;
      await waitFor("first run's DeviceList", () => first.emulator.count("DeviceList") >= 1, 20000);
      await sleep(1500);
      await demo.stop();
      // The second run starts a minute after the first stopped, with a fresh emulator whose counters start afresh.
      const restart = last + 60_000;
      demo = await startDemo({ userDir, delayMs: 0, inverters: 5, now: () => restart });
      const second = demo;
      await waitFor("second run's DeviceList", () => second.emulator.count("DeviceList") >= 1, 20000);
      await sleep(2000);
      const log = fs.readFileSync(demo.logFile, "utf8");
      assert.ok(log.includes("Started flows"), log);
      assert.ok(!/went backwards|\[error\]/.test(log), log);
    });
  });

  it("fills a debug sidebar opened after the first polls within seconds", async () => {
    demo = await startDemo({ userDir, delayMs: 0, inverters: 5, longitude: longitudeAtNoonNow() });
    const started = demo;
    await waitFor("first DeviceList", () => started.emulator.count("DeviceList") >= 1, 20000);
    await sleep(2000); // the first answers have gone out: the editor opens now
    const sidebar = await debugSidebar(demo.url);
    try {
      await waitFor("a device list in the debug sidebar", () => sidebar.names.includes("device list"), 20000);
    } finally {
      sidebar.close();
    }
  });

  it("with --localapi runs its commands and polls with no [error] in the log", async () => {
    demo = await startDemo({ userDir, delayMs: 0, inverters: 5, localApi: true, longitude: longitudeAtNoonNow() });
    const sidebar = await debugSidebar(demo.url);
    try {
      // The health report's inject fires 10 s after deploy (as the firmware check's did); then one more poll.
      await waitFor("the health report", () => sidebar.names.includes("report"), 30000);
      const seen = sidebar.names.filter((n) => n === "device list").length;
      await waitFor("another poll", () => sidebar.names.filter((n) => n === "device list").length > seen, 15000);
    } finally {
      sidebar.close();
    }
    const log = fs.readFileSync(demo.logFile, "utf8");
    assert.ok(log.includes("Started flows"), log);
    assert.ok(!/\[error\]/.test(log), log);
  });
});
