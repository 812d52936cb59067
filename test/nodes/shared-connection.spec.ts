// One connection per PVS that survives redeploys, in the real Node-RED runtime against the
// emulator, counting what the PVS received: pvs-config nodes on one PVS share one client, session, ration and
// breaker, with the most protective of their settings; a redeploy takes the connection back with its ration,
// detection and session; the last node's removal logs out once the grace period has passed.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../src/emulator/server";
import { DEFAULT_GRACE_MS, mergeSettings, PvsRegistry, pvsKey, samePvs } from "../../src/node-red/pvs-registry";
import { sharedConnections } from "../../src/node-red/shared-connections";
import { ConnectionOptions, PvsConnection } from "../../src/pvs/connection/connection";
import { PvsConfigNode } from "../../src/node-red/types";
import { deploy, helper, settle, until } from "../support/node-red";
import { advance, fakeClock } from "../support/simulated-time";
import { FlowNode, NODE_MODULES } from "../support/flows";

type Shared = {
  others: Array<{ id: string; name: string }>;
  effective: { timeout: number; minSpacing: number; deviceListEvery: number; api: string; fingerprint: string | null };
  disagree: string[];
};
type Caught = NodeMessage & { error?: { code?: string }; _msgid?: string };

const CONFIGS = ["cfg", "cfg2", "cfg3", "cfg4", "cfg5"];

