// End to end: what `npm start` runs (a real Node-RED 5 process, the package linked into its user
// directory, the demo flow built from the examples) polls the emulator.
import assert from "assert";
import fs from "fs";
import http from "http";
import os from "os";
import path from "path";
import vm from "vm";
import { FLOW_NODE_TYPES } from "./support/node-types";
import { longitudeAtNoonNow } from "./support/simulated-time";
const { startDemo } = require("../scripts/demo") as { startDemo: (o: object) => Promise<Demo> };
const { buildDemoFlow, exampleFiles } = require("../scripts/demo-flow") as {
  buildDemoFlow: (o: object) => FlowNode[];
  exampleFiles: () => string[];
};

type FlowNode = {
  id: string;
  type: string;
  name?: string;
  label?: string;
  z?: string;
  server?: string;
  wires?: string[][];
  info?: string;
  group?: string;
  page?: string;
  ui?: string;
  theme?: string;
  path?: string;
  func?: string;
  initialize?: string;
};
interface Demo {
  url: string;
  dashboardUrl: string | null;
  emulator: { count(command?: string): number; port: number; httpsPort: number };
  logFile: string;
  stop(): Promise<void>;
  get(url: string): Promise<{ status: number; body: string }>;
}

const [major, minor] = process.versions.node.split(".").map(Number);
const canRunNodeRed5 = process.env.PVS_NODE_RED !== "node-red-4" && (major > 22 || (major === 22 && minor >= 9));
const OUR_TYPES = FLOW_NODE_TYPES;
// mqtt out and its broker config are core nodes too; an example using them must deploy without a broker.
const CORE_TYPES = [
  "comment",
  "inject",
  "debug",
  "change",
  "switch",
  "function",
  "join",
  "catch",
  "status",
  "mqtt out",
  "mqtt-broker",
];
// Dashboard 2 (@flowfuse/node-red-dashboard) types the dashboard example uses. An example with them says in its
// comment that it needs the package, and brings its whole dashboard (ui-base, theme, page, groups) so it imports whole.
const DASHBOARD_CONFIG_TYPES = ["ui-base", "ui-theme", "ui-page", "ui-group"];
const DASHBOARD_WIDGET_TYPES = ["ui-gauge", "ui-chart", "ui-text"];
const DASHBOARD_EXAMPLE = path.resolve(__dirname, "..", "examples", "pvs-device-list", "05 - Dashboard.json");

