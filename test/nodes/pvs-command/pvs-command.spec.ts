// pvs-command in the real Node-RED runtime against the emulator over real HTTP: each read command, the
// parsed answers and their failures, refusals that send nothing, the shared client's spacing, and close.
import assert from "assert";
import sinon from "sinon";
import { Node, NodeMessage } from "node-red";
import { helper, nextMessages, settle, until } from "../../support/node-red";
import { advance } from "../../support/simulated-time";
import { emulatorPerTest } from "../../support/emulator-per-test";
import { NODE_MODULES, testFlow } from "../../support/flows";

type Msg = NodeMessage & {
  payload: Record<string, unknown>;
  command?: string;
  params?: Record<string, string>;
  raw?: Record<string, unknown>;
  pvs?: Record<string, unknown>;
  error?: { code?: string; message?: string };
};
type Status = { fill?: string; text?: string };
const SERIAL = "ZT01234567890ABCDE";

function lastStatus(id: string): Status {
  return ((helper.getNode(id).status as unknown as sinon.SinonSpy).lastCall?.args[0] ?? {}) as Status;
}

function health(): { state: string; failuresInARow: number } {
  const cfg = helper.getNode("cfg") as unknown as { pvs: { health(): { state: string; failuresInARow: number } } };
  return cfg.pvs.health();
}

/** Collects what a helper node receives. */
function collect(id: string): Msg[] {
  const got: Msg[] = [];
  helper.getNode(id).on("input", (m: NodeMessage) => got.push(m as Msg));
  return got;
}

/** Sends `msg` to the command node and resolves with what comes out, or what a Catch node receives. */
async function ask(msg: Record<string, unknown>): Promise<{ out?: Msg; caught?: Msg }> {
  const out = nextMessages<Msg>(helper.getNode("out")).then(([m]) => ({ out: m }));
  const caught = nextMessages<Msg>(helper.getNode("caught")).then(([m]) => ({ caught: m }));
  helper.getNode("cmd").receive(msg);
  return Promise.race([out, caught]);
}

const commandNode = (extra: Record<string, unknown> = {}) => ({
  id: "cmd",
  type: "pvs-command",
  server: "cfg",
  command: "SupervisorHealth",
  interval: 0,
  ...extra,
});

