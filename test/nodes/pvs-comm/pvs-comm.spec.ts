import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../../src/emulator/server";
import { CommPayload } from "../../../src/model/legacy-comm";
import { helper, nextMessages, settle } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";
import { emulatorPerTest } from "../../support/emulator-per-test";
import { advance, fakeClock } from "../../support/simulated-time";
import { NODE_DEFAULTS } from "../../support/node-settings";

type Msg = NodeMessage & { payload: CommPayload; error?: { code?: string } };

describe("pvs-comm node", function () {
  this.timeout(10000);
  const { emulator } = emulatorPerTest();

  const commNode = (extra: Record<string, unknown> = {}) => ({
    id: "comm",
    type: "pvs-comm",
    server: "cfg",
    interval: 0,
    ...extra,
  });

  it("sends the normalized interfaces and shows the uplink in its status", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [commNode()]));
    const got = nextMessages<Msg>(helper.getNode("out"));
    helper.getNode("comm").receive({});
    const [msg] = await got;
    assert.strictEqual(msg.topic, "pvs/comm");
    assert.deepStrictEqual(msg.payload.system, { interface: "wan", internet: true, cloud: true });
    assert.deepStrictEqual(
      msg.payload.interfaces.map((i) => i.kind),
      ["ethernet", "plc", "wifi", "cellular"],
    );
    assert.match(msg.payload.time as string, /Z$/);
    const status = (helper.getNode("comm").status as unknown as sinon.SinonSpy).lastCall.args[0];
    assert.strictEqual(status.fill, "green");
    assert.match(status.text, /^wan · .*status\.internetUp/);
  });

  it("on the LocalAPI: the link the PVS talks through (online) is connected, an absent interface (N/A) unknown, an offline one not", async () => {
    // The firmware's words for /net/<if>/state (pypvs doc/varserver-variables-public-pvs6.csv): the emulated PVS6
    // talks through wan0 ("online"), has no second Ethernet ("N/A"), Wi-Fi and the cell modem "offline".
    const local = new PvsEmulator({ localApi: true, model: "PVS6" });
    await local.start();
    try {
      await helper.load(NODE_MODULES, testFlow(local, [commNode()]));
      const got = nextMessages<Msg>(helper.getNode("out"));
      helper.getNode("comm").receive({});
      const [msg] = await got;
      assert.ok(local.count("vars") > 0 && local.count("Get_Comm") === 0, "read from the /net/ variables");
      assert.deepStrictEqual(Object.fromEntries(msg.payload.interfaces.map((i) => [i.name, i.connected])), {
        sta0: false,
        wan0: true,
        wan1: null,
        wwan0: false,
      });
      assert.strictEqual(msg.payload.system.interface, "wan0");
      assert.strictEqual(msg.payload.primary?.name, "wan0");
      assert.strictEqual(msg.payload.primary?.connected, true);
      assert.strictEqual(msg.payload.system.internet, true, "broadband_connected 1");
      const status = (helper.getNode("comm").status as unknown as sinon.SinonSpy).lastCall.args[0];
      assert.strictEqual(status.fill, "green");
      assert.match(status.text, /^wan0 · .*status\.internetUp/);
    } finally {
      await helper.unload();
      await local.stop();
    }
  });

  it("with 'only when changed', sends an unchanged answer once", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [commNode({ onlyOnChange: true })]));
    let sent = 0;
    helper.getNode("out").on("input", () => sent++);
    const comm = helper.getNode("comm");
    for (let i = 0; i < 3; i++) {
      comm.receive({});
      await settle(60);
    }
    assert.strictEqual(emulator.count("Get_Comm"), 3);
    assert.strictEqual(sent, 1);
  });

  it("sends every answer without the option", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [commNode()]));
    const got = nextMessages<Msg>(helper.getNode("out"), 2);
    helper.getNode("comm").receive({});
    await settle(60);
    helper.getNode("comm").receive({});
    assert.strictEqual((await got).length, 2);
  });

  // Its own default, 300 s (NODE_DEFAULTS), not pvs-device-list's 120 s that the shared polling code once fell back
  // to: a blank interval (the form allows spaces, an environment variable may be empty) is the default too.
  for (const [label, interval] of [
    ["without an interval", undefined],
    ["with a blank interval", "  "],
  ] as const) {
    it(`${label}, polls every ${NODE_DEFAULTS["pvs-comm"].interval} s, its own default (simulated clock)`, async () => {
      const clock = fakeClock();
      try {
        const node = Object.fromEntries(
          Object.entries(commNode({ interval })).filter(([, v]) => v !== undefined),
        ) as ReturnType<typeof commNode>;
        await helper.load(NODE_MODULES, testFlow(emulator, [node]));
        await advance(clock, emulator, { forMs: 1_300_000, idle: "next-timer" });
        const starts = emulator.requests.filter((r) => r.command === "Get_Comm").map((r) => r.startedAt);
        assert.ok(starts.length >= 4, `${starts.length} polls`);
        // The first poll comes at deploy, the next ones on the PVS's beat: after the second, exactly one interval
        // apart.
        const gaps = starts.slice(2).map((t, i) => Math.round((t - starts[i + 1]) / 1000));
        assert.deepStrictEqual(
          gaps,
          gaps.map(() => NODE_DEFAULTS["pvs-comm"].interval),
        );
      } finally {
        await helper.unload();
        clock.restore();
      }
    });
  }

  it("reports an answer without network status as PVS_BAD_RESPONSE", async () => {
    emulator.setFault({ kind: "body", body: '{"result":"succeed"}', commands: ["Get_Comm"] });
    await helper.load(NODE_MODULES, testFlow(emulator, [commNode()]));
    const caught = nextMessages<Msg>(helper.getNode("caught"));
    helper.getNode("comm").receive({});
    assert.strictEqual((await caught)[0].error?.code, "PVS_BAD_RESPONSE");
  });
});