/** `configs` pvs-config nodes on `emulator`, each with a pvs-device-list polling every `interval` s through it. */
function sharedFlow(
  emulator: PvsEmulator,
  configs: Array<Record<string, unknown>>,
  interval: number,
  topic = "pvs",
): FlowNode[] {
  return [
    { id: "tab", type: "tab", label: "shared" },
    ...configs.map((c, i) => ({
      id: CONFIGS[i],
      type: "pvs-config",
      name: `PVS ${i + 1}`,
      host: "127.0.0.1",
      port: emulator.port,
      localPort: emulator.httpsPort,
      protocol: "http",
      timeout: 5,
      minSpacing: 0,
      deviceListEvery: 120,
      ...c,
    })),
    ...configs.map((_c, i) => ({
      id: `list${i + 1}`,
      type: "pvs-device-list",
      z: "tab",
      x: 100,
      y: 100 + i * 40,
      server: CONFIGS[i],
      interval,
      topic,
      wires: [["out"]],
    })),
    { id: "out", type: "helper", z: "tab", x: 300, y: 100 },
    { id: "catch", type: "catch", z: "tab", x: 100, y: 400, scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab", x: 300, y: 400 },
  ];
}

const configNode = (id: string) => helper.getNode(id) as unknown as PvsConfigNode;

describe("one connection per PVS, kept across redeploys (real runtime)", function () {
  this.timeout(60000);
  let emulator: PvsEmulator | null = null;
  let clock: sinon.SinonFakeTimers | null = null;

  beforeEach(() => {
    sharedConnections.graceMs = DEFAULT_GRACE_MS;
  });
  afterEach(async () => {
    clock?.restore();
    clock = null;
    await helper.unload();
    await sharedConnections.closeAll();
    sharedConnections.graceMs = 0;
    await emulator?.stop();
    emulator = null;
  });

  const start = async (localApi: boolean) => {
    emulator = new PvsEmulator({ inverters: 3, localApi });
    await emulator.start();
    return emulator;
  };

  it("5 pvs-config nodes on one legacy PVS: one connection, one detection and one DeviceList per ration period", async () => {
    const pvs = await start(false);
    clock = fakeClock();
    await helper.load(
      NODE_MODULES,
      sharedFlow(
        pvs,
        CONFIGS.map(() => ({})),
        30,
      ),
    );
    const connections = new Set(CONFIGS.map((id) => configNode(id).pvs));
    assert.strictEqual(connections.size, 1, "every pvs-config node holds the same connection");
    const out: NodeMessage[] = [];
    helper.getNode("out").on("input", (m: NodeMessage) => out.push(m));

    await advance(clock, pvs, { forMs: 10 * 60_000 + 10_000 });
    // Ration 120 s over 10 min: the one at deploy and one per 2 minutes. Five connections made 5 times as many.
    const lists = pvs.count("DeviceList");
    assert.ok(lists >= 5 && lists <= 6, `${lists} DeviceLists in 10 minutes`);
    assert.strictEqual(pvs.count("supervisor/info"), 1, "one detection for all five");
    assert.ok(out.length >= 5 * 5, `every node got its lists (${out.length} messages)`);

    const shared = ((await helper.request().get("/pvs-config/cfg3/info").expect(200)).body as { shared: Shared })
      .shared;
    assert.deepStrictEqual(
      shared.others.map((o) => o.id),
      ["cfg", "cfg2", "cfg4", "cfg5"],
    );
    assert.deepStrictEqual(shared.effective, {
      timeout: 5,
      minSpacing: 0,
      deviceListEvery: 120,
      api: "auto",
      fingerprint: null,
    });
    assert.deepStrictEqual(shared.disagree, []);
  });

  it("5 pvs-config nodes on one LocalAPI PVS: one login, and the device list read once per beat for all", async () => {
    const pvs = await start(true);
    clock = fakeClock();
    await helper.load(
      NODE_MODULES,
      sharedFlow(
        pvs,
        CONFIGS.map(() => ({})),
        60,
      ),
    );
    const out: NodeMessage[] = [];
    helper.getNode("out").on("input", (m: NodeMessage) => out.push(m));
    // Within the session's life (renewed after 4 minutes, src/pvs/localapi/session.ts).
    await advance(clock, pvs, { forMs: 3 * 60_000 + 30_000 });
    assert.strictEqual(pvs.count("auth:login"), 1, "one login, one session");
    assert.strictEqual(pvs.openSessions, 1);
    assert.ok(out.length >= 5 * 4, `every node got its lists (${out.length} messages)`);
    // A device list is 3 variable reads (devices, live data, system) through their caches, once per beat for all
    // five nodes: 4 beats, plus the detection and the caches' creation. Five connections would read 5 times as much.
    const vars = pvs.count("vars");
    assert.ok(vars <= 3 * 4 + 6, `${vars} variable reads in 3.5 minutes`);
  });

  it("settings that disagree resolve to the most protective: longest spacing, DeviceList interval and timeout", async () => {
    const pvs = await start(false);
    clock = fakeClock();
    await helper.load(
      NODE_MODULES,
      sharedFlow(
        pvs,
        [
          { deviceListEvery: 60, minSpacing: 0, timeout: 5 },
          { deviceListEvery: 300, minSpacing: 2, timeout: 30 },
        ],
        30,
      ),
    );
    const shared = ((await helper.request().get("/pvs-config/cfg/info").expect(200)).body as { shared: Shared }).shared;
    assert.deepStrictEqual(shared.others, [{ id: "cfg2", name: "PVS 2" }]);
    assert.deepStrictEqual(shared.effective, {
      timeout: 30,
      minSpacing: 2,
      deviceListEvery: 300,
      api: "auto",
      fingerprint: null,
    });
    assert.deepStrictEqual(shared.disagree.sort(), ["deviceListEvery", "minSpacing", "timeout"]);

    await advance(clock, pvs, { forMs: 20 * 60_000 + 10_000 });
    const starts = pvs.requests.filter((r) => r.command === "DeviceList").map((r) => r.startedAt);
    assert.ok(starts.length >= 4 && starts.length <= 5, `${starts.length} DeviceLists in 20 min at one per 5 min`);
    for (let i = 1; i < starts.length; i++)
      assert.ok(starts[i] - starts[i - 1] >= 298_000, `DeviceLists ${starts[i] - starts[i - 1]} ms apart`);
    const all = pvs.requests.map((r) => r.startedAt);
    for (let i = 1; i < all.length; i++)
      assert.ok(all[i] - all[i - 1] >= 1900, `requests ${all[i] - all[i - 1]} ms apart (spacing 2 s)`);
  });

  it("Detect and a forced LocalAPI on one LocalAPI PVS: one connection, one login, and the editor shows the API they differ in", async () => {
    const pvs = await start(true);
    clock = fakeClock();
    await helper.load(NODE_MODULES, sharedFlow(pvs, [{ api: "auto" }, { api: "localapi" }], 60));
    assert.strictEqual(configNode("cfg").pvs, configNode("cfg2").pvs, "both hold the same connection");
    assert.strictEqual(sharedConnections.size, 1);
    const out: NodeMessage[] = [];
    helper.getNode("out").on("input", (m: NodeMessage) => out.push(m));
    await advance(clock, pvs, { forMs: 3 * 60_000 + 30_000 });
    assert.strictEqual(pvs.count("auth:login"), 1, "one login, one session");
    assert.strictEqual(pvs.openSessions, 1);
    assert.ok(out.length >= 2 * 4, `both nodes got their lists (${out.length} messages)`);
    for (const id of ["cfg", "cfg2"]) {
      const body = (await helper.request().get(`/pvs-config/${id}/info`).expect(200)).body as {
        setting: string;
        shared: Shared;
      };
      assert.strictEqual(body.setting, "localapi", "the forced API wins over Detect");
      assert.strictEqual(body.shared.effective.api, "localapi");
      assert.deepStrictEqual(body.shared.disagree, ["api"]);
      assert.strictEqual(body.shared.others.length, 1);
    }
  });

  it("Detect and a forced legacy API on one legacy PVS: one DeviceList per ration period for both", async () => {
    const pvs = await start(false);
    clock = fakeClock();
    await helper.load(NODE_MODULES, sharedFlow(pvs, [{ api: "auto" }, { api: "legacy" }], 30));
    assert.strictEqual(sharedConnections.size, 1);
    const out: NodeMessage[] = [];
    helper.getNode("out").on("input", (m: NodeMessage) => out.push(m));
    await advance(clock, pvs, { forMs: 10 * 60_000 + 10_000 });
    // Ration 120 s over 10 min: the one at deploy and one per 2 minutes; two connections made twice as many.
    const starts = pvs.requests.filter((r) => r.command === "DeviceList").map((r) => r.startedAt);
    assert.ok(starts.length >= 5 && starts.length <= 6, `${starts.length} DeviceLists in 10 minutes`);
    for (let i = 1; i < starts.length; i++)
      assert.ok(starts[i] - starts[i - 1] >= 118_000, `DeviceLists ${starts[i] - starts[i - 1]} ms apart`);
    assert.strictEqual(pvs.count("supervisor/info"), 1, "one detection for both");
    assert.ok(out.length >= 2 * 5, `both nodes got their lists (${out.length} messages)`);
    const shared = ((await helper.request().get("/pvs-config/cfg/info").expect(200)).body as { shared: Shared }).shared;
    assert.strictEqual(shared.effective.api, "legacy");
    assert.deepStrictEqual(shared.disagree, ["api"]);
  });

  it("a pinned and an unpinned node on one PVS: the pin holds for both (a wrong one: PVS_CERT_MISMATCH for both, no login sent)", async () => {
    const pvs = await start(true);
    const wrong = "AB:".repeat(31) + "AB";
    clock = fakeClock();
    await helper.load(NODE_MODULES, sharedFlow(pvs, [{ api: "localapi" }, { api: "localapi", fingerprint: wrong }], 0));
    assert.strictEqual(sharedConnections.size, 1);
    const caught: Caught[] = [];
    helper.getNode("caught").on("input", (m: Caught) => caught.push(m));
    helper.getNode("list1").receive({ payload: "now" });
    await advance(clock, pvs, { forMs: 60_000, until: () => caught.length === 1, what: "the first node's error" });
    // The second waits out the hold the first failure set (a certificate that is not the pinned one is not retried
    // soon).
    helper.getNode("list2").receive({ payload: "now" });
    await advance(clock, pvs, { forMs: 6 * 60_000, until: () => caught.length === 2, what: "the second node's error" });
    assert.deepStrictEqual(
      caught.map((m) => m.error?.code),
      ["PVS_CERT_MISMATCH", "PVS_CERT_MISMATCH"],
    );
    assert.strictEqual(pvs.count("auth:login"), 0, "no password sent to a certificate that is not the pinned one");
    const shared = (
      (await helper.request().get("/pvs-config/cfg/info").expect(200)).body as { shared: Shared; pinned: string }
    ).shared;
    assert.strictEqual(shared.effective.fingerprint, wrong);
    assert.deepStrictEqual(shared.disagree, ["fingerprint"]);

    // The right pin, deployed on the pinned node alone (a deploy of modified nodes: the unpinned node and its
    // device list keep running): the connection they hold takes it at once (the hold was the old pin's), and
    // one login serves both.
    const right = sharedFlow(
      pvs,
      [{ api: "localapi" }, { api: "localapi", fingerprint: pvs.certificateFingerprint }],
      0,
    );
    await deploy(right, "nodes");
    assert.strictEqual(configNode("cfg").pvs, configNode("cfg2").pvs);
    const out: NodeMessage[] = [];
    helper.getNode("out").on("input", (m: NodeMessage) => out.push(m));
    helper.getNode("list1").receive({ payload: "now" });
    await advance(clock, pvs, { forMs: 30_000, until: () => out.length === 1, what: "the unpinned node's list" });
    helper.getNode("list2").receive({ payload: "now" });
    await advance(clock, pvs, { forMs: 60_000, until: () => out.length === 2, what: "the pinned node's list" });
    assert.strictEqual(pvs.count("auth:login"), 1);
  });

  it("a deploy of modified nodes that pins a wrong certificate on one node: the other node, not restarted, is held to it too", async () => {
    const pvs = await start(true);
    await helper.load(NODE_MODULES, sharedFlow(pvs, [{}, {}], 0));
    const out: NodeMessage[] = [];
    helper.getNode("out").on("input", (m: NodeMessage) => out.push(m));
    helper.getNode("list1").receive({ payload: "now" });
    await until(() => out.length === 1, 8000, "the first list");
    const held = configNode("cfg").pvs;
    const list1 = helper.getNode("list1");
    await deploy(sharedFlow(pvs, [{}, { fingerprint: "CD:".repeat(31) + "CD" }], 0), "nodes");
    assert.strictEqual(helper.getNode("list1"), list1, "the unpinned node's device list was not restarted");
    assert.strictEqual(configNode("cfg").pvs, held, "nor its connection replaced");
    const caught: Caught[] = [];
    helper.getNode("caught").on("input", (m: Caught) => caught.push(m));
    const logins = pvs.count("auth:login");
    const before = pvs.requests.length;
    helper.getNode("list1").receive({ payload: "now" });
    await until(() => caught.length === 1, 8000, "the error");
    assert.strictEqual(caught[0].error?.code, "PVS_CERT_MISMATCH");
    assert.strictEqual(pvs.count("auth:login"), logins, "no login sent");
    assert.ok(
      pvs.requests.slice(before).every((r) => r.command !== "vars"),
      "no LocalAPI read reached the PVS",
    );
  });

  it("200 full redeploys within one ration period: at most 1 DeviceList and 1 detection on a legacy PVS", async () => {
    const pvs = await start(false);
    await helper.load(NODE_MODULES, sharedFlow(pvs, [{ deviceListEvery: 3600 }], 60, "t0"));
    const first = configNode("cfg").pvs;
    await until(() => pvs.count("DeviceList") === 1 && pvs.inFlight === 0, 8000, "the first DeviceList");
    for (let n = 1; n <= 200; n++) {
      // Every deploy starts the device-list node, which polls at once: the ration makes it wait, not ask.
      await deploy(sharedFlow(pvs, [{ deviceListEvery: 3600 }], 60, `t${n}`));
      if (n % 50 === 0) await settle(20);
    }
    await settle(50);
    assert.strictEqual(configNode("cfg").pvs, first, "the redeployed node took the connection back");
    assert.strictEqual(pvs.count("DeviceList"), 1);
    assert.strictEqual(pvs.count("supervisor/info"), 1);
    assert.strictEqual(sharedConnections.size, 1);
  });

  it("100 full redeploys on the LocalAPI: one session, and none open once the nodes are removed and the grace period has passed", async () => {
    const pvs = await start(true);
    const flow = (n: number) => sharedFlow(pvs, [{}], 0, `t${n}`);
    const poll = async () => {
      const got = new Promise<NodeMessage>((resolve) => helper.getNode("out").once("input", resolve));
      helper.getNode("list1").receive({ payload: "now" });
      await got;
    };
    await helper.load(NODE_MODULES, flow(0));
    await poll();
    for (let n = 1; n <= 100; n++) {
      await deploy(flow(n));
      if (n % 10 === 0) await poll();
    }
    assert.strictEqual(pvs.count("auth:login"), 1, "the session outlived every redeploy");
    assert.strictEqual(pvs.openSessions, 1);

    clock = fakeClock();
    await deploy([]);
    assert.strictEqual(pvs.openSessions, 1, "kept for a redeploy during the grace period");
    await clock.tickAsync(DEFAULT_GRACE_MS - 1000);
    await settle(20);
    assert.strictEqual(pvs.count("auth:logout"), 0);
    await clock.tickAsync(2000);
    await until(() => pvs.openSessions === 0, 4000, "the logout");
    assert.strictEqual(pvs.count("auth:logout"), 1);
    assert.strictEqual(sharedConnections.size, 0, "nothing kept");
  });

  it("a redeploy and the nodes' removal while a LocalAPI login is on the wire: no session open once the grace period has passed", async () => {
    const pvs = await start(true);
    // The login takes 1.5 s: the redeploy and the removal both come while it is on the wire.
    pvs.setFault({ kind: "delay", ms: 1500, commands: ["auth:login"] });
    clock = fakeClock();
    await helper.load(NODE_MODULES, sharedFlow(pvs, [{}], 0));
    helper.getNode("list1").receive({ payload: "now" });
    await advance(clock, pvs, {
      forMs: 10_000,
      until: () => pvs.count("auth:login") === 1 && pvs.inFlight > 0,
      what: "the login on the wire",
    });
    await helper.setFlows(sharedFlow(pvs, [{}], 0, "redeployed"), "full");
    await helper.setFlows([], "full");
    assert.strictEqual(pvs.inFlight, 1, "the login was still on the wire");
    await advance(clock, pvs, { forMs: DEFAULT_GRACE_MS + 2000 });
    assert.strictEqual(pvs.count("auth:login"), 1);
    assert.strictEqual(pvs.count("auth:logout"), 1, "the session the login made was logged out, not left to expire");
    assert.strictEqual(pvs.openSessions, 0);
    assert.strictEqual(sharedConnections.size, 0, "nothing kept");
  });

  it("a redeploy that changes the password starts a fresh connection (the old session logged out)", async () => {
    const pvs = await start(true);
    await helper.load(NODE_MODULES, sharedFlow(pvs, [{}], 0));
    const got = new Promise<NodeMessage>((resolve) => helper.getNode("out").once("input", resolve));
    helper.getNode("list1").receive({ payload: "now" });
    await got;
    const first = configNode("cfg").pvs;
    const flow = sharedFlow(pvs, [{}], 0).map((n) =>
      n.id === "cfg" ? { ...n, credentials: { password: "ABCDE" } } : n,
    );
    await deploy(flow);
    assert.notStrictEqual(configNode("cfg").pvs, first);
    await until(() => pvs.count("auth:logout") === 1, 4000, "the old session's logout");
    // Unchanged again: taken back.
    const second = configNode("cfg").pvs;
    await deploy(flow);
    assert.strictEqual(configNode("cfg").pvs, second);
  });

  it("a node deployed within the grace period takes the connection back; one after it starts afresh", async () => {
    const pvs = await start(true);
    const poll = async () => {
      const got = new Promise<NodeMessage>((resolve) => helper.getNode("out").once("input", resolve));
      helper.getNode("list1").receive({ payload: "now" });
      await got;
    };
    await helper.load(NODE_MODULES, sharedFlow(pvs, [{}], 0));
    await poll();
    const first = configNode("cfg").pvs;
    clock = fakeClock();
    await deploy([]);
    await clock.tickAsync(DEFAULT_GRACE_MS / 2);
    // Another id, the same PVS: the same connection and session.
    await deploy(
      sharedFlow(pvs, [{}], 0).map((n) =>
        n.id === "cfg" ? { ...n, id: "cfg2" } : n.server === "cfg" ? { ...n, server: "cfg2" } : n,
      ),
    );
    assert.strictEqual(configNode("cfg2").pvs, first);
    await deploy([]);
    await clock.tickAsync(DEFAULT_GRACE_MS + 1000);
    await until(() => pvs.openSessions === 0, 4000, "the logout");
    clock.restore();
    clock = null;
    await deploy(sharedFlow(pvs, [{}], 0));
    assert.notStrictEqual(configNode("cfg").pvs, first);
    await poll();
    assert.strictEqual(pvs.count("auth:login"), 2);
  });
});

describe("pvs registry: keys and merged settings", () => {
  const base: ConnectionOptions = {
    api: "auto",
    protocol: "http",
    host: "172.27.153.1",
    port: 80,
    localPort: 443,
    telemetryPort: 9002,
    timeoutMs: 120_000,
    minSpacingMs: 5000,
    deviceListEveryMs: 120_000,
  };

  it("one key per PVS and way of reaching it", () => {
    assert.strictEqual(pvsKey(base), pvsKey({ ...base, host: " 172.27.153.1 " }));
    assert.strictEqual(pvsKey({ ...base, host: "PVS.local" }), pvsKey({ ...base, host: "pvs.local" }));
    assert.strictEqual(pvsKey({ ...base, host: "[fe80::1]" }), pvsKey({ ...base, host: "fe80::1" }));
    assert.strictEqual(
      pvsKey(base),
      pvsKey({ ...base, minSpacingMs: 0, timeoutMs: 1, deviceListEveryMs: 0, password: "x" }),
      "limits and password are merged, not keyed",
    );
    for (const shared of [{ api: "legacy" as const }, { api: "localapi" as const }, { fingerprint: "AA" }]) {
      assert.strictEqual(
        pvsKey(base),
        pvsKey({ ...base, ...shared }),
        `${JSON.stringify(shared)} is a shared setting, not another PVS`,
      );
    }
    for (const other of [
      { host: "172.27.153.2" },
      { protocol: "https" as const },
      { port: 8080 },
      { localPort: 8443 },
      { telemetryPort: 9003 },
    ]) {
      assert.notStrictEqual(pvsKey(base), pvsKey({ ...base, ...other }), JSON.stringify(other));
    }
  });

  it("a connection memory stored under an earlier version's key (with the API setting and pin) is this PVS's", () => {
    const key = pvsKey(base);
    const old = JSON.stringify([...(JSON.parse(key) as unknown[]), "legacy", null]);
    assert.ok(samePvs(key, key));
    assert.ok(samePvs(old, key));
    assert.ok(
      !samePvs(JSON.stringify([...(JSON.parse(pvsKey({ ...base, port: 8080 })) as unknown[]), "auto", null]), key),
      "another port",
    );
    assert.ok(!samePvs(undefined, key));
    assert.ok(!samePvs("{not json", key));
  });

  it("the API setting and the pin: a fixed API over Detect and a pin over none, else the first member's; each difference named", () => {
    const pin1 = "11:".repeat(31) + "11";
    const pin2 = "22:".repeat(31) + "22";
    assert.strictEqual(mergeSettings([base, { ...base, api: "localapi" }]).api, "localapi");
    assert.strictEqual(mergeSettings([{ ...base, api: "legacy" }, base]).api, "legacy");
    assert.strictEqual(
      mergeSettings([base, { ...base, api: "legacy" }, { ...base, api: "localapi" }]).api,
      "legacy",
      "the first fixed API",
    );
    assert.strictEqual(mergeSettings([base, base]).api, "auto");
    assert.strictEqual(mergeSettings([base, { ...base, fingerprint: pin1 }]).fingerprint, pin1);
    assert.strictEqual(
      mergeSettings([
        { ...base, fingerprint: pin2 },
        { ...base, fingerprint: pin1 },
      ]).fingerprint,
      pin2,
      "the first pin",
    );
    assert.strictEqual(mergeSettings([base, { ...base, fingerprint: null }]).fingerprint, null);

    const registry = new PvsRegistry({
      graceMs: 0,
      create: (o) => new PvsConnection({ ...o, host: "127.0.0.1", port: 9, localPort: 9 }),
    });
    const a = registry.acquire({ id: "a", name: "A" }, base);
    assert.strictEqual(a.connection.info().setting, "auto");
    const b = registry.acquire({ id: "b", name: "B" }, { ...base, api: "localapi", fingerprint: pin1 });
    const c = registry.acquire({ id: "c", name: "C" }, { ...base, api: "legacy", fingerprint: pin2 });
    assert.strictEqual(b.connection, a.connection, "one connection");
    assert.strictEqual(registry.size, 1);
    assert.strictEqual(
      a.connection.info().setting,
      "localapi",
      "the joining member's fixed API applies to the live connection",
    );
    assert.strictEqual(a.connection.info().pinned, pin1);
    const state = a.shared();
    assert.deepStrictEqual(state?.disagree, ["api", "fingerprint"]);
    assert.deepStrictEqual(state?.effective, {
      timeout: 120,
      minSpacing: 5,
      deviceListEvery: 120,
      api: "localapi",
      fingerprint: pin1,
    });
    void b.release(false);
    assert.strictEqual(a.connection.info().setting, "legacy", "the first member's gone: the next fixed API");
    assert.strictEqual(a.connection.info().pinned, pin2);
    void c.release(false);
    assert.strictEqual(a.connection.info().setting, "auto", "Detect again, alone");
    assert.strictEqual(a.connection.info().pinned, null);
    assert.deepStrictEqual(a.shared()?.disagree, []);
    return a.release(true);
  });

  it("the most protective limits; 0 (no DeviceList ration) only when all say so; the first typed password; names merged", () => {
    const merged = mergeSettings([
      { ...base, minSpacingMs: 0, deviceListEveryMs: 0, timeoutMs: 10_000, labels: new Map([["A", "east"]]) },
      {
        ...base,
        minSpacingMs: 3000,
        deviceListEveryMs: 600_000,
        timeoutMs: 5000,
        password: "first",
        labels: new Map([
          ["A", "west"],
          ["B", "south"],
        ]),
      },
      { ...base, minSpacingMs: 1000, deviceListEveryMs: 0, timeoutMs: 1000, password: "second" },
    ]);
    assert.strictEqual(merged.minSpacingMs, 3000);
    assert.strictEqual(merged.deviceListEveryMs, 600_000);
    assert.strictEqual(merged.timeoutMs, 10_000);
    assert.strictEqual(merged.password, "first");
    assert.deepStrictEqual(
      [...(merged.labels ?? [])],
      [
        ["A", "east"],
        ["B", "south"],
      ],
    );
    assert.strictEqual(
      mergeSettings([
        { ...base, deviceListEveryMs: 0 },
        { ...base, deviceListEveryMs: 0 },
      ]).deviceListEveryMs,
      0,
    );
  });
});