describe("pvs-command node (legacy PVS)", function () {
  this.timeout(10000);
  const { emulator } = emulatorPerTest({ inverters: 3 });

  it("runs each read command from msg.command and sends the parsed answer, the raw answer and its source", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [commandNode()]));
    const fw = await ask({ command: "CheckFW" });
    assert.deepStrictEqual(fw.out?.payload, { updateAvailable: false, url: null, type: "residential" });
    assert.strictEqual(fw.out?.command, "CheckFW");
    assert.deepStrictEqual(fw.out?.params, { type: "residential" });
    assert.deepStrictEqual(fw.out?.raw, { url: "none" });
    assert.strictEqual(fw.out?.topic, "pvs/command");
    const { requests: _requests, ...source } = fw.out?.pvs as Record<string, unknown>;
    assert.deepStrictEqual(source, {
      host: `127.0.0.1:${emulator.port}`,
      api: "legacy",
      model: "PVS6",
      build: 61707,
      data: "CheckFW",
    });
    assert.deepStrictEqual(lastStatus("cmd").fill, "green");
    assert.match(lastStatus("cmd").text ?? "", /status\.upToDate · PVS6 b61707 legacy/);

    const grid = await ask({ command: "GridProfileGet" });
    assert.deepStrictEqual((grid.out?.payload.active as { name: string }).name, "IEEE-1547a-2014 + 2020 CA Rule21");
    assert.strictEqual(grid.out?.payload.changePending, false);

    const discovery = await ask({ command: "GetDiscoveryProgress" });
    assert.deepStrictEqual(discovery.out?.payload, {
      complete: true,
      progress: [
        { type: "PVS5-METER-P", percent: 100, found: 1 },
        { type: "PVS5-METER-C", percent: 100, found: 1 },
        { type: "SOLARBRIDGE", percent: 100, found: 3 },
      ],
    });

    const start = await ask({ command: "Start" });
    assert.deepStrictEqual((start.out?.payload.supervisor as Record<string, unknown>).serial, "ZT01234567890*****");
    const info = await ask({ command: "SupervisorInfo" });
    assert.deepStrictEqual(
      [info.out?.payload.model, info.out?.payload.build, info.out?.payload.serial],
      ["PVS6", 61707, "ZT01234567890*****"],
    );
    assert.strictEqual(info.out?.pvs?.data, "supervisor/info");
    const stop = await ask({ command: "Stop" });
    assert.deepStrictEqual(stop.out?.payload, { ok: true, result: "succeed" });

    // Start and supervisor/info carry the serial (the LocalAPI password's source): masked in every output.
    for (const m of [start.out, info.out]) assert.ok(!JSON.stringify(m).includes(SERIAL), JSON.stringify(m));
    assert.deepStrictEqual(
      emulator.requests.map((r) => r.command),
      ["supervisor/info", "CheckFW", "GridProfileGet", "GetDiscoveryProgress", "Start", "supervisor/info", "Stop"],
    );
  });

  it("CheckFW: passes the type on, and reports an update when the PVS names newer firmware", async () => {
    emulator.firmwareUpdateUrl = "https://firmware.example/pvs6/2025.10.bin";
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [commandNode({ command: "CheckFW", firmwareType: "commercial" })]),
    );
    const { out } = await ask({});
    assert.deepStrictEqual(out?.payload, {
      updateAvailable: true,
      url: "https://firmware.example/pvs6/2025.10.bin",
      type: "commercial",
    });
    assert.ok(
      emulator.requests.some((r) => r.query === "Command=CheckFW&type=commercial"),
      JSON.stringify(emulator.requests),
    );
    assert.strictEqual(lastStatus("cmd").fill, "yellow");
    const residential = await ask({ params: { type: "residential" } });
    assert.strictEqual(residential.out?.payload.type, "residential", "msg.params over the form");
  });

  it("DeviceDetails: one device's record, normalized; an unknown serial is the PVS's refusal, which does not back the client off", async () => {
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [commandNode({ command: "DeviceDetails", serialNumber: "PVS6M01234567p" })]),
    );
    const meter = await ask({});
    const device = meter.out?.payload.device as { serial: string; deviceType: string; metrics: Record<string, number> };
    assert.strictEqual(device.serial, "PVS6M01234567p");
    assert.strictEqual(device.deviceType, "Power Meter");
    assert.strictEqual(typeof device.metrics.p_3phsum_kw, "number");
    for (let i = 0; i < 4; i++) {
      const unknown = await ask({ params: { SerialNumber: "E00999999999999" } });
      assert.strictEqual(unknown.caught?.error?.code, "PVS_COMMAND_FAILED");
    }
    assert.deepStrictEqual(
      health(),
      { ...health(), state: "ok", failuresInARow: 0 },
      "four refusals in a row: no back-off, no breaker",
    );
    assert.strictEqual(emulator.count("supervisor/info"), 1, "no fresh firmware detection either");
  });

  it("DeviceDetails answered with an HTML page (older units): PVS_HTML_RESPONSE, nothing sent", async () => {
    emulator.setFault({
      kind: "body",
      body: "<html><body><table><tr><td>E001</td></tr></table></body></html>",
      contentType: "text/html",
      commands: ["DeviceDetails"],
    });
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [commandNode({ command: "DeviceDetails", serialNumber: "E00122000000001" })]),
    );
    const sent = collect("out");
    const { caught } = await ask({});
    assert.strictEqual(caught?.error?.code, "PVS_HTML_RESPONSE");
    assert.strictEqual(lastStatus("cmd").fill, "red");
    assert.match(lastStatus("cmd").text ?? "", /status\.html/);
    assert.strictEqual(sent.length, 0);
    assert.strictEqual(health().state, "ok");
  });

  it("an answer of the wrong shape is PVS_BAD_RESPONSE and sends nothing; a PVS error answer is PVS_COMMAND_FAILED", async () => {
    emulator.setFault({ kind: "body", body: '{"result":"succeed"}', commands: ["CheckFW"] });
    await helper.load(NODE_MODULES, testFlow(emulator, [commandNode({ command: "CheckFW" })]));
    const sent = collect("out");
    assert.strictEqual((await ask({})).caught?.error?.code, "PVS_BAD_RESPONSE");
    emulator.setFault({
      kind: "body",
      body: '{"result":"error","msg":"Could not connect to mime.","success":false}',
      commands: ["GridProfileGet"],
    });
    const failed = await ask({ command: "GridProfileGet" });
    assert.strictEqual(failed.caught?.error?.code, "PVS_COMMAND_FAILED");
    assert.match(failed.caught?.error?.message ?? "", /Could not connect to mime/);
    assert.strictEqual(sent.length, 0);
  });

  it("refuses writes, the device list, injected and bad parameters before anything is sent", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [commandNode({ command: "CheckFW" })]));
    const sent = collect("out");
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ command: "SetCellPurchased" }, "PVS_NOT_ALLOWED"],
      [{ command: "GridProfileRefresh" }, "PVS_NOT_ALLOWED"],
      [{ command: "DeviceList" }, "PVS_NOT_ALLOWED"],
      [{ command: "CheckFW&Command=SetCellPurchased" }, "PVS_NOT_ALLOWED"],
      [{ params: { type: "residential", Command: "SetCellPurchased" } }, "PVS_NOT_ALLOWED"],
      [{ params: { type: "industrial" } }, "PVS_BAD_INPUT"],
      [{ params: { type: ["residential"] } }, "PVS_BAD_INPUT"],
      [{ params: { SerialNumber: "E00122000000001" } }, "PVS_BAD_INPUT"],
      [{ params: "type=commercial" }, "PVS_BAD_INPUT"],
      [{ command: 7 }, "PVS_BAD_INPUT"],
      [{ command: "DeviceDetails", params: { SerialNumber: "ZT01234567890*****" } }, "PVS_BAD_INPUT"],
      [{ command: "DeviceDetails", params: { SerialNumber: "E001&Command=SetCellPurchased" } }, "PVS_BAD_INPUT"],
      [{ command: "DeviceDetails" }, "PVS_BAD_INPUT"],
    ];
    for (const [msg, code] of cases) {
      const { caught } = await ask(msg);
      assert.strictEqual(caught?.error?.code, code, JSON.stringify(msg));
      assert.strictEqual(lastStatus("cmd").fill, "red");
    }
    await settle(20);
    assert.strictEqual(emulator.count(), 0, "not a single request reached the PVS, not even the firmware detection");
    assert.strictEqual(sent.length, 0);
  });

  it("with msg.command and msg.params not accepted, runs the form's command whatever the message says", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [commandNode({ command: "CheckFW", fromMsg: false })]));
    const { out } = await ask({ command: "SetCellPurchased", params: { type: "commercial", Command: "x" } });
    assert.strictEqual(out?.command, "CheckFW");
    assert.deepStrictEqual(out?.params, { type: "residential" });
    assert.strictEqual(emulator.count("SetCellPurchased"), 0);
  });

  it("SupervisorHealth on a legacy PVS: the PVS record's dl_* figures, from the DeviceList another node just read (no second DeviceList)", async () => {
    await helper.load(
      NODE_MODULES,
      testFlow(
        emulator,
        [
          commandNode(),
          { id: "list", type: "pvs-device-list", server: "cfg", interval: 0, wires: [["listOut"]] },
          { id: "listOut", type: "helper", z: "tab", x: 300, y: 300 },
        ],
        {
          deviceListEvery: 120,
        },
      ),
    );
    const listed = nextMessages(helper.getNode("listOut"));
    helper.getNode("list").receive({});
    await listed;
    const { out } = await ask({});
    const h = out?.payload as Record<string, unknown>;
    assert.strictEqual(h.api, "legacy");
    assert.strictEqual(h.serial, "ZT01234567890*****");
    for (const field of [
      "uptime_s",
      "cpu_load",
      "flash_avail_kib",
      "untransmitted",
      "comm_errors",
      "mem_used_kib",
      "error_count",
    ])
      assert.strictEqual(typeof h[field], "number", field);
    assert.deepStrictEqual([h.flash_avail_kib, h.untransmitted, h.comm_errors], [86825, 57, 270]);
    assert.strictEqual(h.cpu_usage_pct, null);
    assert.strictEqual(out?.pvs?.data, "DeviceList");
    assert.strictEqual((out?.raw as Record<string, unknown>).DEVICE_TYPE, "PVS");
    assert.ok(!JSON.stringify(out).includes(SERIAL));
    assert.strictEqual(emulator.count("DeviceList"), 1, "the health read reused the device list's answer");
    assert.match(lastStatus("cmd").text ?? "", /status\.uptime/);
  });

  it("identical commands waiting together share one request; each message gets its own answer object", async () => {
    emulator.delayMs = 100;
    await helper.load(NODE_MODULES, testFlow(emulator, [commandNode({ command: "GridProfileGet" })]));
    const got = nextMessages<Msg>(helper.getNode("out"), 3);
    for (let i = 0; i < 3; i++) helper.getNode("cmd").receive({ _n: i });
    const msgs = await got;
    assert.strictEqual(emulator.count("GridProfileGet"), 1);
    assert.notStrictEqual(msgs[0].payload, msgs[1].payload);
    assert.deepStrictEqual(msgs[0].payload, msgs[1].payload);
  });

  it("aborts its request in flight when it closes, and sends nothing afterwards", async () => {
    emulator.delayMs = 800;
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [commandNode({ command: "CheckFW", server: "cfg" })], { api: "legacy" }),
    );
    const sent = collect("out");
    const caught = collect("caught");
    helper.getNode("cmd").receive({});
    await until(() => emulator.count("CheckFW") === 1, 4000, "the request");
    const request = emulator.requests.find((r) => r.command === "CheckFW")!;
    const started = Date.now();
    await (helper.getNode("cmd") as unknown as { close(removed: boolean): Promise<void> }).close(true);
    await until(() => request.finishedAt !== null, 2000, "the connection to close");
    assert.ok((request.finishedAt as number) - started < 500, "closed well before the PVS answered");
    await settle(900);
    assert.strictEqual(sent.length, 0);
    assert.strictEqual(caught.length, 0, "a cancelled request is no error");
  });

  it("without a pvs-config: PVS_NOT_CONFIGURED, nothing sent", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [commandNode({ server: "missing" })]));
    const sent = collect("out");
    const { caught } = await ask({ command: "CheckFW" });
    assert.strictEqual(caught?.error?.code, "PVS_NOT_CONFIGURED");
    assert.strictEqual(lastStatus("cmd").fill, "red");
    assert.strictEqual(sent.length, 0);
    assert.strictEqual(emulator.count(), 0);
  });
});