describe("examples", () => {
  const files: string[] = exampleFiles();

  it("are arrays of our nodes and core nodes only, each wired and explained by a comment", () => {
    assert.ok(files.length >= 3);
    for (const file of files) {
      const flow = JSON.parse(fs.readFileSync(file, "utf8")) as FlowNode[];
      assert.ok(Array.isArray(flow), file);
      const ids = new Set(flow.map((n) => n.id));
      assert.ok(
        flow.some((n) => n.type === "comment"),
        `${file} has a comment node`,
      );
      for (const n of flow) {
        assert.ok(
          [...OUR_TYPES, "pvs-config", ...CORE_TYPES, ...DASHBOARD_CONFIG_TYPES, ...DASHBOARD_WIDGET_TYPES].includes(
            n.type,
          ),
          `${file}: ${n.type}`,
        );
        for (const id of (n.wires ?? []).flat()) assert.ok(ids.has(id), `${file}: wire to ${id}`);
        if (n.server !== undefined)
          assert.ok(
            flow.some((c) => c.id === n.server && c.type === "pvs-config"),
            `${file}: ${n.id} has its pvs-config`,
          );
        const broker = (n as { broker?: string }).broker;
        if (n.type === "mqtt out")
          assert.ok(
            flow.some((c) => c.id === broker && c.type === "mqtt-broker"),
            `${file}: ${n.id} has its broker`,
          );
      }
      if (flow.some((n) => n.type.startsWith("ui-"))) {
        assert.ok(
          flow.some((n) => n.type === "comment" && (n.info ?? "").includes("@flowfuse/node-red-dashboard")),
          `${file}: says it needs Dashboard 2`,
        );
        const has = (id: string | undefined, type: string) => flow.some((c) => c.id === id && c.type === type);
        for (const n of flow.filter((w) => DASHBOARD_WIDGET_TYPES.includes(w.type)))
          assert.ok(has(n.group, "ui-group"), `${file}: ${n.id} has its group`);
        for (const n of flow.filter((g) => g.type === "ui-group"))
          assert.ok(has(n.page, "ui-page"), `${file}: ${n.id} has its page`);
        for (const n of flow.filter((p) => p.type === "ui-page"))
          assert.ok(has(n.ui, "ui-base") && has(n.theme, "ui-theme"), `${file}: ${n.id} has its ui-base and theme`);
        assert.deepStrictEqual(
          flow.filter((n) => n.type === "ui-base").map((n) => n.path),
          ["/dashboard"],
          `${file}: one dashboard, at /dashboard`,
        );
      }
    }
  });

  it('use node ids of their own, except one pvs-config shared by all, so that importing several reuses one "My PVS"', () => {
    const seen = new Map<string, string>();
    const configs: FlowNode[] = [];
    for (const file of files) {
      for (const n of JSON.parse(fs.readFileSync(file, "utf8")) as FlowNode[]) {
        if (n.type === "pvs-config") {
          configs.push(n);
          continue;
        }
        assert.ok(!seen.has(n.id), `${path.basename(file)} and ${seen.get(n.id)} both use id ${n.id}`);
        seen.set(n.id, path.basename(file));
      }
    }
    // Node-RED's "Import copy" keeps an existing config node with the same id: the examples' nodes all use it.
    assert.strictEqual(configs.length, files.length, "one pvs-config per example");
    for (const c of configs)
      assert.deepStrictEqual(c, configs[0], "the same pvs-config, id and settings, in every example");
    assert.ok(!seen.has(configs[0].id), "its id is no other node's");
  });

  it("together use every node type of the package", () => {
    const used = new Set(
      files.flatMap((f) => (JSON.parse(fs.readFileSync(f, "utf8")) as FlowNode[]).map((n) => n.type)),
    );
    for (const type of OUR_TYPES) assert.ok(used.has(type), type);
  });

  it("become a demo flow with one shared pvs-config on the emulator", () => {
    const flow = buildDemoFlow({ host: "127.0.0.1", port: 18080 });
    assert.strictEqual(flow.filter((n) => n.type === "pvs-config").length, 1);
    assert.strictEqual(flow.filter((n) => n.type === "tab").length, files.length);
    assert.ok(flow.filter((n) => n.server !== undefined).every((n) => n.server === flow[0].id));
    const brokers = flow.filter((n) => n.type === "mqtt-broker") as Array<FlowNode & { autoConnect?: boolean }>;
    assert.ok(
      brokers.length > 0 && brokers.every((b) => b.autoConnect === false),
      "the demo publishes to no broker that happens to run here",
    );
  });

  it("become a demo flow whose dashboard hangs together: global ui config nodes, one ui-base at /dashboard", () => {
    const flow = buildDemoFlow({ host: "127.0.0.1", port: 18080 });
    const byId = new Map(flow.map((n) => [n.id, n]));
    assert.strictEqual(byId.size, flow.length, "ids are unique");
    assert.deepStrictEqual(
      flow.filter((n) => n.type === "ui-base").map((n) => n.path),
      ["/dashboard"],
    );
    for (const n of flow.filter((c) => DASHBOARD_CONFIG_TYPES.includes(c.type)))
      assert.strictEqual(n.z, undefined, `${n.type} ${n.id} is global`);
    const widgets = flow.filter((n) => DASHBOARD_WIDGET_TYPES.includes(n.type));
    assert.ok(widgets.length >= 7);
    for (const w of widgets) {
      const page = byId.get(byId.get(w.group ?? "")?.page ?? "");
      assert.ok(
        page && byId.get(page.ui ?? "")?.type === "ui-base" && byId.get(page.theme ?? "")?.type === "ui-theme",
        `${w.id}: group, page, base, theme`,
      );
      assert.strictEqual(byId.get(w.z ?? "")?.type, "tab");
    }
    for (const n of flow) for (const id of (n.wires ?? []).flat()) assert.ok(byId.has(id), `${n.id}: wire to ${id}`);
  });
});

