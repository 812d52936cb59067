// Secrets and access in a real Node-RED 5 process with adminAuth: the admin endpoints need a logged-in user with
// pvs-config.read (info) or pvs-config.write (test connection), validates its input and never makes Node-RED fetch
// anything; the LocalAPI password never appears in the flow export, the credentials API, the credentials file or the
// log.
import assert from "assert";
import fs from "fs";
import os from "os";
import path from "path";
const { startDemo } = require("../scripts/demo") as { startDemo: (o: object) => Promise<Demo> };
const bcrypt = require("bcryptjs") as { hashSync(text: string, rounds: number): string };

interface Demo {
  url: string;
  emulator: { count(command?: string): number; port: number; httpsPort: number };
  logFile: string;
  stop(): Promise<void>;
}

const [major, minor] = process.versions.node.split(".").map(Number);
const canRunNodeRed5 = process.env.PVS_NODE_RED !== "node-red-4" && (major > 22 || (major === 22 && minor >= 9));
const SERIAL = "ZT01234567890ABCDE";
/** Entered by the user as the pvs-config credential (the emulator's serial ends with it, as a real PVS's does). */
const PASSWORD = SERIAL.slice(-5);

(canRunNodeRed5 ? describe : describe.skip)("secrets and admin access (real Node-RED 5 with adminAuth)", function () {
  this.timeout(60000);
  let demo: Demo;
  let userDir: string;
  let token: string;
  let viewerToken: string;

  const flow = (port: number, httpsPort: number) => [
    { id: "tab1", type: "tab", label: "PVS" },
    {
      id: "cfg1",
      type: "pvs-config",
      host: "127.0.0.1",
      port,
      localPort: httpsPort,
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

  const call = async (method: string, route: string, body?: unknown, auth: boolean | string = true) => {
    const bearer = auth === true ? token : auth;
    const res = await fetch(new URL(route, demo.url), {
      method,
      headers: {
        ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
        ...(body ? { "Content-Type": "application/json", "Node-RED-API-Version": "v2" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, text: await res.text() };
  };

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-sec-"));
    const adminAuth = {
      type: "credentials",
      users: [
        { username: "owner", password: bcrypt.hashSync("owner-pw", 8), permissions: "*" },
        { username: "viewer", password: bcrypt.hashSync("viewer-pw", 8), permissions: "read" },
      ],
    };
    demo = await startDemo({ userDir, delayMs: 0, inverters: 3, localApi: true, settings: { adminAuth }, flow: [] });
    const logIn = async (username: string, password: string, scope: string) => {
      const res = await fetch(new URL("auth/token", demo.url), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ client_id: "node-red-admin", grant_type: "password", scope, username, password }),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    token = await logIn("owner", "owner-pw", "*");
    assert.ok(token, "logged in");
    viewerToken = await logIn("viewer", "viewer-pw", "read");
    assert.ok(viewerToken, "the viewer logged in");
    // Deploy through the admin API, as the editor does, with the password as a credential.
    const nodes = flow(demo.emulator.port, demo.emulator.httpsPort).map((n) =>
      n.id === "cfg1" ? { ...n, credentials: { password: PASSWORD } } : n,
    );
    const deployed = await call("POST", "flows", { flows: nodes });
    assert.strictEqual(deployed.status, 200, deployed.text);
    const end = Date.now() + 20000;
    while (demo.emulator.count("auth:login") < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  });
  after(async () => {
    await demo?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it("refuses the admin endpoint without a logged-in user", async () => {
    const res = await call("GET", "pvs-config/cfg1/info", undefined, false);
    assert.strictEqual(res.status, 401);
    assert.ok(!res.text.includes("PVS6"));
  });

  it("answers a logged-in user with what was found, the serial masked and no password", async () => {
    const res = await call("GET", "pvs-config/cfg1/info");
    assert.strictEqual(res.status, 200, res.text);
    const info = JSON.parse(res.text) as {
      api: string;
      serial: string;
      budget: { requests: number };
      health: { state: string };
    };
    assert.strictEqual(info.api, "localapi");
    assert.strictEqual(info.serial, "ZT01234567890*****");
    assert.ok(info.budget.requests >= 1);
    assert.strictEqual(info.health.state, "ok");
    for (const secret of [SERIAL, PASSWORD]) assert.ok(!res.text.includes(secret), "no secret in the answer");
  });

  it("lets only a user with pvs-config.write test a connection; a read-only user and no user are refused", async () => {
    const form = {
      host: "127.0.0.1",
      port: String(demo.emulator.port),
      localPort: String(demo.emulator.httpsPort),
      protocol: "http",
      api: "auto",
      timeout: "10",
      minSpacing: "0",
      deviceListEvery: "120",
      fingerprint: "",
      password: "__PWRD__",
    };
    // A legacy test would ask for the DeviceList, which the deployed LocalAPI node never does: a request to count.
    const legacy = { ...form, api: "legacy", password: "" };
    const before = demo.emulator.count("DeviceList");
    assert.strictEqual((await call("POST", "pvs-config/cfg1/test", legacy, false)).status, 401, "no user");
    assert.strictEqual((await call("POST", "pvs-config/cfg1/test", legacy, viewerToken)).status, 401, "read-only user");
    assert.strictEqual(demo.emulator.count("DeviceList"), before, "a refused test sends nothing");
    assert.strictEqual((await call("POST", "pvs-config/cfg1/test", legacy)).status, 200);
    assert.ok(demo.emulator.count("DeviceList") > before, "the same test by the owner does ask");
    assert.strictEqual(
      (await call("GET", "pvs-config/cfg1/info", undefined, viewerToken)).status,
      200,
      "the read-only user may read the info",
    );
    const res = await call("POST", "pvs-config/cfg1/test", form);
    assert.strictEqual(res.status, 200, res.text);
    assert.strictEqual((JSON.parse(res.text) as { ok: boolean }).ok, true, res.text);
    for (const secret of [SERIAL, PASSWORD]) assert.ok(!res.text.includes(secret), "no secret in the answer");
  });

  it("validates its input and never makes Node-RED request anything", async () => {
    const before = demo.emulator.count();
    for (const route of [
      "pvs-config/..%2F..%2Fsettings/info",
      "pvs-config/a%20b/info",
      `pvs-config/${"x".repeat(200)}/info`,
    ]) {
      assert.strictEqual((await call("GET", route)).status, 400, route);
    }
    const res = await call("GET", "pvs-config/cfg1/info?host=169.254.169.254&url=http://example.com/");
    assert.strictEqual(res.status, 200);
    assert.ok(!res.text.includes("169.254"), "query parameters are ignored");
    assert.strictEqual(JSON.parse((await call("GET", "pvs-config/nope/info")).text).deployed, false);
    assert.strictEqual(demo.emulator.count(), before, "reading the info sends nothing to the PVS (or anywhere)");
  });

  it("keeps the password out of the flow export, the credentials API and the credentials file, and the serial out of the log", async () => {
    const flows = await call("GET", "flows");
    assert.strictEqual(flows.status, 200);
    assert.ok(flows.text.includes("cfg1"));
    const creds = await call("GET", "credentials/pvs-config/cfg1");
    assert.deepStrictEqual(
      JSON.parse(creds.text),
      { has_password: true },
      "the editor only learns that a password is set",
    );
    const file = fs.readFileSync(path.join(userDir, "flows_cred.json"), "utf8");
    const log = fs.readFileSync(demo.logFile, "utf8");
    for (const [where, text] of [
      ["flow export", flows.text],
      ["credentials API", creds.text],
      ["flows_cred.json (encrypted)", file],
      ["Node-RED log", log],
    ]) {
      for (const secret of [PASSWORD, SERIAL]) assert.ok(!text.includes(secret), `${where} holds a secret`);
    }
  });
});