describe("pvs-command node: the shared client's pace (fake clock)", function () {
  this.timeout(20000);
  const { emulator, clock } = emulatorPerTest({ inverters: 3 }, { clock: true });

  it("a burst of messages goes out one request at a time, each after the configured spacing", async () => {
    emulator.delayMs = 300;
    await helper.load(NODE_MODULES, testFlow(emulator, [commandNode()], { minSpacing: 5 }));
    const sent = collect("out");
    const cmd: Node = helper.getNode("cmd");
    for (const command of ["CheckFW", "GridProfileGet", "GetDiscoveryProgress", "Stop", "SupervisorInfo"])
      cmd.receive({ command });
    await advance(clock, emulator, { forMs: 120_000, until: () => sent.length === 5, what: "five answers" });
    assert.deepStrictEqual(
      sent.map((m) => m.command),
      ["CheckFW", "GridProfileGet", "GetDiscoveryProgress", "Stop", "SupervisorInfo"],
    );
    assert.strictEqual(emulator.maxConcurrent, 1, "never two requests at once");
    const requests = emulator.requests;
    assert.strictEqual(requests.length, 6, "the firmware detection and the five commands");
    for (let i = 1; i < requests.length; i++) {
      const gap = requests[i].startedAt - (requests[i - 1].finishedAt as number);
      // After a dl_cgi command the full spacing; after the light, open supervisor/info the light one (0.5 s).
      const spacing = requests[i - 1].command === "supervisor/info" ? 500 : 5000;
      assert.ok(
        gap >= spacing,
        `request ${i + 1} (${requests[i].command}) started ${gap} ms after the previous one (${requests[i - 1].command}) ended`,
      );
    }
  });
});