// The dashboard example's three function nodes, run on hand-made device lists: the code users import is what is tested.
describe("dashboard example: its function nodes", () => {
  const nodes = JSON.parse(fs.readFileSync(DASHBOARD_EXAMPLE, "utf8")) as FlowNode[];
  type Msg = { payload?: unknown; action?: string; ui_update?: Record<string, unknown> } | null;
  type Output = Msg | Msg[] | Array<Msg | Msg[]>;

  /** Runs a function node's code as Node-RED does (msg, node, context), with a context that lives as long as `ctx`. */
  function run(name: string, msg: object, ctx: Map<string, unknown>, part: "func" | "initialize" = "func"): Output {
    const code = nodes.find((n) => n.type === "function" && n.name === name)?.[part];
    assert.ok(code, `function node "${name}" has ${part} code`);
    const fn = vm.runInThisContext(`(function (msg, node, context) {\n${code}\n})`) as (
      m: object,
      n: object,
      c: object,
    ) => Output;
    const status: object[] = [];
    const result = fn(
      structuredClone(msg),
      { status: (s: object) => status.push(s), warn: () => undefined },
      { get: (k: string) => ctx.get(k), set: (k: string, v: unknown) => void ctx.set(k, v) },
    );
    ctx.set("__status", status.at(-1));
    return result;
  }

  const inverter = (n: number, kw: number | null, condition = "ok", label?: string) => ({
    serial: `E00122000000${String(n).padStart(3, "0")}`,
    category: "inverter",
    condition,
    ...(label ? { label } : {}),
    metrics: { p_3phsum_kw: kw },
  });
  const deviceList = (inverters: object[], site: object = {}, extra: object = {}) => ({
    payload: {
      time: "2026-06-21T19:00:00.000Z",
      inverters,
      missing: [],
      site: {
        production_kw: 3.2516,
        consumption_kw: 0.6177,
        net_kw: -2.6339,
        inverters: { known: inverters.length },
        today: {
          date: "2026-06-21",
          since: "2026-06-21T07:00:00.000Z",
          complete: true,
          production_kwh: 24.12,
          consumption_kwh: 11.7,
          import_kwh: 3.2,
          export_kwh: 15.6,
        },
        ...site,
      },
      ...extra,
    },
  });
  type Bar = { panel: string; producing: number | null; weak: number | null; shortfall: number | null };

  it("power now: three gauges in kW on a range that fits the site, grid import positive, and today's energy", () => {
    const ctx = new Map<string, unknown>();
    const out = run("power now", deviceList(Array.from({ length: 20 }, (_, i) => inverter(i, 0.3))), ctx) as Msg[];
    assert.strictEqual(out.length, 4);
    assert.deepStrictEqual(out[0], { payload: 3.25, ui_update: { max: 8 } }, "20 panels: 0..8 kW");
    assert.deepStrictEqual(out[1], { payload: 0.62, ui_update: { max: 8 } });
    assert.deepStrictEqual(out[2], {
      payload: -2.63,
      ui_update: {
        max: 8,
        min: -8,
        segments: [
          { from: -8, color: "#2e9e44" },
          { from: 0, color: "#d9534f" },
        ],
      },
    });
    assert.deepStrictEqual(out[3], {
      payload: "24.1 kWh produced · 11.7 kWh used · 3.2 kWh imported · 15.6 kWh exported",
    });
    // A bigger reading widens the range for good; a site without a consumption CT leaves those gauges alone.
    const noCt = run(
      "power now",
      deviceList([inverter(1, 0.3)], {
        production_kw: 9.4,
        consumption_kw: undefined,
        net_kw: undefined,
        today: { complete: false, since: "2026-06-21T10:05:00.000Z", production_kwh: 1 },
      }),
      ctx,
    ) as Msg[];
    assert.deepStrictEqual(noCt[0], { payload: 9.4, ui_update: { max: 10 } });
    assert.strictEqual(noCt[1], null);
    assert.strictEqual(noCt[2], null);
    const since = new Date("2026-06-21T10:05:00.000Z").toTimeString().slice(0, 5);
    assert.deepStrictEqual(noCt[3], {
      payload: `1.0 kWh produced · n/a used · n/a imported · n/a exported (counted since ${since})`,
    });
  });

  it("panels: a weak panel and a dead one stand out against the median, in the PVS's order", () => {
    const ctx = new Map<string, unknown>();
    const inverters = [
      inverter(1, 0.3),
      inverter(2, 0.31),
      inverter(3, 0.1, "ok", "south 3"),
      inverter(4, 0.29),
      inverter(5, 0.25, "fault"),
      inverter(6, 0.3),
    ];
    const missing = [
      { serial: "E00122000000007", category: "inverter" },
      { serial: "PVS6M01234567p", category: "meter" },
    ];
    const [[layout, chart], text] = run("panels", deviceList(inverters, {}, { missing }), ctx) as [[Msg, Msg], Msg];
    assert.deepStrictEqual(
      layout,
      { ui_update: { chartOptions: { grid: { bottom: 28 } } } },
      "room for the panel names",
    );
    assert.strictEqual(chart?.action, "replace");
    assert.deepStrictEqual(chart?.payload as Bar[], [
      { panel: "000001", producing: 0.3, weak: null, shortfall: null },
      { panel: "000002", producing: 0.31, weak: null, shortfall: null },
      { panel: "south 3", producing: null, weak: 0.1, shortfall: 0.2 }, // a label, when the user gave one
      { panel: "000004", producing: 0.29, weak: null, shortfall: null },
      { panel: "000005", producing: null, weak: null, shortfall: 0.3 }, // no fresh data: its stale 0.25 kW is not drawn
      { panel: "000006", producing: 0.3, weak: null, shortfall: null },
      { panel: "000007", producing: null, weak: null, shortfall: 0.3 }, // gone from the list while the others produce
    ]);
    assert.strictEqual(
      text?.payload,
      "4 of 7 panels producing normally (median 300 W) · weak: south 3 33 % · no data: 000005, 000007 (gone from the list)",
    );
    assert.deepStrictEqual(ctx.get("__status"), { fill: "red", shape: "dot", text: "1 weak, 2 no data" });
  });

  it("panels: at night every panel is asleep, and the text says so instead of flagging them", () => {
    const ctx = new Map<string, unknown>();
    const asleep = [inverter(1, 0, "asleep"), inverter(2, 0, "asleep"), inverter(3, null, "asleep")];
    const [[, chart], text] = run(
      "panels",
      deviceList(asleep, { production_kw: 0 }, { missing: [{ serial: "E00122000000004", category: "inverter" }] }),
      ctx,
    ) as [[Msg, Msg], Msg];
    assert.deepStrictEqual(
      (chart?.payload as Bar[]).map((b) => [b.producing, b.weak, b.shortfall]),
      [
        [0, null, null],
        [0, null, null],
        [0, null, null],
        [0, null, null],
      ],
    );
    assert.strictEqual(text?.payload, "Night: all 4 panels asleep. The bars come back at sunrise.");
    assert.deepStrictEqual(ctx.get("__status"), { fill: "green", shape: "dot", text: "night" });
    const none = run("panels", deviceList([]), ctx) as [[Msg, Msg], Msg];
    assert.deepStrictEqual(
      [none[0][1], none[1]],
      [{ payload: [], action: "replace" }, { payload: "No panels reported yet." }],
    );
    // Dawn: a few watts are no basis to call a panel weak.
    const dawn = run("panels", deviceList([inverter(1, 0.012), inverter(2, 0.002), inverter(3, 0.011)]), ctx) as [
      [Msg, Msg],
      Msg,
    ];
    assert.deepStrictEqual(
      (dawn[0][1]?.payload as Bar[]).map((b) => [b.producing, b.weak, b.shortfall]),
      [
        [0.012, null, null],
        [0.002, null, null],
        [0.011, null, null],
      ],
    );
    assert.strictEqual(dawn[1]?.payload, "Too little sun to compare the panels (median 12 W).");
    assert.deepStrictEqual(ctx.get("__status"), { fill: "green", shape: "dot", text: "little sun" });
  });

  it("day curve: draws the whole day after a (re)start, then one point per new PVS answer, and starts afresh at midnight", () => {
    const ctx = new Map<string, unknown>();
    const at = (iso: string, production: number) =>
      deviceList([], { production_kw: production, consumption_kw: 0.5 }, { time: iso });
    const t1 = "2026-06-21T12:00:00.000Z";
    const midnight = new Date(t1).setHours(0, 0, 0, 0);
    run("day curve", {}, ctx, "initialize");
    const first = run("day curve", at(t1, 2.5), ctx) as Msg[][];
    assert.deepStrictEqual(first, [
      [
        {
          ui_update: {
            chartOptions: { xAxis: { min: midnight, max: midnight + 24 * 3600_000 }, grid: { bottom: 28 } },
          },
        },
        { payload: [{ t: Date.parse(t1), production: 2.5, consumption: 0.5 }], action: "replace" },
      ],
    ]);
    assert.deepStrictEqual(run("day curve", at("2026-06-21T12:02:00.000Z", 2.6), ctx), {
      payload: { t: Date.parse("2026-06-21T12:02:00.000Z"), production: 2.6, consumption: 0.5 },
    });
    assert.strictEqual(
      run("day curve", at("2026-06-21T12:02:00.000Z", 2.6), ctx),
      null,
      "the same answer again adds nothing",
    );
    // A redeploy: the chart is empty again, so the whole day is sent.
    run("day curve", {}, ctx, "initialize");
    const again = run("day curve", at("2026-06-21T12:04:00.000Z", 2.7), ctx) as Msg[][];
    assert.deepStrictEqual(
      (again[0][1]?.payload as Array<{ production: number }>).map((p) => p.production),
      [2.5, 2.6, 2.7],
    );
    // The next local day.
    const tomorrow = new Date(midnight + 36 * 3600_000).toISOString();
    const next = run("day curve", at(tomorrow, 1), ctx) as Msg[][];
    assert.deepStrictEqual(
      (next[0][1]?.payload as Array<{ production: number }>).map((p) => p.production),
      [1],
    );
    assert.strictEqual(next[0][1]?.action, "replace");
  });
});

