// What the editor asks the runtime: "Test connection" with the form's settings, the devices of the last poll
// for the pickers, and the device names carried into every output. Real runtime, emulator over HTTP(S).
import assert from "assert";
import http from "http";
import https from "https";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../../src/emulator/server";
import { DeviceListPayload } from "../../../src/model/device-list-output";
import { helper, nextMessages } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";
import { TestAnswer } from "../../../src/node-red/admin-api";
import { HOST_REQUIRED_VERSION } from "../../../nodes/pvs-config/settings";

type Msg = NodeMessage & { payload: DeviceListPayload; label?: string };
type Passed = Extract<TestAnswer, { ok: true }>;
type Failed = Extract<TestAnswer, { ok: false }>;
/** A test's answer that must say the PVS answered (else the assertion shows why not). */
function passed(answer: TestAnswer): Passed {
  if (!answer.ok) assert.fail(`the test failed: ${answer.code}: ${answer.message}`);
  return answer;
}
/** A test's answer that must say it failed. */
function failed(answer: TestAnswer): Failed {
  if (answer.ok) assert.fail("the test passed");
  return answer;
}
const SERIAL = "ZT01234567890ABCDE";

describe("pvs-config editor support (real runtime)", function () {
  this.timeout(15000);
  let legacy: PvsEmulator;
  let fresh: PvsEmulator;
  before(async () => {
    legacy = new PvsEmulator({ inverters: 3 });
    fresh = new PvsEmulator({ inverters: 2, localApi: true });
    await legacy.start();
    await fresh.start();
  });
  after(async () => {
    await legacy.stop();
    await fresh.stop();
  });
  afterEach(() => helper.unload());

  const form = (e: PvsEmulator, extra: Record<string, unknown> = {}) => ({
    host: "127.0.0.1",
    port: String(e.port),
    protocol: "http",
    api: "auto",
    localPort: String(e.httpsPort),
    timeout: "5",
    minSpacing: "0",
    deviceListEvery: "120",
    fingerprint: "",
    password: "",
    ...extra,
  });
  const test = async (id: string, body: unknown) =>
    (
      await helper
        .request()
        .post(`/pvs-config/${id}/test`)
        .send(body as object)
        .expect(200)
    ).body as TestAnswer;

  it("tests the form's settings before they are deployed: model, build, API, masked serial and device counts", async () => {
    await helper.load(NODE_MODULES, testFlow(legacy, []));
    const answer = passed(await test("not-deployed-yet", form(legacy)));
    const { durationMs, ...found } = answer;
    assert.deepStrictEqual(found, {
      ok: true,
      api: "legacy",
      model: "PVS6",
      build: 61707,
      serial: "ZT01234567890*****",
      devices: { total: 6, inverters: 3, meters: 2 },
    });
    assert.ok(typeof durationMs === "number" && durationMs >= 0);
    const localapi = passed(await test("another", form(fresh)));
    assert.strictEqual(localapi.api, "localapi");
    assert.strictEqual(fresh.openSessions, 0, "the test's own session was logged out");
    assert.ok(!JSON.stringify([answer, localapi]).includes(SERIAL));
  });

  it("says clearly why a test failed", async () => {
    await helper.load(NODE_MODULES, testFlow(legacy, []));
    assert.deepStrictEqual(await test("x", form(legacy, { host: "not a host/!" })), {
      ok: false,
      code: "PVS_BAD_CONFIG",
      message: 'host "not a host/!" is not a host name or IP address',
    });
    // A new node's form before the user set the host: said so, nothing sent.
    const before = legacy.count();
    for (const host of ["", "  "])
      assert.deepStrictEqual(await test("x", form(legacy, { host, settingsVersion: HOST_REQUIRED_VERSION })), {
        ok: false,
        code: "PVS_NO_HOST",
        message: "no host: set the PVS's address (Search the network finds it), then deploy",
      });
    assert.strictEqual(legacy.count(), before, "nothing sent");
    const closed = failed(await test("x", form(legacy, { port: "1" })));
    assert.strictEqual(closed.code, "PVS_UNREACHABLE");
    const wrong = failed(await test("x", form(fresh, { password: "WRONG" })));
    assert.strictEqual(wrong.code, "PVS_LOGIN_REFUSED");
    assert.ok(!JSON.stringify(wrong).includes("WRONG"));
    await helper.request().post("/pvs-config/a%20b/test").send({}).expect(400);
  });

  it("uses the stored password when the form shows its placeholder, and the deployed connection when the settings are the same", async () => {
    await helper.load(
      NODE_MODULES,
      testFlow(fresh, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 0 }], { deviceListEvery: 120 }),
      { cfg: { password: SERIAL.slice(-5) } },
    );
    const got = nextMessages<Msg>(helper.getNode("out"));
    helper.getNode("list").receive({});
    await got;
    const logins = fresh.count("auth:login");
    const cfg = helper.getNode("cfg") as unknown as { pvs: unknown };
    assert.ok(cfg.pvs);
    passed(await test("cfg", form(fresh, { password: "__PWRD__", deviceListEvery: "120" })));
    assert.strictEqual(fresh.count("auth:login"), logins, "the deployed session served the test");
    assert.strictEqual(
      failed(await test("cfg", form(fresh, { password: "WRONG" }))).code,
      "PVS_LOGIN_REFUSED",
      "a typed password is the one tested",
    );
  });

  it("sends the stored password only to the deployed node's own PVS: another host or port gets nothing until the password is typed", async () => {
    // Another LocalAPI PVS, recording every request's headers; its serial differs, so its own password does too.
    const foreign = new PvsEmulator({ inverters: 1, localApi: true, serial: "ZT09999999999FGHIJ" });
    await foreign.start();
    const seen: Array<{ url: string; authorization?: string }> = [];
    const servers = foreign as unknown as { server: http.Server; httpsServer: https.Server };
    for (const server of [servers.server, servers.httpsServer])
      server.on("request", (req: http.IncomingMessage) =>
        seen.push({ url: req.url ?? "", authorization: req.headers.authorization }),
      );
    const stored = SERIAL.slice(-5);
    /** The user:password pairs the other host received in Authorization headers (Basic, any case). */
    const sentCredentials = () =>
      seen
        .filter((r) => r.authorization)
        .map((r) => Buffer.from(String(r.authorization).replace(/^basic\s+/i, ""), "base64").toString("utf8"));
    try {
      await helper.load(NODE_MODULES, testFlow(fresh, [], { deviceListEvery: 120 }), { cfg: { password: stored } });
      const logins = fresh.count("auth:login");
      // The placeholder with a host, or only a port, that is not the deployed one: refused, nothing sent anywhere.
      for (const body of [
        form(foreign, { password: "__PWRD__" }),
        form(fresh, { localPort: String(foreign.httpsPort), password: "__PWRD__" }),
        form(fresh, { host: "localhost", password: "__PWRD__" }),
      ]) {
        const answer = failed(await test("cfg", body));
        assert.strictEqual(answer.code, "PVS_PASSWORD_NEEDED");
        assert.match(answer.message ?? "", /type the password/);
        assert.ok(!JSON.stringify(answer).includes(stored));
      }
      assert.deepStrictEqual(seen, [], "the other host received no request at all");
      assert.strictEqual(fresh.count("auth:login"), logins, "nor did the own PVS get a login with another port");
      // Typed in the form, the password is the user's to send; left empty, the other PVS's own serial is used.
      passed(await test("cfg", form(foreign, { password: "FGHIJ" })));
      assert.deepStrictEqual(sentCredentials(), ["ssm_owner:FGHIJ"], "the typed password was sent");
      passed(await test("cfg", form(foreign, { password: "" })));
      assert.ok(seen.length > 0);
      assert.deepStrictEqual(
        [...new Set(sentCredentials())],
        ["ssm_owner:FGHIJ"],
        "the stored password never reached the other host",
      );
      // The own PVS, as deployed, still tests with the stored password.
      passed(await test("cfg", form(fresh, { password: "__PWRD__", deviceListEvery: "120" })));
    } finally {
      await foreign.stop();
    }
  });

  it("carries device names from the PVS settings into the device list and the split, and lists the last poll's devices for the pickers", async () => {
    const labels = { E00121852034919: "East roof 3", "ZT01234567890*****": "Garage PVS" };
    const inverter = "E00121852034919";
    const flow = testFlow(
      legacy,
      [
        { id: "list", type: "pvs-device-list", server: "cfg", interval: 0, wires: [["out", "split"]] },
        {
          id: "split",
          type: "pvs-inverter-split",
          topicPrefix: "pv",
          splitInverters: true,
          outputMode: "single",
          outputs: 1,
          serials: [inverter],
          wires: [["splitOut"]],
        },
        { id: "splitOut", type: "helper", z: "tab", x: 500, y: 100 },
      ],
      { labels },
    );
    legacy.editDeviceList = (answer) => {
      const first = answer.devices.find((d) => d.DEVICE_TYPE === "Inverter");
      if (first) first.SERIAL = inverter;
    };
    try {
      await helper.load(NODE_MODULES, flow);
      const got = nextMessages<Msg>(helper.getNode("out"));
      const split = nextMessages<Msg>(helper.getNode("splitOut"));
      helper.getNode("list").receive({});
      const [msg] = await got;
      assert.strictEqual(msg.payload.inverters.find((d) => d.serial === inverter)?.label, "East roof 3");
      assert.strictEqual(msg.payload.supervisor?.label, "Garage PVS");
      assert.strictEqual(
        msg.payload.inverters.filter((d) => d.label !== undefined).length,
        1,
        "only named devices carry a label",
      );
      const [one] = await split;
      assert.strictEqual(one.topic, `pv/inverter/${inverter}`, "only the picked inverter is split out");
      assert.strictEqual(one.label, "East roof 3");
      const devices = (await helper.request().get("/pvs-config/devices").expect(200)).body as {
        pvs: Array<{ id: string; devices: Array<{ serial: string; deviceType: string; label: string | null }> }>;
      };
      const mine = devices.pvs.find((p) => p.id === "cfg");
      assert.strictEqual(mine?.devices.length, 6);
      assert.deepStrictEqual(
        mine?.devices.find((d) => d.serial === inverter),
        {
          serial: inverter,
          deviceType: "Inverter",
          category: "inverter",
          model: "AC_Module_Type_H",
          label: "East roof 3",
        },
      );
      assert.ok(!JSON.stringify(devices).includes(SERIAL));
    } finally {
      legacy.editDeviceList = null;
    }
  });
});
