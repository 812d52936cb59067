// Protecting the PVS through the real runtime: the circuit breaker every node shows, the DeviceList ration
// shared by all nodes, and the request budget the editor and msg.pvs show. Simulated time on a fake clock.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { helper, settle } from "../support/node-red";
import { advance } from "../support/simulated-time";
import { emulatorPerTest } from "../support/emulator-per-test";
import { NODE_MODULES, testFlow } from "../support/flows";

type Msg = NodeMessage & {
  error?: { code?: string };
  pvs?: { requests: { requests: number; byKind: Record<string, number> } };
};
type Status = { fill?: string; text?: string };

function lastStatus(id: string): Status {
  const spy = helper.getNode(id).status as unknown as sinon.SinonSpy;
  return (spy.lastCall?.args[0] ?? {}) as Status;
}

describe("protecting the PVS (real runtime, fake clock)", function () {
  this.timeout(20000);
  const { emulator, clock } = emulatorPerTest({ inverters: 3 }, { clock: true });

  const run = (forMs: number, until?: () => boolean) => advance(clock, emulator, { forMs, until });

  it("opens the breaker after repeated failures: every node says so, the PVS is left alone, and it recovers by itself", async () => {
    emulator.setFault({ kind: "reset" });
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [
        { id: "list", type: "pvs-device-list", server: "cfg", interval: 60 },
        { id: "comm", type: "pvs-comm", server: "cfg", interval: 60 },
      ]),
    );
    const caught: Msg[] = [];
    const sent: Msg[] = [];
    helper.getNode("caught").on("input", (m: NodeMessage) => caught.push(m as Msg));
    helper.getNode("out").on("input", (m: NodeMessage) => sent.push(m as Msg));

    await run(30 * 60_000 + 30_000); // between two polls
    // Without the breaker: 31 polls × 2 nodes. Back-off doubles to 5 min, so the PVS saw about one request per 5 min.
    const asked = emulator.count();
    assert.ok(asked >= 6 && asked <= 14, `the PVS was asked ${asked} times in 30 min`);
    assert.strictEqual(sent.length, 0);
    for (const id of ["list", "comm"]) {
      const text = lastStatus(id).text ?? "";
      assert.ok(text.includes("status.unreachable") && text.includes("status.retryIn"), `${id}: ${text}`);
      assert.strictEqual(lastStatus(id).fill, "red");
    }
    // Only failures of requests that were sent reach Catch nodes: a poll the breaker refused does not.
    assert.ok(
      caught.every((m) => m.error?.code === "PVS_UNREACHABLE"),
      caught.map((m) => m.error?.code).join(),
    );
    assert.ok(caught.length <= 2 * asked, `${caught.length} errors for ${asked} requests`);
    const info = (await helper.request().get("/pvs-config/cfg/info").expect(200)).body as {
      health: { state: string; retryAt: number | null; lastError: { code: string } };
    };
    assert.strictEqual(info.health.lastError.code, "PVS_UNREACHABLE");
    assert.notStrictEqual(info.health.state, "ok");

    emulator.setFault(null);
    // Up to 8 min: the pace eased off while the PVS failed (gaps x8 at most), and comes back on the beat.
    await run(10 * 60_000, () => sent.length >= 2);
    assert.ok(sent.length >= 2, "both nodes send again");
    assert.strictEqual(lastStatus("list").fill, "green", lastStatus("list").text);
    assert.ok(!(lastStatus("comm").text ?? "").includes("status.retryIn"), lastStatus("comm").text);
  });

  it("asks a legacy PVS for its DeviceList at most once per 2 minutes however many nodes poll, and answers 'poll now' from the last list", async () => {
    const nodes = ["a", "b", "c"].map((id, i) => ({
      id,
      type: "pvs-device-list",
      server: "cfg",
      interval: 30 + i * 7,
    }));
    await helper.load(NODE_MODULES, testFlow(emulator, nodes, { deviceListEvery: 120 }));
    const out: Msg[] = [];
    helper.getNode("out").on("input", (m: NodeMessage) => out.push(m as Msg));

    await run(60 * 60_000);
    const lists = emulator.count("DeviceList");
    assert.ok(
      lists >= 28 && lists <= 31,
      `${lists} DeviceLists in an hour (one per 2 min is 30, plus the one at deploy)`,
    );
    const starts = emulator.requests.filter((r) => r.command === "DeviceList").map((r) => r.startedAt);
    // Measured at the emulator: simulated time runs on in small steps while real I/O carries a request, so
    // arrival times may skew by a second or two from the client's send times (which are 120 s apart).
    for (let i = 1; i < starts.length; i++)
      assert.ok(starts[i] - starts[i - 1] >= 118_000, `DeviceLists ${starts[i] - starts[i - 1]} ms apart`);
    // Every node still got fresh lists, about one per 2 minutes each.
    assert.ok(out.length >= 3 * 25, `${out.length} messages`);
    const last = out[out.length - 1];
    // The last message may have been built before the hour's final DeviceList went out.
    const counted = last.pvs?.requests.byKind.DeviceList ?? 0;
    assert.ok(
      counted === lists || counted === lists - 1,
      `msg.pvs.requests counts what the PVS received: ${counted} of ${lists}`,
    );

    // A message asking now, within the 2 minutes: the last list at once, no request.
    const sentBefore = emulator.count("DeviceList");
    await run(130_000, () => emulator.count("DeviceList") > sentBefore && emulator.inFlight === 0);
    await settle(20);
    const before = emulator.count("DeviceList");
    const got = new Promise<Msg>((resolve) =>
      helper.getNode("out").once("input", (m: NodeMessage) => resolve(m as Msg)),
    );
    helper.getNode("a").receive({ payload: "now" });
    const msg = await got; // no simulated time passes: the answer is the last list
    assert.ok(msg.payload, "answered");
    assert.strictEqual(emulator.count("DeviceList"), before, "answered from the last DeviceList");

    // The hour is counted from the first DeviceList's arrival, which can lag the deploy by the skew above, while
    // the run stops as soon as a list is in: move on until that first list is surely an hour and 5 s old.
    const firstList = starts[0];
    const dueOut = firstList + 3600_000 + 5000 - Date.now();
    if (dueOut > 0) await run(dueOut);
    await settle(20);
    const info = (await helper.request().get("/pvs-config/cfg/info").expect(200)).body as {
      budget: { requests: number; byKind: Record<string, number>; durationMs: { average: number; max: number } };
    };
    // The budget covers the last hour: the DeviceList at deploy has left it.
    const lastHour = emulator.requests.filter((r) => r.startedAt >= Date.now() - 3600_000);
    const lastHourLists = lastHour.filter((r) => r.command === "DeviceList").length;
    assert.ok(
      Math.abs(info.budget.byKind.DeviceList - lastHourLists) <= 1,
      `the editor sees the same budget: ${info.budget.byKind.DeviceList} vs ${lastHourLists}`,
    );
    assert.ok(lastHourLists < emulator.count("DeviceList"), "older requests leave the window");
    assert.ok(Math.abs(info.budget.requests - lastHour.length) <= 1);
    assert.ok(info.budget.durationMs.max >= info.budget.durationMs.average);
  });

  it("keeps the DeviceList ration off when set to 0", async () => {
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "a", type: "pvs-device-list", server: "cfg", interval: 30 }], { deviceListEvery: 0 }),
    );
    await run(10 * 60_000);
    assert.ok(emulator.count("DeviceList") >= 20, `${emulator.count("DeviceList")} DeviceLists in 10 min at 30 s`);
  });
});