function request(
  method: "GET" | "POST",
  url: string,
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers: body === undefined ? {} : { "Content-Type": "text/plain;charset=UTF-8" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * A dashboard client as the browser is one, on socket.io's HTTP long-polling transport (Engine.IO 4): packets are
 * separated by \x1e; "4" is a message, and a socket.io event is "42" followed by the JSON array [name, ...args].
 */
class DashboardClient {
  private queue: unknown[][] = [];
  private constructor(private readonly url: string) {}

  static async connect(dashboardUrl: string): Promise<DashboardClient> {
    const base = `${dashboardUrl}/socket.io/?EIO=4&transport=polling`;
    const open = await request("GET", base);
    assert.ok(open.status === 200 && open.body.startsWith("0{"), `Engine.IO open: ${open.status} ${open.body}`);
    const client = new DashboardClient(`${base}&sid=${(JSON.parse(open.body.slice(1)) as { sid: string }).sid}`);
    await client.send("40"); // join the default namespace
    return client;
  }

  private async send(packet: string): Promise<void> {
    const res = await request("POST", this.url, packet);
    assert.strictEqual(res.status, 200, res.body);
  }

  emit(name: string, ...args: unknown[]): Promise<void> {
    return this.send(`42${JSON.stringify([name, ...args])}`);
  }

  /** The arguments of the next event called `name`; each long-poll returns what the server has queued. */
  async next(name: string): Promise<unknown[]> {
    for (;;) {
      const i = this.queue.findIndex((e) => e[0] === name);
      if (i >= 0) return this.queue.splice(i, 1)[0].slice(1);
      const res = await request("GET", this.url);
      assert.strictEqual(res.status, 200, res.body);
      for (const packet of res.body.split("\x1e")) {
        if (packet === "2")
          await this.send("3"); // ping, pong
        else if (packet.startsWith("42")) this.queue.push(JSON.parse(packet.slice(2)) as unknown[]);
      }
    }
  }

  close(): Promise<void> {
    return this.send("1");
  }
}

(canRunNodeRed5 ? describe : describe.skip)("npm start demo (real Node-RED 5 process)", function () {
  this.timeout(60000);
  let demo: Demo;
  let userDir: string;

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-demo-"));
    // At solar noon, so the dashboard's panels produce whatever the hour CI runs at (at dawn they read
    // "too little sun", at night "asleep": the function nodes' own tests cover those).
    demo = await startDemo({ userDir, delayMs: 0, inverters: 5, longitude: longitudeAtNoonNow() });
  });
  after(async () => {
    await demo?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it("loads all seven node types without errors", async () => {
    const res = await demo.get(`${demo.url}nodes`);
    const sets = (
      JSON.parse(res.body) as Array<{ module: string; name: string; enabled: boolean; err?: string }>
    ).filter((s) => s.module === "@pvs-local/node-red-sunpower");
    assert.deepStrictEqual(
      sets.map((s) => [s.name, s.enabled, s.err ?? null]),
      [
        ["pvs-config", true, null],
        ["pvs-device-list", true, null],
        ["pvs-comm", true, null],
        ["pvs-inverter-split", true, null],
        ["pvs-command", true, null],
        ["pvs-live", true, null],
        ["pvs-battery", true, null],
      ],
    );
  });

  it("deploys the demo flow, which polls the emulator", async () => {
    const end = Date.now() + 20000;
    while ((demo.emulator.count("DeviceList") < 1 || demo.emulator.count("Get_Comm") < 1) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 200));
    assert.ok(demo.emulator.count("DeviceList") >= 1, "DeviceList polled");
    assert.ok(demo.emulator.count("Get_Comm") >= 1, "Get_Comm polled");
    const log = fs.readFileSync(demo.logFile, "utf8");
    assert.ok(log.includes("Started flows"), log);
    assert.ok(!/\[error\]/.test(log), log);
  });

  it("serves the dashboard example with Dashboard 2, and its widgets get the emulator's numbers", async () => {
    const sets = (
      JSON.parse((await demo.get(`${demo.url}nodes`)).body) as Array<{
        module: string;
        name: string;
        enabled: boolean;
        err?: string;
      }>
    ).filter((s) => s.module === "@flowfuse/node-red-dashboard");
    for (const type of [...DASHBOARD_CONFIG_TYPES, ...DASHBOARD_WIDGET_TYPES])
      assert.ok(
        sets.some((s) => s.name === type && s.enabled && !s.err),
        `${type} loaded: ${JSON.stringify(sets)}`,
      );
    assert.ok(
      fs
        .realpathSync(path.join(userDir, "node_modules", "@flowfuse", "node-red-dashboard"))
        .endsWith(path.join("node_modules", "@flowfuse", "node-red-dashboard")),
    );
    assert.strictEqual(demo.dashboardUrl, `${demo.url}dashboard`);
    const dashboardUrl = demo.dashboardUrl ?? "";
    const redirect = await request("GET", dashboardUrl);
    assert.deepStrictEqual([redirect.status, redirect.headers.location], [301, "/dashboard/"]);
    const page = await request("GET", `${dashboardUrl}/`);
    assert.strictEqual(page.status, 200);
    assert.match(page.body, /<div id="app">/);

    // The widgets of the deployed dashboard tab, by name.
    const deployed = JSON.parse((await demo.get(`${demo.url}flows`)).body) as FlowNode[];
    const tab = deployed.find((n) => n.type === "tab" && n.label === "Dashboard");
    const widget = (name: string) =>
      deployed.find((n) => n.z === tab?.id && n.name === name)?.id ?? assert.fail(`widget ${name}`);
    const ids = {
      production: widget("production"),
      consumption: widget("consumption"),
      grid: widget("grid"),
      today: widget("today's energy"),
      panels: widget("panel power"),
      summary: widget("panel summary"),
      curve: widget("today's curve"),
    };

    // Wait for the first poll to reach the widgets (Dashboard 2's datastore), then read them as a browser does.
    const end = Date.now() + 15000;
    while ((await demo.get(`${dashboardUrl}/_debug/datastore/${ids.curve}`)).body.length < 10 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 200));
    const client = await DashboardClient.connect(dashboardUrl);
    try {
      const [, config] = (await client.next("ui-config")) as [
        string,
        { pages: Record<string, { path: string; name: string }>; widgets: Record<string, { type: string }> },
      ];
      assert.deepStrictEqual(
        Object.values(config.pages).map((p) => [p.path, p.name]),
        [["/solar", "Solar"]],
      );
      for (const id of Object.values(ids)) assert.ok(config.widgets[id], `widget ${id} in the dashboard's config`);
      const load = async (id: string) => {
        await client.emit("widget-load", id);
        return (await client.next(`widget-load:${id}`))[0];
      };
      type Point = {
        payload: { panel: string; producing: number | null; weak: number | null; shortfall: number | null };
      };
      const gauges = [await load(ids.production), await load(ids.consumption), await load(ids.grid)] as Array<{
        payload: number;
      }>;
      for (const g of gauges) assert.strictEqual(typeof g.payload, "number", JSON.stringify(g));
      assert.ok(gauges[0].payload >= 0 && gauges[1].payload > 0, JSON.stringify(gauges));
      assert.ok(
        Math.abs(gauges[1].payload - gauges[0].payload - gauges[2].payload) < 0.02,
        `consumption = production + grid: ${JSON.stringify(gauges)}`,
      );
      const bars = (await load(ids.panels)) as Point[];
      assert.deepStrictEqual(
        bars.map((b) => b.payload.panel),
        ["000001", "000002", "000003", "000004", "000005"],
        "one bar per inverter",
      );
      assert.ok(
        bars.every((b) => typeof b.payload.producing === "number"),
        JSON.stringify(bars),
      );
      const curve = (await load(ids.curve)) as Array<{
        payload: { t: number; production: number; consumption: number };
      }>;
      assert.ok(
        curve.length >= 1 &&
          typeof curve[0].payload.production === "number" &&
          typeof curve[0].payload.consumption === "number",
        JSON.stringify(curve),
      );
      assert.match(((await load(ids.today)) as { payload: string }).payload, /^\d+\.\d kWh produced · /);
      assert.match(((await load(ids.summary)) as { payload: string }).payload, /^5 of 5 panels producing normally/);
    } finally {
      await client.close();
    }
    assert.match(fs.readFileSync(demo.logFile, "utf8"), /Node-RED Dashboard 2\.0 \(v[\d.]+\) started at \/dashboard/);
  });

  it("lists the examples under Import > Examples", async () => {
    const res = await demo.get(`${demo.url}library/examples/flows/@pvs-local/node-red-sunpower`);
    assert.strictEqual(res.status, 200);
    // One examples folder per node type in a flow (pvs-config has none of its own).
    assert.deepStrictEqual((JSON.parse(res.body) as string[]).sort(), [...FLOW_NODE_TYPES].sort());
  });
});

