// A PVS address where no connection completes (the PVS is off, or the address is wrong), through the real runtime
// on a fake clock: each timer poll fails with PVS_UNREACHABLE within the connect deadline, not after the answer
// deadline, and is reported once: one node.error, one Catch message.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../src/emulator/server";
import { CONNECT_TIMEOUT_MS } from "../../src/pvs/http/connect-deadline";
import { helper } from "../support/node-red";
import { advance, fakeClock } from "../support/simulated-time";
import { NODE_MODULES, testFlow } from "../support/flows";
import { SilentAddress, silentAddress } from "../support/silent-address";

type Caught = NodeMessage & { error?: { message: string; code?: string } };

// Nothing is ever on the emulator's wire here: advance() watches the pvs-config's client alone.
const NO_EMULATOR = { inFlight: 0 } as unknown as PvsEmulator;

describe("an unreachable PVS address", function () {
  this.timeout(30000);
  let address: SilentAddress | null = null;
  let clock: sinon.SinonFakeTimers | null = null;

  before(async function () {
    address = await silentAddress();
    if (!address) this.skip(); // a TCP stack that never leaves a connect hanging
  });
  after(() => address?.close());
  afterEach(async () => {
    clock?.restore();
    clock = null;
    await helper.unload();
  });

  for (const api of ["auto", "legacy"] as const) {
    it(`api ${api}: PVS_UNREACHABLE "no answer at …" within the connect deadline, reported once per poll`, async () => {
      const port = (address as SilentAddress).port;
      clock = fakeClock();
      const started = Date.now();
      // The LocalAPI port is the same silent address: detection meets it as well.
      await helper.load(
        NODE_MODULES,
        testFlow({ port, httpsPort: port }, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 600 }], {
          api,
          timeout: 120,
        }),
      );
      const caught: Caught[] = [];
      helper.getNode("caught").on("input", (m: NodeMessage) => caught.push(m as Caught));
      // The helper spies on Node.prototype.error: the calls made by this node.
      const errorSpy = helper.getNode("list").error as unknown as sinon.SinonSpy;
      const listErrors = () => errorSpy.thisValues.filter((n: { id?: string }) => n?.id === "list").length;
      const drive = (until: () => boolean, forMs: number, what: string) =>
        advance(clock as sinon.SinonFakeTimers, NO_EMULATOR, { until, forMs, what });

      await drive(() => caught.length >= 1, 60_000, "the first poll's failure");
      const tookMs = Date.now() - started;
      // Detection may try the LocalAPI first: one connect deadline per address tried, never the answer deadline.
      assert.ok(tookMs <= 2 * CONNECT_TIMEOUT_MS + 6000, `failed after ${tookMs / 1000} s`);
      assert.strictEqual(caught[0].error?.code, "PVS_UNREACHABLE", caught[0].error?.message);
      assert.match(caught[0].error?.message ?? "", new RegExp(`no answer at 127\\.0\\.0\\.1:${port}\\b`));
      // Anything else the poll had to say reaches the helpers within a few more simulated seconds.
      await drive(() => false, 5000, "");
      assert.strictEqual(caught.length, 1, caught.map((m) => m.error?.message).join("; "));
      assert.strictEqual(listErrors(), 1, "node.error once");

      // The next timer poll (after the interval, eased off for an unreachable PVS, and any back-off): again
      // one failure, reported once.
      await drive(() => caught.length >= 2, 45 * 60_000, "the second poll's failure");
      await drive(() => false, 5000, "");
      assert.strictEqual(caught.length, 2, caught.map((m) => m.error?.message).join("; "));
      assert.strictEqual(listErrors(), 2, "node.error once per poll");
      assert.strictEqual(caught[1].error?.code, "PVS_UNREACHABLE", caught[1].error?.message);
    });
  }

  it("without a Catch node, each failed poll is logged once (one error record, no warning)", async () => {
    const port = (address as SilentAddress).port;
    clock = fakeClock();
    const flow = testFlow(
      { port, httpsPort: port },
      [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 600 }],
      { timeout: 120 },
    ).filter((n) => n.id !== "catch" && n.id !== "caught");
    await helper.load(NODE_MODULES, flow);
    const logSpy = helper.log() as unknown as sinon.SinonSpy<[{ level: number; id?: string; msg?: unknown }]>;
    // Node-RED's log levels: ERROR 20, WARN 30. Records of our nodes only.
    const records = (level: number) =>
      logSpy.args.map(([r]) => r).filter((r) => r.level === level && (r.id === "list" || r.id === "cfg"));
    const show = () => JSON.stringify(logSpy.args.map(([r]) => r).filter((r) => r.level <= 30));
    const drive = (until: () => boolean, forMs: number, what: string) =>
      advance(clock as sinon.SinonFakeTimers, NO_EMULATOR, { until, forMs, what });

    await drive(() => records(20).length >= 1, 60_000, "the first poll's failure");
    await drive(() => false, 5000, "");
    assert.strictEqual(records(20).length, 1, show());
    assert.match(String(records(20)[0].msg), /no answer at 127\.0\.0\.1:/);
    assert.strictEqual(records(30).length, 0, show());
    // The interval eased off for an unreachable PVS.
    await drive(() => records(20).length >= 2, 45 * 60_000, "the second poll's failure");
    await drive(() => false, 5000, "");
    assert.strictEqual(records(20).length, 2, show());
    assert.strictEqual(records(30).length, 0, show());
  });
});
