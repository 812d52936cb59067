// The diagnostics endpoint in a real Node-RED 5 with adminAuth: refused without a user and to a user without
// pvs-config.read; a user with it gets the file as an attachment, and the file names no secret.
import assert from "assert";
import fs from "fs";
import os from "os";
import path from "path";
const { startDemo } = require("../../scripts/demo") as { startDemo: (o: object) => Promise<Demo> };
const bcrypt = require("bcryptjs") as { hashSync(text: string, rounds: number): string };

interface Demo {
  url: string;
  emulator: { count(command?: string): number; port: number; httpsPort: number };
  stop(): Promise<void>;
}

const [major, minor] = process.versions.node.split(".").map(Number);
const canRunNodeRed5 = process.env.PVS_NODE_RED !== "node-red-4" && (major > 22 || (major === 22 && minor >= 9));
const SERIAL = "ZT01234567890ABCDE";

(canRunNodeRed5 ? describe : describe.skip)(
  "diagnostics endpoint permission (real Node-RED 5 with adminAuth)",
  function () {
    this.timeout(60000);
    let demo: Demo;
    let userDir: string;
    const tokens: Record<string, string> = {};

    const get = async (route: string, bearer: string | null) => {
      const res = await fetch(new URL(route, demo.url), {
        headers: bearer ? { Authorization: `Bearer ${bearer}` } : {},
      });
      return { status: res.status, text: await res.text(), disposition: res.headers.get("content-disposition") };
    };

    before(async () => {
      userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-diag-"));
      const adminAuth = {
        type: "credentials",
        users: [
          { username: "owner", password: bcrypt.hashSync("owner-pw", 8), permissions: "*" },
          { username: "viewer", password: bcrypt.hashSync("viewer-pw", 8), permissions: "read" },
          // Sees the flows but not this package's endpoints.
          { username: "flows", password: bcrypt.hashSync("flows-pw", 8), permissions: ["flows.read"] },
        ],
      };
      demo = await startDemo({ userDir, delayMs: 0, inverters: 3, localApi: true, settings: { adminAuth }, flow: [] });
      for (const [user, scope] of [
        ["owner", "*"],
        ["viewer", "read"],
        ["flows", "flows.read"],
      ]) {
        const res = await fetch(new URL("auth/token", demo.url), {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            client_id: "node-red-admin",
            grant_type: "password",
            scope,
            username: user,
            password: `${user}-pw`,
          }),
        });
        tokens[user] = ((await res.json()) as { access_token: string }).access_token;
        assert.ok(tokens[user], `${user} logged in`);
      }
      const flow = [
        { id: "tab1", type: "tab", label: "PVS" },
        {
          id: "cfg1",
          type: "pvs-config",
          host: "127.0.0.1",
          port: demo.emulator.port,
          localPort: demo.emulator.httpsPort,
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
      const deployed = await fetch(new URL("flows", demo.url), {
        method: "POST",
        headers: {
          Authorization: `Bearer ${tokens.owner}`,
          "Content-Type": "application/json",
          "Node-RED-API-Version": "v2",
        },
        body: JSON.stringify({ flows: flow }),
      });
      assert.strictEqual(deployed.status, 200, await deployed.text());
      const end = Date.now() + 20000;
      while (demo.emulator.count("vars") < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    });
    after(async () => {
      await demo?.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    });

    it("refuses no user (401) and a user without pvs-config.read; gives the file to those with it", async () => {
      const before = demo.emulator.count();
      const anonymous = await get("pvs-config/cfg1/diagnostics", null);
      assert.strictEqual(anonymous.status, 401);
      const flowsOnly = await get("pvs-config/cfg1/diagnostics", tokens.flows);
      assert.ok(
        flowsOnly.status === 401 || flowsOnly.status === 403,
        `a user without pvs-config.read: ${flowsOnly.status}`,
      );
      for (const refused of [anonymous, flowsOnly])
        assert.ok(!refused.text.includes("pvs-recording"), "nothing of the file");
      for (const user of ["viewer", "owner"]) {
        const res = await get("pvs-config/cfg1/diagnostics", tokens[user]);
        assert.strictEqual(res.status, 200, `${user}: ${res.text}`);
        assert.match(res.disposition ?? "", /^attachment; filename="pvs-diagnostics-[\d-]+\.json"$/);
        const file = JSON.parse(res.text) as {
          format: string;
          diagnostics: { versions: { nodeRed: string } };
          vars: Record<string, unknown>;
        };
        assert.strictEqual(file.format, "pvs-recording/1");
        assert.match(file.diagnostics.versions.nodeRed, /^5\./, "the Node-RED version");
        assert.ok(Object.keys(file.vars).length > 10, "the recorded variables");
        assert.ok(!res.text.includes(SERIAL) && !res.text.includes(SERIAL.slice(-5)), "no serial, no password");
      }
      assert.strictEqual(demo.emulator.count(), before, "a download asks the PVS nothing");
    });

    // Only the refusals: a search with the permission would browse the machine's real network (that one runs in a
    // network namespace: test/nodes/pvs-config/discover.spec.ts).
    it("refuses Search the network to no user (401) and to a user without pvs-config.read", async () => {
      const anonymous = await get("pvs-config/discover", null);
      assert.strictEqual(anonymous.status, 401);
      const flowsOnly = await get("pvs-config/discover", tokens.flows);
      assert.ok(flowsOnly.status === 401 || flowsOnly.status === 403, `without pvs-config.read: ${flowsOnly.status}`);
      for (const refused of [anonymous, flowsOnly]) assert.ok(!refused.text.includes("units"), "no search ran");
    });
  },
);