(canRunNodeRed5 ? describe : describe.skip)("npm start -- --localapi demo (new-firmware PVS)", function () {
  this.timeout(60000);
  let demo: Demo;
  let userDir: string;

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-demo-"));
    demo = await startDemo({ userDir, delayMs: 0, inverters: 5, localApi: true, longitude: longitudeAtNoonNow() });
  });
  after(async () => {
    await demo?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it("detects the new firmware and polls the LocalAPI with one login", async () => {
    const end = Date.now() + 20000;
    // Devices, live data, system and network: the two nodes poll on the PVS's beat and share the system variables.
    while (demo.emulator.count("vars") < 4 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    assert.ok(demo.emulator.count("vars") >= 4, "variables read");
    assert.strictEqual(demo.emulator.count("auth:login"), 1);
    assert.strictEqual(demo.emulator.count("DeviceList"), 0);
    const log = fs.readFileSync(demo.logFile, "utf8");
    assert.ok(!/\[error\]/.test(log), log);
    assert.ok(!log.includes("ZT01234567890ABCDE"), "no serial in Node-RED's log");
  });

  it("feeds the dashboard example too: a bar per inverter, numbers on the gauges", async () => {
    const deployed = JSON.parse((await demo.get(`${demo.url}flows`)).body) as FlowNode[];
    const tab = deployed.find((n) => n.type === "tab" && n.label === "Dashboard");
    const widget = (name: string) =>
      deployed.find((n) => n.z === tab?.id && n.name === name)?.id ?? assert.fail(`widget ${name}`);
    const client = await DashboardClient.connect(demo.dashboardUrl ?? "");
    try {
      await client.emit("widget-load", widget("grid"));
      assert.strictEqual(
        typeof ((await client.next(`widget-load:${widget("grid")}`))[0] as { payload: unknown }).payload,
        "number",
      );
      await client.emit("widget-load", widget("panel power"));
      const bars = (await client.next(`widget-load:${widget("panel power")}`))[0] as Array<{
        payload: { panel: string; producing: number | null };
      }>;
      assert.deepStrictEqual(
        bars.map((b) => [b.payload.panel, typeof b.payload.producing]),
        ["000001", "000002", "000003", "000004", "000005"].map((p) => [p, "number"]),
      );
    } finally {
      await client.close();
    }
  });
});
