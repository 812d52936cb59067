// Redeploys in the real Node-RED runtime leave nothing behind: after 40 deploys (full and modified nodes,
// alternating) of pvs-config, pvs-device-list and pvs-comm on a legacy PVS and on a new-firmware one (LocalAPI),
// active timers, sockets, process listeners, emulator connections and LocalAPI sessions are not above their
// values after the first few deploys; the PVS's connection (and LocalAPI session) outlives every redeploy, and
// removing the flow logs out once the grace period has passed. bench/redeploy.ts does the same 1,000 times and
// watches the heap too.
import assert from "assert";
import { DEFAULT_GRACE_MS } from "../../src/node-red/pvs-registry";
import { sharedConnections } from "../../src/node-red/shared-connections";
import { settle, until } from "../support/node-red";
import { grown, RedeployRig, Snapshot } from "../support/redeploy";
import { fakeClock } from "../support/simulated-time";

const DEPLOYS = 40;
const BASELINE_AFTER = 4;

describe("lifecycle: redeploys leave no timers, sockets, listeners or sessions behind (real Node-RED runtime)", function () {
  this.timeout(30000);
  let rig: RedeployRig;

  beforeEach(async () => {
    sharedConnections.graceMs = DEFAULT_GRACE_MS;
    rig = new RedeployRig();
    await rig.start();
  });
  afterEach(async () => {
    await rig.stop();
    await sharedConnections.closeAll();
    sharedConnections.graceMs = 0;
  });

  it(`${DEPLOYS} redeploys, full and modified nodes, both APIs: nothing grows past the counts after deploy ${BASELINE_AFTER}`, async () => {
    await rig.pollAll();
    let baseline: Snapshot | null = null;
    const kinds: string[] = [];
    for (let n = 1; n <= DEPLOYS; n++) {
      kinds.push(await rig.redeploy());
      await rig.pollAll();
      // Taken between polls once no emulator connection is open: the steady state of a running flow.
      if (n === BASELINE_AFTER) baseline = await rig.snapshot();
    }
    const end = await rig.snapshot();
    assert.ok(baseline);

    // The run did what it claims: every poll answered on both PVSs, and deploys of both kinds happened.
    assert.strictEqual(rig.polls, (DEPLOYS + 1) * 4);
    assert.deepStrictEqual(rig.failures, [], "every poll sent its output");
    assert.deepStrictEqual(
      [kinds.filter((k) => k === "full").length, kinds.filter((k) => k === "nodes").length],
      [DEPLOYS / 2, DEPLOYS / 2],
    );
    assert.ok(
      rig.legacy.count("DeviceList") >= DEPLOYS + 1 && rig.localApi.count("vars") >= 3 * (DEPLOYS + 1),
      "both PVSs were polled",
    );
    // One LocalAPI login for the whole run: every start of the new-firmware pvs-config (every full deploy, and
    // every modified-nodes deploy that renamed it) took the connection back with its session.
    assert.strictEqual(rig.localApi.count("auth:login"), 1);
    assert.strictEqual(rig.localApi.count("auth:logout"), 0);
    assert.strictEqual(
      rig.legacy.count("supervisor/info") + rig.localApi.count("supervisor/info"),
      2,
      "one detection per PVS for the whole run",
    );

    assert.strictEqual(end.sessions, 1, "one LocalAPI session: the running pvs-config's");
    assert.strictEqual(end.connections, 0, "no connection left open on the emulators");
    assert.deepStrictEqual(
      grown(baseline, end),
      [],
      `after deploy ${BASELINE_AFTER}: ${JSON.stringify(baseline)}\nat the end: ${JSON.stringify(end)}`,
    );
  });

  it("removing the whole flow logs out once the grace period has passed: the PVS has no session left open", async () => {
    await rig.pollAll();
    await rig.redeploy(); // full: the session is taken back
    await rig.pollAll();
    await rig.redeploy(); // modified nodes: the session is kept
    await rig.pollAll();
    assert.strictEqual(rig.localApi.openSessions, 1);
    assert.strictEqual(rig.localApi.count("auth:login"), 1);

    const clock = fakeClock();
    try {
      await rig.removeFlow();
      await settle(20);
      assert.strictEqual(rig.localApi.openSessions, 1, "kept for the grace period");
      await clock.tickAsync(DEFAULT_GRACE_MS + 1000);
      await until(() => rig.localApi.openSessions === 0, 4000, "the logout");
    } finally {
      clock.restore();
    }
    assert.strictEqual(rig.localApi.count("auth:logout"), 1);
    const after = await rig.snapshot();
    assert.strictEqual(after.connections, 0);
    assert.strictEqual(after.sessions, 0);
  });
});
