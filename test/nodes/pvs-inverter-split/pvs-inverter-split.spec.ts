import assert from "assert";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../../src/emulator/server";
import { Device, DeviceList as DeviceListPayload } from "../../../src/model/device";
import { normalizeDeviceList } from "../../../src/model/legacy-device-list";
import { helper, nextMessages, settle, until } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";
import { emulatorPerTest } from "../../support/emulator-per-test";

type Msg = NodeMessage & {
  payload: Device;
  deviceType: string;
  parts: { index: number; count: number; id: string };
  error?: { code?: string };
};

describe("pvs-inverter-split node", function () {
  this.timeout(20000);
  const { emulator } = emulatorPerTest({ inverters: 3 });

  it("sends one message per inverter from a pvs-device-list node, topic <prefix>/inverter/<serial>", async () => {
    const flow = testFlow(emulator, [
      { id: "list", type: "pvs-device-list", server: "cfg", interval: 0, wires: [["split"]] },
      {
        id: "split",
        type: "pvs-inverter-split",
        topicPrefix: "home/pv",
        splitInverters: true,
        outputMode: "single",
        outputs: 1,
      },
    ]);
    await helper.load(NODE_MODULES, flow);
    const got = nextMessages<Msg>(helper.getNode("out"), 3);
    helper.getNode("list").receive({});
    const msgs = await got;
    assert.deepStrictEqual(
      msgs.map((m) => m.topic),
      ["home/pv/inverter/E00122000000001", "home/pv/inverter/E00122000000002", "home/pv/inverter/E00122000000003"],
    );
    assert.deepStrictEqual(
      msgs.map((m) => m.parts.index),
      [0, 1, 2],
    );
    assert.ok(msgs.every((m) => m.parts.count === 3 && m.deviceType === "Inverter"));
    assert.strictEqual(typeof msgs[0].payload.metrics.p_3phsum_kw, "number");
    assert.notStrictEqual(msgs[0].payload, msgs[1].payload);
  });

  it("takes the topic prefix from the message, context or environment when set so (TypedInput)", async () => {
    const payload = normalizeDeviceList(emulator.site.deviceList());
    process.env.PVS_TEST_PREFIX = "site/env";
    try {
      await helper.load(
        NODE_MODULES,
        testFlow(emulator, [
          {
            id: "fromMsg",
            type: "pvs-inverter-split",
            topicPrefix: "site",
            topicPrefixType: "msg",
            splitInverters: true,
            outputMode: "single",
            outputs: 1,
          },
          {
            id: "fromEnv",
            type: "pvs-inverter-split",
            topicPrefix: "PVS_TEST_PREFIX",
            topicPrefixType: "env",
            splitInverters: true,
            outputMode: "single",
            outputs: 1,
          },
        ]),
      );
      const got = nextMessages<Msg>(helper.getNode("out"), 6);
      helper.getNode("fromMsg").receive({ payload, site: "home/east" } as unknown as NodeMessage);
      helper.getNode("fromEnv").receive({ payload } as unknown as NodeMessage);
      const topics = (await got).map((m) => m.topic as string);
      assert.strictEqual(topics.filter((t) => t.startsWith("home/east/inverter/")).length, 3);
      assert.strictEqual(topics.filter((t) => t.startsWith("site/env/inverter/")).length, 3);
      const caught = nextMessages<Msg>(helper.getNode("caught"));
      helper.getNode("fromMsg").receive({ payload, site: "home/#" } as unknown as NodeMessage);
      assert.strictEqual(
        (await caught)[0].error?.code,
        "PVS_BAD_INPUT",
        "an MQTT wildcard from the message is refused",
      );
    } finally {
      delete process.env.PVS_TEST_PREFIX;
    }
  });

  it("splits per device type onto four outputs when asked", async () => {
    const payload = normalizeDeviceList(emulator.site.deviceList());
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [
        {
          id: "split",
          type: "pvs-inverter-split",
          splitInverters: true,
          splitMeters: true,
          splitSupervisor: true,
          splitOther: true,
          outputMode: "perType",
          outputs: 4,
          wires: [["inv"], ["met"], ["sup"], ["oth"]],
        },
        { id: "inv", type: "helper" },
        { id: "met", type: "helper" },
        { id: "sup", type: "helper" },
        { id: "oth", type: "helper" },
      ]),
    );
    const seen: Record<string, string[]> = { inv: [], met: [], sup: [], oth: [] };
    for (const id of Object.keys(seen)) helper.getNode(id).on("input", (m) => seen[id].push(m.topic as string));
    helper.getNode("split").receive({ payload } as NodeMessage);
    await until(() => seen.inv.length === 3 && seen.met.length === 2 && seen.sup.length === 1);
    assert.deepStrictEqual(seen.met, ["pvs/meter/PVS6M01234567p", "pvs/meter/PVS6M01234567c"]);
    assert.deepStrictEqual(seen.sup, ["pvs/supervisor/ZT01234567890*****"]);
    assert.deepStrictEqual(seen.oth, []);
  });

  it("sends 250 inverters in chunks, yielding to the event loop between them", async () => {
    const big = new PvsEmulator({ inverters: 250 });
    const payload: DeviceListPayload = normalizeDeviceList(big.site.deviceList());
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "split", type: "pvs-inverter-split", outputMode: "single", outputs: 1 }]),
    );
    let received = 0;
    helper.getNode("out").on("input", () => received++);
    helper.getNode("split").receive({ payload } as NodeMessage);
    await until(() => received === 250, 10000, "250 messages");
    const sends = (helper.getNode("split").send as unknown as { callCount: number }).callCount;
    assert.ok(sends >= 5, `sent in ${sends} chunks`);
  });

  it("sends all or nothing: a device it cannot copy at #55 of 60 sends no message and fails with PVS_SPLIT_FAILED", async () => {
    const big = new PvsEmulator({ inverters: 60 });
    const payload: DeviceListPayload = normalizeDeviceList(big.site.deviceList());
    const inverters = payload.devices.filter((d) => d.category === "inverter");
    assert.strictEqual(inverters.length, 60);
    // A function cannot be cloned (structuredClone): what a flow that put one into the payload would hit.
    (inverters[54] as unknown as Record<string, unknown>).callback = () => 1;
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "split", type: "pvs-inverter-split", outputMode: "single", outputs: 1 }]),
    );
    let received = 0;
    helper.getNode("out").on("input", () => received++);
    const caught = nextMessages<Msg>(helper.getNode("caught"));
    helper.getNode("split").receive({ payload } as NodeMessage);
    const [error] = await caught;
    await settle(50);
    assert.strictEqual(received, 0, "no part of the split went out");
    // The send spy is on Node.prototype: count only the split's own calls.
    const split = helper.getNode("split");
    const sends = (split.send as unknown as { getCalls(): Array<{ thisValue: unknown }> })
      .getCalls()
      .filter((c) => c.thisValue === split);
    assert.strictEqual(sends.length, 0, "send was never called");
    assert.strictEqual(error.error?.code, "PVS_SPLIT_FAILED");
    assert.match((error.error as { message?: string }).message ?? "", /device 55 of 60 .*none was sent/);
    const status = (split.status as unknown as { lastCall: { args: [{ fill?: string; text?: string }] } }).lastCall
      .args[0];
    assert.strictEqual(status.fill, "red");
    assert.match(status.text ?? "", /status\.splitFailed/);
    // The next good message is split as usual.
    delete (inverters[54] as unknown as Record<string, unknown>).callback;
    split.receive({ payload } as NodeMessage);
    await until(() => received === 60, 5000, "60 messages");
  });

  it("sends a device of an unknown type on the 'other' output with its type in the topic", async () => {
    const payload = normalizeDeviceList({
      devices: [{ DEVICE_TYPE: "Energy Storage System", SERIAL: "00001ABC1234_0123" }],
    });
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [
        {
          id: "split",
          type: "pvs-inverter-split",
          splitInverters: false,
          splitOther: true,
          outputMode: "single",
          outputs: 1,
        },
      ]),
    );
    const got = nextMessages<Msg>(helper.getNode("out"));
    helper.getNode("split").receive({ payload } as NodeMessage);
    assert.strictEqual((await got)[0].topic, "pvs/energy-storage-system/00001ABC1234_0123");
  });

  it("rejects a message that is not a device list with PVS_BAD_INPUT", async () => {
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "split", type: "pvs-inverter-split", outputMode: "single", outputs: 1 }]),
    );
    const caught = nextMessages<Msg>(helper.getNode("caught"), 2);
    helper.getNode("split").receive({ payload: "hello" } as NodeMessage);
    helper.getNode("split").receive({ payload: { devices: [null] } } as NodeMessage);
    const [a, b] = await caught;
    assert.strictEqual(a.error?.code, "PVS_BAD_INPUT");
    assert.strictEqual(b.error?.code, "PVS_BAD_INPUT");
  });
});
