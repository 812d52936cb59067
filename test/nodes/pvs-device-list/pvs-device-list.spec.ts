import assert from "assert";
import sinon from "sinon";
import { phaseOf } from "../../../src/pvs/client/poller";
import { ConfigSettings, parseSettings } from "../../../nodes/pvs-config/connection-settings";
import { migrateSettings } from "../../support/node-settings";
import { pvsKey } from "../../../src/node-red/pvs-registry";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../../src/emulator/server";
import { Fault } from "../../../src/emulator/server";
import { DeviceListPayload } from "../../../src/model/device-list-output";
import { deploy, helper, nextMessages, settle, until } from "../../support/node-red";
import { advance, fakeClock } from "../../support/simulated-time";
import { NODE_MODULES, testFlow } from "../../support/flows";

type Msg = NodeMessage & {
  payload: DeviceListPayload;
  error?: { message: string; code?: string; source?: { id: string } };
};
type Spy = sinon.SinonSpy;

function lastStatus(id: string): { fill?: string; shape?: string; text?: string } {
  const spy = helper.getNode(id).status as unknown as Spy;
  return spy.lastCall?.args[0] ?? {};
}

describe("pvs-device-list node (real Node-RED runtime, emulator over HTTP)", function () {
  this.timeout(10000);
  let emulator: PvsEmulator;

  beforeEach(async () => {
    emulator = new PvsEmulator({ inverters: 3 });
    await emulator.start();
  });
  afterEach(async () => {
    await helper.unload();
    await emulator.stop();
  });

  const listNode = (extra: Record<string, unknown> = {}) => ({
    id: "list",
    type: "pvs-device-list",
    server: "cfg",
    interval: 0,
    ...extra,
  });

  it("loads with its configuration", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode({ name: "roof", topic: "home/solar" })]));
    const node = helper.getNode("list") as unknown as { name: string; type: string };
    assert.strictEqual(node.name, "roof");
    assert.strictEqual(node.type, "pvs-device-list");
  });

  it("polls on input and sends the normalized device list", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode()]));
    const got = nextMessages<Msg>(helper.getNode("out"));
    helper.getNode("list").receive({ payload: "go", keep: "me" } as NodeMessage);
    const [msg] = await got;
    const p = msg.payload;
    assert.strictEqual(msg.topic, "pvs/device-list");
    assert.strictEqual(msg.keep, "me", "other input properties are carried");
    const { requests, ...source } = msg.pvs as Record<string, unknown> & {
      requests: { requests: number; byKind: Record<string, number>; failed: number };
    };
    assert.deepStrictEqual(source, {
      host: `127.0.0.1:${emulator.port}`,
      api: "legacy",
      model: "PVS6",
      build: 61707,
      data: "DeviceList",
    });
    // The request budget: what the PVS received in the last hour, counted by the client itself.
    assert.deepStrictEqual(requests.byKind, { "supervisor/info": 1, DeviceList: 1 });
    assert.strictEqual(requests.requests, emulator.count());
    assert.strictEqual(requests.failed, 0);
    assert.strictEqual(msg.raw, undefined, "raw only on request");
    assert.match(p.time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    assert.strictEqual(p.devices.length, 6);
    assert.strictEqual(p.inverters.length, 3);
    assert.strictEqual(p.supervisor?.serial, "ZT01234567890*****");
    assert.strictEqual(typeof p.meters.production?.metrics.p_3phsum_kw, "number");
    assert.strictEqual(typeof p.meters.consumption?.metrics.net_ltea_3phsum_kwh, "number");
    assert.strictEqual(p.inverters[0].properties.TYPE, "SOLARBRIDGE");
    const status = lastStatus("list");
    assert.strictEqual(status.fill, "green");
    assert.match(status.text as string, /status\.inverters · \d+\.\d\d kW · PVS6 b61707 legacy · \d\d:\d\d/);
  });

  it("sends the raw answer, with the supervisor serial masked, when asked to", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode({ includeRaw: true, topic: "site/a" })]));
    const got = nextMessages<Msg>(helper.getNode("out"));
    helper.getNode("list").receive({});
    const [msg] = await got;
    assert.strictEqual(msg.topic, "site/a");
    const raw = msg.raw as { devices: Array<Record<string, unknown>> };
    assert.strictEqual(raw.devices[0].SERIAL, "ZT01234567890*****");
    assert.ok(!JSON.stringify(msg).includes("ZT01234567890ABCDE"));
  });

  it("polls on its interval (fake clock) and stops after a redeploy", async () => {
    // The clock must be fake before the flow starts, so that the node's timer is on it. It starts on one of the PVS's
    // beats (the poller aligns runs to the PVS's phase, from its key), so the next polls come a whole interval apart.
    const start = 1_800_000_000_000;
    const cfg = testFlow(emulator, []).find((n) => n.type === "pvs-config");
    const options = cfg ? parseSettings(migrateSettings("pvs-config", cfg) as ConfigSettings, null).options : null;
    assert.ok(options);
    const phase = phaseOf(pvsKey(options)) % 60_000;
    const clock = sinon.useFakeTimers({
      now: start - (start % 60_000) + phase,
      toFake: ["setTimeout", "clearTimeout", "Date"],
    });
    let count = 0;
    try {
      await helper.load(NODE_MODULES, testFlow(emulator, [listNode({ interval: 60 })]));
      helper.getNode("out").on("input", () => count++);
      await clock.tickAsync(0);
      await until(() => count === 1, 4000, "the poll at deploy");
      await clock.tickAsync(59_000);
      await settle(100);
      assert.strictEqual(count, 1, "nothing before the interval");
      for (let i = 2; i <= 4; i++) {
        await clock.tickAsync(i === 2 ? 1_000 : 60_000);
        await until(() => count === i, 4000, `poll ${i}`);
      }
      assert.strictEqual(emulator.count("DeviceList"), 4);
      // Close on the same fake clock: a timer left behind would fire during the next simulated hour.
      await helper.unload();
      await clock.tickAsync(3600_000);
      await settle(50);
      assert.strictEqual(clock.countTimers(), 0, "no timer of ours is left running");
    } finally {
      clock.restore();
    }
    assert.strictEqual(emulator.count("DeviceList"), 4, "no request after close");
    assert.strictEqual(emulator.count("supervisor/info"), 1, "the firmware is detected once");
    assert.strictEqual(count, 4, "no message after close");
  });

  it("aborts the request in flight on close and sends nothing afterwards", async () => {
    emulator.delayMs = 800;
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode()]));
    let sent = 0;
    helper.getNode("out").on("input", () => sent++);
    helper.getNode("list").receive({});
    await until(() => emulator.count("DeviceList") === 1, 3000, "the request");
    const request = emulator.requests.find((r) => r.command === "DeviceList")!;
    const started = Date.now();
    await helper.unload();
    await until(() => request.finishedAt !== null, 2000, "the connection to close");
    assert.ok((request.finishedAt as number) - started < 500, "closed well before the PVS answered");
    await settle(900);
    assert.strictEqual(sent, 0);
  });

  it("shares one device request between two nodes on the same PVS", async () => {
    emulator.delayMs = 100;
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode(), listNode({ id: "list2" })]));
    const got = nextMessages<Msg>(helper.getNode("out"), 2);
    helper.getNode("list").receive({});
    helper.getNode("list2").receive({});
    const [a, b] = await got;
    assert.strictEqual(emulator.count("DeviceList"), 1);
    assert.notStrictEqual(a.payload, b.payload, "each node sends its own objects");
    assert.deepStrictEqual(a.payload, b.payload);
    const cfg = helper.getNode("cfg") as unknown as { userCount(): number };
    assert.strictEqual(cfg.userCount(), 2);
  });

  it("nodes added at different times poll on the PVS's beat: one request per command per interval, whatever their number", async () => {
    // bench/amplification.ts measures this for 1, 5 and 20 nodes; before the beat, 5 nodes made 5 DeviceLists a cycle.
    const clock = fakeClock();
    try {
      const nodes = (n: number) =>
        [...Array(n)].flatMap((_, i) => [
          listNode({ id: `list${i}`, interval: 60 }),
          { id: `comm${i}`, type: "pvs-comm", server: "cfg", interval: 60 },
        ]);
      await helper.load(NODE_MODULES, testFlow(emulator, nodes(1)));
      for (const [n, wait] of [
        [2, 17_000],
        [3, 41_000],
      ]) {
        await advance(clock, emulator, { forMs: wait });
        await deploy(testFlow(emulator, nodes(n)), "nodes");
      }
      await advance(clock, emulator, { forMs: 120_000 });
      emulator.requests.length = 0;
      await advance(clock, emulator, { forMs: 600_000 });
      assert.strictEqual(emulator.count("DeviceList"), 10, "one DeviceList a minute for three nodes");
      assert.strictEqual(emulator.count("Get_Comm"), 10, "one Get_Comm a minute for three nodes");
    } finally {
      await helper.unload();
      clock.restore();
    }
  });

  it("spaces requests from several nodes by the configured spacing", async () => {
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [listNode(), { id: "comm", type: "pvs-comm", server: "cfg", interval: 0 }], {
        minSpacing: 0.3,
      }),
    );
    const got = nextMessages<Msg>(helper.getNode("out"), 2);
    helper.getNode("list").receive({});
    helper.getNode("comm").receive({});
    await got;
    const [r1, r2] = emulator.requests;
    assert.ok(r2.startedAt - (r1.finishedAt as number) >= 280, `gap ${r2.startedAt - (r1.finishedAt as number)} ms`);
    assert.strictEqual(emulator.maxConcurrent, 1);
  });

  it("carries a device with no metrics (an inverter at night) as a normal result", async () => {
    const body = JSON.stringify({
      result: "succeed",
      devices: [{ DEVICE_TYPE: "Inverter", SERIAL: "E001", STATE: "error", CURTIME: "2025,01,01,08,00,00" }],
    });
    emulator.setFault({ kind: "body", body, commands: ["DeviceList"] });
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode()]));
    const got = nextMessages<Msg>(helper.getNode("out"));
    helper.getNode("list").receive({});
    const [msg] = await got;
    assert.deepStrictEqual(msg.payload.inverters[0].metrics, {});
    assert.strictEqual(lastStatus("list").fill, "green");
  });

  describe("bad answers: red status, a coded error for Catch nodes, and the runtime keeps going", () => {
    const cases: Array<[string, Fault, string, string, number?]> = [
      ["a non-JSON body", { kind: "body", body: "Segmentation fault" }, "PVS_NOT_JSON", "status.notJson"],
      [
        "an HTML error page",
        { kind: "status", status: 502, body: "<html><body>Bad Gateway</body></html>" },
        "PVS_HTTP_ERROR",
        "status.httpError",
      ],
      [
        "an HTML page with 200",
        { kind: "body", body: "<html>login</html>", contentType: "text/html" },
        "PVS_HTML_RESPONSE",
        "status.html",
      ],
      ["HTTP 403", { kind: "status", status: 403 }, "PVS_FORBIDDEN", "status.forbidden"],
      ["HTTP 500", { kind: "status", status: 500 }, "PVS_HTTP_ERROR", "status.httpError"],
      [
        '{"result":"error"}',
        { kind: "body", body: '{"result":"error"}' },
        "PVS_COMMAND_FAILED",
        "status.commandFailed",
      ],
      [
        "JSON without a device list",
        { kind: "body", body: '{"result":"succeed"}' },
        "PVS_BAD_RESPONSE",
        "status.badResponse",
      ],
      ["a timeout", { kind: "hang" }, "PVS_TIMEOUT", "status.timeout"],
      ["a connection reset", { kind: "reset" }, "PVS_UNREACHABLE", "status.unreachable"],
    ];
    for (const [what, fault, code, statusKey] of cases) {
      it(`${what} -> ${code}`, async () => {
        // The fault hits the device list only: detecting the firmware (supervisor/info) has tests of its own.
        emulator.setFault({ ...fault, commands: ["DeviceList"] });
        await helper.load(NODE_MODULES, testFlow(emulator, [listNode()], { timeout: 1 }));
        let sent = 0;
        helper.getNode("out").on("input", () => sent++);
        const caught = nextMessages<Msg>(helper.getNode("caught"));
        helper.getNode("list").receive({ payload: "poll", _trace: 7 } as NodeMessage);
        const [msg] = await caught;
        assert.strictEqual(msg.error?.code, code, msg.error?.message);
        assert.strictEqual(msg.error?.source?.id, "list");
        assert.strictEqual(msg._trace, 7, "the Catch node gets the message that triggered the poll");
        const status = lastStatus("list");
        assert.strictEqual(status.fill, "red");
        assert.strictEqual(status.shape, "ring");
        assert.ok((status.text as string).includes(statusKey), status.text);
        assert.strictEqual(sent, 0, "no half-parsed data goes out");
      });
    }

    it("a PVS that refuses connections -> PVS_UNREACHABLE, reported from a timer poll too", async () => {
      const port = emulator.port;
      await emulator.stop();
      await helper.load(NODE_MODULES, testFlow(port, [listNode({ interval: 120 })]));
      const [msg] = await nextMessages<Msg>(helper.getNode("caught"));
      assert.strictEqual(msg.error?.code, "PVS_UNREACHABLE");
      assert.strictEqual(msg.topic, "pvs/device-list");
      assert.ok(lastStatus("list").text?.includes("status.unreachable"));
      emulator = new PvsEmulator({ port });
      await emulator.start();
    });

    it("recovers on the next poll once the fault clears", async () => {
      emulator.setFault({ kind: "status", status: 500, commands: ["DeviceList"] });
      await helper.load(NODE_MODULES, testFlow(emulator, [listNode()]));
      const caught = nextMessages<Msg>(helper.getNode("caught"));
      helper.getNode("list").receive({});
      await caught;
      emulator.setFault(null);
      const cfg = helper.getNode("cfg") as unknown as { pvs: { client: { getStats(): { nextRequestAt: number } } } };
      await until(() => Date.now() >= cfg.pvs.client.getStats().nextRequestAt, 8000, "the back-off");
      const got = nextMessages<Msg>(helper.getNode("out"));
      helper.getNode("list").receive({});
      const [msg] = await got;
      assert.strictEqual(msg.payload.inverters.length, 3);
      assert.strictEqual(lastStatus("list").fill, "green");
    });
  });

  it("without a pvs-config: red status and PVS_NOT_CONFIGURED to Catch nodes", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode({ server: "" })]));
    assert.ok(lastStatus("list").text?.includes("status.notConfigured"));
    const caught = nextMessages<Msg>(helper.getNode("caught"));
    helper.getNode("list").receive({});
    const [msg] = await caught;
    assert.strictEqual(msg.error?.code, "PVS_NOT_CONFIGURED");
    assert.strictEqual(emulator.count(), 0);
  });

  it("with an invalid pvs-config: red status, no request", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode({ interval: 60 })], { host: "not a host/!" }));
    assert.ok(lastStatus("list").text?.includes("status.badConfig"));
    await settle(100);
    assert.strictEqual(emulator.count(), 0);
  });
});
