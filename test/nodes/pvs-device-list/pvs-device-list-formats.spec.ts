// pvs-device-list's output formats in the real Node-RED runtime against the emulator: the device list
// unchanged by default, InfluxDB batch points, MQTT topics, and Home Assistant discovery on the first poll
// and when the devices change.
import assert from "assert";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../../src/emulator/server";
import { DeviceListPayload } from "../../../src/model/device-list-output";
import { InfluxPoint } from "../../../src/model/formats/influx";
import { mqttStateMessages } from "../../../src/model/formats/mqtt";
import { CHUNK_SIZE } from "../../../src/node-red/chunked-send";
import { helper, nextMessages, settle, until } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";

type ListMsg = NodeMessage & { payload: DeviceListPayload };
type Config = Record<string, unknown> & { device: { identifiers: string[]; via_device?: string } };

const SECRET = "ABCDE";

describe("pvs-device-list output formats (real Node-RED runtime, emulator over HTTP)", function () {
  this.timeout(20000);
  let emulator: PvsEmulator;
  /** A test that compares stamps with the emulator's answer stops the emulator's clock, so both are one instant. */
  let frozenAt: number | null = null;

  beforeEach(async () => {
    frozenAt = null;
    emulator = new PvsEmulator({ inverters: 3, now: () => frozenAt ?? Date.now() });
    await emulator.start();
  });
  afterEach(async () => {
    await helper.unload();
    await emulator.stop();
  });

  const listNode = (extra: Record<string, unknown> = {}) => ({
    id: "list",
    type: "pvs-device-list",
    server: "cfg",
    interval: 0,
    ...extra,
  });

  /** Collects what the "out" helper receives. */
  function collect(): NodeMessage[] {
    const got: NodeMessage[] = [];
    helper.getNode("out").on("input", (m) => got.push(m));
    return got;
  }

  /** Polls and waits until the node's status says the poll is over (after its last chunk). */
  async function poll(got: NodeMessage[], more = 1): Promise<NodeMessage[]> {
    const before = got.length;
    const statusCalls = (helper.getNode("list").status as unknown as { callCount: number }).callCount;
    helper.getNode("list").receive({ payload: "go", keep: "me" } as NodeMessage);
    // polling… then the result: two status calls; then the runtime delivers the last messages.
    await until(
      () =>
        (helper.getNode("list").status as unknown as { callCount: number }).callCount >= statusCalls + 2 &&
        got.length >= before + more,
      10000,
      "the poll",
    );
    await settle(20);
    return got.slice(before);
  }

  it("sends the device list, unchanged, when the output is the default or 'device list'", async () => {
    // Two nodes on one PVS share one request; one has no output setting (a flow from before), one "list".
    emulator.delayMs = 50;
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [
        listNode(),
        listNode({ id: "list2", output: "list", wires: [["out2"]] }),
        { id: "out2", type: "helper", z: "tab", x: 300, y: 300 },
      ]),
    );
    const a = nextMessages<ListMsg>(helper.getNode("out"));
    const b = nextMessages<ListMsg>(helper.getNode("out2"));
    helper.getNode("list").receive({ payload: "go", keep: "me" } as NodeMessage);
    helper.getNode("list2").receive({ payload: "go", keep: "me" } as NodeMessage);
    const [[one], [two]] = await Promise.all([a, b]);
    assert.strictEqual(emulator.count("DeviceList"), 1);
    const shape = (m: ListMsg) => ({
      keys: Object.keys(m)
        .filter((k) => k !== "_msgid")
        .sort(),
      payload: Object.keys(m.payload),
      devices: m.payload.devices.length,
      topic: m.topic,
    });
    assert.deepStrictEqual(shape(one), shape(two));
    assert.deepStrictEqual(shape(one).keys, ["keep", "payload", "pvs", "topic"]);
    assert.deepStrictEqual(one.payload.devices, two.payload.devices);
    assert.strictEqual(one.topic, "pvs/device-list");
  });

  it("InfluxDB batch: one message whose payload is the points, stamped with each device's data time", async () => {
    frozenAt = Date.now();
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [listNode({ output: "influx", units: "si", topic: "solar/points" })]),
    );
    const got = collect();
    const [msg] = await poll(got);
    assert.strictEqual(got.length, 1, "one message per poll");
    assert.strictEqual(msg.topic, "solar/points");
    assert.strictEqual(msg.keep, "me", "the input's other properties are carried, as with the device list");
    assert.strictEqual((msg.pvs as { api: string }).api, "legacy");
    const points = msg.payload as InfluxPoint[];
    assert.ok(Array.isArray(points));
    assert.deepStrictEqual(
      points.map((p) => p.measurement),
      ["pvs_supervisor", "pvs_meter", "pvs_meter", "pvs_inverter", "pvs_inverter", "pvs_inverter", "pvs_site"],
    );
    const answer = emulator.site.deviceList().devices;
    for (const p of points.slice(0, 6)) {
      // A Date still after the runtime's message cloning: what the batch node converts for any precision.
      assert.ok(p.timestamp instanceof Date, `${p.measurement} timestamp is a Date`);
      assert.ok(Object.keys(p.fields).length > 0 && Object.values(p.fields).every((v) => typeof v === "number"));
      const raw = answer.find(
        (d) => d.SERIAL === p.tags.serial || (p.tags.serial.endsWith("*****") && d.DEVICE_TYPE === "PVS"),
      );
      const [y, mo, d, h, mi, s] = String(raw?.DATATIME).split(",").map(Number);
      assert.strictEqual(p.timestamp?.getTime(), Date.UTC(y, mo - 1, d, h, mi, s), `${p.tags.serial}: its DATATIME`);
    }
    assert.strictEqual(typeof points[3].fields.p_3phsum_w, "number", "SI names");
    assert.deepStrictEqual(Object.keys(points[3].tags).sort(), ["device_type", "model", "serial"]);
    assert.ok(!JSON.stringify(points).includes(SECRET));
  });

  it("MQTT: one retained message per topic, plain topic/payload/retain for an mqtt out node, nothing else carried", async () => {
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [
        listNode({ output: "mqtt", prefix: "home/pv/" }),
        listNode({ id: "ref", wires: [["ref-out"]] }),
        { id: "ref-out", type: "helper", z: "tab", x: 300, y: 300 },
      ]),
    );
    const got = collect();
    const reference = nextMessages<ListMsg>(helper.getNode("ref-out"));
    helper.getNode("ref").receive({});
    const [list] = await reference;
    const messages = await poll(got, 50);
    const expected = [...mqttStateMessages(list.payload, { prefix: "home/pv" })].map((m) => m.topic);
    assert.deepStrictEqual(new Set(messages.map((m) => m.topic)), new Set(expected));
    assert.strictEqual(messages.length, expected.length, "each topic once per poll");
    for (const m of messages) {
      assert.deepStrictEqual(
        Object.keys(m)
          .filter((k) => k !== "_msgid")
          .sort(),
        ["payload", "retain", "topic"],
      );
      assert.strictEqual(m.retain, true);
      // What the mqtt out node accepts as a publish topic, and a payload it sends as text.
      assert.ok(typeof m.topic === "string" && m.topic.length > 0 && !/[+#\b\f\n\r\t\v\0]/.test(m.topic), m.topic);
      assert.ok(typeof m.payload === "number" || typeof m.payload === "string", m.topic);
    }
    const byTopic = new Map(messages.map((m) => [m.topic, m.payload]));
    assert.strictEqual(byTopic.get("home/pv/supervisor/zt01234567890/availability"), "online");
    assert.strictEqual(typeof byTopic.get("home/pv/inverter/e00122000000001/p_3phsum_kw"), "number");
    assert.strictEqual(typeof byTopic.get("home/pv/site/zt01234567890/production_kw"), "number");
    assert.ok(!JSON.stringify(messages).includes(SECRET) && !JSON.stringify(messages).includes("*"));
    const status = (
      helper.getNode("list").status as unknown as { lastCall: { args: [{ fill: string; text: string }] } }
    ).lastCall.args[0];
    assert.strictEqual(status.fill, "green");
    assert.match(status.text, /status\.inverters/);
  });

  it("MQTT + Home Assistant: discovery on the first poll, then only the states, and again when a device appears", async () => {
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [listNode({ output: "homeassistant", interval: 0, discoveryPrefix: "ha" })]),
    );
    const got = collect();
    const first = await poll(got, 50);
    const discovery = first.filter((m) => m.topic?.startsWith("ha/"));
    const states = first.filter((m) => m.topic?.startsWith("pvs/"));
    assert.strictEqual(discovery.length + states.length, first.length);
    assert.ok(discovery.length > 40, `${discovery.length} discovery messages`);
    // Discovery first, then the states.
    assert.ok(first.findIndex((m) => m.topic?.startsWith("pvs/")) === discovery.length);
    assert.ok(first.every((m) => m.retain === true));
    for (const m of discovery) assert.match(m.topic as string, /^ha\/sensor\/pvs_[a-z0-9_]+\/[a-z0-9_]+\/config$/);
    const configs = discovery.map((m) => m.payload as Config);
    // The PVS, both meters and every panel appear, each a device; meters and panels hang under the PVS.
    const devices = new Map(configs.map((c) => [c.device.identifiers[0], c.device.via_device]));
    assert.deepStrictEqual([...devices.keys()].sort(), [
      "pvs_e00122000000001",
      "pvs_e00122000000002",
      "pvs_e00122000000003",
      "pvs_pvs6m01234567c",
      "pvs_pvs6m01234567p",
      "pvs_zt01234567890",
    ]);
    assert.ok(
      [...devices.entries()].every(([id, via]) =>
        id === "pvs_zt01234567890" ? via === undefined : via === "pvs_zt01234567890",
      ),
    );
    // Interval 0: sensors never expire (nothing would refresh them on a timer).
    assert.ok(configs.every((c) => !("expire_after" in c)));
    const stateTopics = new Set(states.map((m) => m.topic));
    assert.ok(
      configs.every((c) => stateTopics.has(c.state_topic as string)),
      "every sensor's state is published",
    );
    assert.ok(!JSON.stringify(first).includes(SECRET) && !JSON.stringify(first).includes("*"));

    const second = await poll(got, states.length);
    assert.strictEqual(
      second.filter((m) => m.topic?.startsWith("ha/")).length,
      0,
      "no discovery while nothing changed",
    );
    assert.strictEqual(second.length, states.length);

    emulator.editDeviceList = (answer) => {
      const inverter = answer.devices.find((d) => d.DEVICE_TYPE === "Inverter");
      answer.devices.push({ ...inverter, SERIAL: "E00122000000009" });
    };
    const third = await poll(got, states.length);
    const announced = third.filter((m) => m.topic?.startsWith("ha/"));
    assert.ok(
      announced.length > 5 && announced.every((m) => (m.topic as string).startsWith("ha/sensor/pvs_e00122000000009/")),
      announced.map((m) => m.topic).join(", "),
    );
  });

  it("MQTT + Home Assistant: sensors expire after three polls (at least 65 minutes: the night watch) without news", async () => {
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode({ output: "homeassistant", interval: 1800 })]));
    const got = collect();
    await until(() => got.some((m) => m.topic?.startsWith("pvs/site/")), 10000, "the poll at deploy");
    const config = got.find((m) => m.topic?.startsWith("homeassistant/sensor/"))?.payload as Config;
    assert.strictEqual(config.expire_after, 5400);
  });

  it("sends a large site's MQTT messages in chunks, yielding to the event loop, and stops them on close", async () => {
    await emulator.stop();
    emulator = new PvsEmulator({ inverters: 300 });
    await emulator.start();
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode({ output: "mqtt" })]));
    const got = collect();
    const messages = await poll(got, 3000);
    const sends = (helper.getNode("list").send as unknown as { callCount: number }).callCount;
    assert.ok(messages.length > 3000, `${messages.length} messages`);
    assert.strictEqual(sends, Math.ceil(messages.length / CHUNK_SIZE), `${sends} sends of at most ${CHUNK_SIZE}`);

    // Close while a poll is being sent: the rest is not sent, and nothing is left running.
    const before = got.length;
    helper.getNode("list").receive({});
    await until(() => got.length > before, 10000, "the second poll's first chunk");
    await helper.unload();
    const afterClose = got.length;
    await settle(100);
    assert.strictEqual(got.length, afterClose, "nothing after close");
    assert.ok(afterClose - before < messages.length, "the send stopped part way");
  });
});