describe("pvs-command node (LocalAPI PVS)", function () {
  this.timeout(10000);
  const { emulator } = emulatorPerTest({ inverters: 3, localApi: true });

  it("SupervisorHealth reads the system variables: uptime and CPU, RAM and flash use, serial masked", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [commandNode()]));
    const { out } = await ask({});
    const h = out?.payload as Record<string, unknown>;
    assert.strictEqual(h.api, "localapi");
    for (const field of ["uptime_s", "cpu_usage_pct", "ram_usage_pct", "flash_usage_pct", "flash_wear_band"])
      assert.strictEqual(typeof h[field], "number", field);
    assert.deepStrictEqual([h.ram_usage_pct, h.flash_usage_pct, h.flash_wear_band], [38, 21, 1]);
    assert.strictEqual(h.untransmitted, null, "the varserver has no dl_* figures");
    assert.strictEqual(out?.pvs?.api, "localapi");
    assert.strictEqual(out?.pvs?.data, "varserver");
    assert.ok((out?.raw as Record<string, unknown>)["/sys/info/uptime"] !== undefined);
    assert.ok(!JSON.stringify(out).includes(SERIAL));
    assert.strictEqual(emulator.count("DeviceList"), 0);
    assert.match(lastStatus("cmd").text ?? "", /LocalAPI/);
  });

  it("SupervisorInfo reads the open supervisor/info", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [commandNode({ command: "SupervisorInfo" })]));
    const { out } = await ask({});
    assert.deepStrictEqual(
      [out?.payload.model, out?.payload.build, out?.payload.serial],
      ["PVS6", 61846, "ZT01234567890*****"],
    );
    assert.ok(!JSON.stringify(out).includes(SERIAL));
  });

  it("legacy commands: PVS_NOT_SUPPORTED without asking the PVS, no back-off, no fresh detection", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [commandNode({ command: "CheckFW" })]));
    const sent = collect("out");
    for (const command of ["CheckFW", "GridProfileGet", "GetDiscoveryProgress", "Start"]) {
      const { caught } = await ask({ command });
      assert.strictEqual(caught?.error?.code, "PVS_NOT_SUPPORTED", command);
      assert.match(caught?.error?.message ?? "", /LocalAPI/);
      assert.match(lastStatus("cmd").text ?? "", /status\.notSupported/);
    }
    assert.strictEqual(sent.length, 0);
    assert.ok(
      !emulator.requests.some((r) => r.command !== "supervisor/info"),
      JSON.stringify(emulator.requests.map((r) => r.command)),
    );
    assert.strictEqual(emulator.count("supervisor/info"), 1, "detected once, never again");
    assert.strictEqual(health().state, "ok");
  });
});
