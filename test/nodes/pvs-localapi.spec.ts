// The nodes on a new-firmware PVS (LocalAPI over HTTPS) in the real Node-RED runtime: same outputs as on
// the legacy API, the firmware in the status, the admin endpoint for the editor, and no secret anywhere.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { DeviceListPayload } from "../../src/model/device-list-output";
import { CommPayload } from "../../src/model/legacy-comm";
import { helper, nextMessages, until } from "../support/node-red";
import { NODE_MODULES, testFlow } from "../support/flows";
import { emulatorPerTest } from "../support/emulator-per-test";

type Msg = NodeMessage & {
  payload: DeviceListPayload;
  pvs: Record<string, unknown>;
  error?: { message: string; code?: string };
};
const SERIAL = "ZT01234567890ABCDE";
const PASSWORD = SERIAL.slice(-5);

function statuses(id: string): Array<{ fill?: string; text?: string }> {
  return (helper.getNode(id).status as unknown as sinon.SinonSpy)
    .getCalls()
    .map((c) => c.args[0] as { fill?: string; text?: string });
}

describe("nodes on the LocalAPI (real Node-RED runtime, emulator over HTTPS)", function () {
  this.timeout(10000);
  const { emulator } = emulatorPerTest({ inverters: 4, localApi: true });

  const listNode = (extra: Record<string, unknown> = {}) => ({
    id: "list",
    type: "pvs-device-list",
    server: "cfg",
    interval: 0,
    ...extra,
  });

  it("pvs-device-list: detects the new firmware, logs in once, and sends the same shape as on the legacy API", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode({ includeRaw: true })]));
    const got = nextMessages<Msg>(helper.getNode("out"), 3);
    for (let i = 0; i < 3; i++) {
      helper.getNode("list").receive({});
      // 3 groups, then 2: the supervisor figures are read at most every 30 minutes
      await until(() => emulator.count("vars") >= 3 + 2 * i, 4000, `poll ${i + 1}`);
    }
    const [msg] = await got;
    const { requests, ...source } = msg.pvs as Record<string, unknown> & {
      requests: { byKind: Record<string, number> };
    };
    assert.deepStrictEqual(source, {
      host: `127.0.0.1:${emulator.port}`,
      api: "localapi",
      model: "PVS6",
      build: 61846,
      data: "varserver",
    });
    assert.deepStrictEqual(
      requests.byKind,
      { "supervisor/info": 1, login: 1, vars: 3 },
      "the first poll: detection, one login, three cache creations",
    );
    const p = msg.payload;
    assert.strictEqual(p.inverters.length, 4);
    assert.strictEqual(p.supervisor?.serial, "ZT01234567890*****");
    assert.strictEqual(typeof p.meters.production?.metrics.p_3phsum_kw, "number");
    assert.strictEqual(typeof p.site.production_kw, "number");
    assert.strictEqual(typeof p.live?.pv_p_kw, "number", "the varserver's site totals");
    assert.strictEqual(p.units.pv_p_kw, "kW");
    assert.strictEqual(typeof p.supervisor?.metrics.cpu_usage_pct, "number");
    assert.strictEqual(p.inverters[0].state, null, "the varserver reports no STATE: absent, not invented");
    assert.strictEqual(emulator.count("auth:login"), 1);
    assert.strictEqual(emulator.count("DeviceList"), 0);
    const raw = JSON.stringify(msg.raw);
    assert.ok(raw.includes("/sys/devices/inverter/0/p3phsumKw"), "raw variables on request");
    assert.ok(!raw.includes(SERIAL) && !raw.includes("wpa_key"));
    const last = statuses("list").at(-1);
    assert.strictEqual(last?.fill, "green");
    assert.match(last?.text ?? "", /PVS6 b61846 LocalAPI/);
  });

  it("pvs-device-list in SI units converts the live data too", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode({ units: "si" })]));
    const got = nextMessages<Msg>(helper.getNode("out"));
    helper.getNode("list").receive({});
    const [msg] = await got;
    const live = msg.payload.live as unknown as Record<string, unknown>;
    assert.strictEqual(typeof live.pv_p_w, "number");
    assert.strictEqual(live.pv_p_kw, undefined);
    assert.strictEqual(msg.payload.units.pv_en_wh, "Wh");
  });

  it("pvs-comm reads the network variables", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [{ id: "comm", type: "pvs-comm", server: "cfg", interval: 0 }]));
    const got = nextMessages<NodeMessage & { payload: CommPayload }>(helper.getNode("out"));
    helper.getNode("comm").receive({});
    const [msg] = await got;
    assert.strictEqual(msg.payload.system.interface, "wan0");
    assert.strictEqual(msg.payload.system.internet, true);
    assert.ok(msg.payload.interfaces.some((i) => i.name === "sta0" && i.kind === "wifi"));
    assert.match(statuses("comm").at(-1)?.text ?? "", /^wan0 · .*LocalAPI/);
  });

  it("pvs-inverter-split splits a LocalAPI device list like a legacy one", async () => {
    const flow = testFlow(emulator, [
      listNode({ wires: [["split"]] }),
      {
        id: "split",
        type: "pvs-inverter-split",
        topicPrefix: "pv",
        splitInverters: true,
        outputMode: "single",
        outputs: 1,
      },
    ]);
    await helper.load(NODE_MODULES, flow);
    const got = nextMessages<NodeMessage & { payload: { metrics: Record<string, unknown> } }>(helper.getNode("out"), 4);
    helper.getNode("list").receive({});
    const msgs = await got;
    assert.deepStrictEqual(
      msgs.map((m) => m.topic),
      [
        "pv/inverter/E00122000000001",
        "pv/inverter/E00122000000002",
        "pv/inverter/E00122000000003",
        "pv/inverter/E00122000000004",
      ],
    );
    assert.strictEqual(typeof msgs[0].payload.metrics.p_3phsum_kw, "number");
  });

  it("a wrong password: a clear status, a coded error, and one login attempt however often it polls", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode()]), { cfg: { password: "WRONG" } });
    for (let i = 0; i < 4; i++) {
      const caught = nextMessages<Msg>(helper.getNode("caught"));
      helper.getNode("list").receive({});
      const [msg] = await caught;
      assert.strictEqual(msg.error?.code, "PVS_LOGIN_REFUSED");
    }
    assert.strictEqual(emulator.count("auth:login"), 1);
    const last = statuses("list").at(-1);
    assert.strictEqual(last?.fill, "red");
    assert.match(last?.text ?? "", /status\.loginRefused/);
  });

  it("the admin endpoint tells the editor what was found (masked serial, certificate), and needs no secret", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode()]));
    const got = nextMessages<Msg>(helper.getNode("out"));
    helper.getNode("list").receive({});
    await got;
    const res = await helper.request().get("/pvs-config/cfg/info").expect(200);
    assert.strictEqual(res.body.deployed, true);
    assert.strictEqual(res.body.api, "localapi");
    assert.strictEqual(res.body.model, "PVS6");
    assert.strictEqual(res.body.build, 61846);
    assert.strictEqual(res.body.serial, "ZT01234567890*****");
    assert.strictEqual(res.body.certificate, emulator.certificateFingerprint);
    assert.ok(!JSON.stringify(res.body).includes(PASSWORD));
    await helper.request().get("/pvs-config/nope/info").expect(200, { deployed: false });
    await helper.request().get("/pvs-config/a%20b/info").expect(400);
  });

  it("a pinned certificate that changed: the node says so and nothing is sent", async () => {
    const pinned = emulator.certificateFingerprint;
    emulator.regenerateCertificate();
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [listNode()], { api: "localapi", fingerprint: pinned.toLowerCase().replace(/:/g, "") }),
    );
    const caught = nextMessages<Msg>(helper.getNode("caught"));
    helper.getNode("list").receive({});
    const [msg] = await caught;
    assert.strictEqual(msg.error?.code, "PVS_CERT_MISMATCH");
    assert.match(statuses("list").at(-1)?.text ?? "", /status\.certMismatch/);
    assert.strictEqual(emulator.count("auth:login"), 0);
  });

  it("closing the last node logs out of the session", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode()]));
    const got = nextMessages<Msg>(helper.getNode("out"));
    helper.getNode("list").receive({});
    await got;
    await helper.unload();
    assert.strictEqual(emulator.count("auth:logout"), 1);
  });

  it("no secret in any log line, status, message or error during a run with failures and recoveries", async () => {
    const log = helper.log();
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [
        listNode({ includeRaw: true }),
        { id: "comm", type: "pvs-comm", server: "cfg", interval: 0 },
      ]),
    );
    const seen: unknown[] = [];
    helper.getNode("out").on("input", (m: unknown) => seen.push(m));
    helper.getNode("caught").on("input", (m: unknown) => seen.push(m));
    const poll = async (id: string) => {
      const before = seen.length;
      helper.getNode(id).receive({});
      await until(() => seen.length > before, 4000, `${id} to answer`);
    };
    await poll("list");
    await poll("comm");
    emulator.expireSessions();
    await poll("list");
    emulator.setFault({
      kind: "body",
      body: `{"result":"error","msg":"serial ${SERIAL} unhappy"}`,
      commands: ["vars"],
    });
    await poll("list");
    emulator.setFault(null);
    const everything = JSON.stringify({ seen, log: log.args, list: statuses("list"), comm: statuses("comm") });
    const basic = Buffer.from(`ssm_owner:${PASSWORD}`).toString("base64");
    assert.ok(everything.length > 10_000, "the check saw real output");
    for (const secret of [SERIAL, basic, "wpa_key"]) assert.ok(!everything.includes(secret), `found ${secret}`);
    assert.ok(
      !new RegExp(`[^*]${PASSWORD}`).test(everything.replace(/\*{5}/g, "")),
      "the password (serial's last 5) appears nowhere",
    );
  });
});
