// The MQTT and Home Assistant example end to end: the flow as users import it (core mqtt out node, its broker
// pointed at a real Mosquitto), read back by a client that subscribes as Home Assistant does: every discovery
// config retained and valid per Home Assistant's rules, every state topic carrying a value, a redeploy that
// repeats nothing it should not, and a device that leaves the list marked unavailable.
import assert from "assert";
import fs from "fs";
import path from "path";
import { PvsEmulator } from "../../src/emulator/server";
import { FlowNode, NODE_MODULES } from "../support/flows";
import { deploy, helper, settle, until } from "../support/node-red";
import { coreNodes, MOSQUITTO, requireBinary, Service, startMosquitto } from "../support/services";

// MQTT.js (a devDependency; the same library Node-RED's mqtt nodes use) as the Home Assistant stand-in: Home Assistant
// is a separate MQTT client, not a Node-RED node.
const mqtt = require("mqtt") as typeof import("mqtt");

const EXAMPLE = path.resolve(__dirname, "../../examples/pvs-device-list/04 - MQTT and Home Assistant.json");
const START = Date.UTC(2025, 5, 21, 20, 0);

/**
 * Home Assistant's sensor rules, from homeassistant/components/sensor/const.py (home-assistant/core):
 * DEVICE_CLASS_UNITS (the units each device class accepts; only the ones of the classes we use, and for
 * apparent and reactive power the units every release accepts) and DEVICE_CLASS_STATE_CLASSES.
 */
const ALL_STATE_CLASSES = ["measurement", "total", "total_increasing"];
const DEVICE_CLASS_UNITS: Record<string, Array<string | undefined>> = {
  apparent_power: ["VA"],
  battery: ["%"],
  current: ["A", "mA"],
  data_size: [
    "bit",
    "kbit",
    "Mbit",
    "Gbit",
    "B",
    "kB",
    "MB",
    "GB",
    "TB",
    "PB",
    "EB",
    "ZB",
    "YB",
    "KiB",
    "MiB",
    "GiB",
    "TiB",
    "PiB",
    "EiB",
    "ZiB",
    "YiB",
  ],
  duration: ["d", "h", "min", "s", "ms"],
  energy: ["J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal", "Gcal"],
  enum: [undefined],
  frequency: ["Hz", "kHz", "MHz", "GHz"],
  humidity: ["%"],
  power: ["mW", "W", "kW", "MW", "GW", "TW"],
  power_factor: ["%", undefined],
  reactive_power: ["var"],
  temperature: ["°C", "°F", "K"],
  timestamp: [undefined],
  voltage: ["V", "mV", "µV", "kV", "MV"],
};
const DEVICE_CLASS_STATE_CLASSES: Record<string, string[]> = {
  apparent_power: ["measurement"],
  battery: ["measurement"],
  current: ["measurement"],
  data_size: ALL_STATE_CLASSES,
  duration: ALL_STATE_CLASSES,
  energy: ["total", "total_increasing"],
  enum: [],
  frequency: ["measurement"],
  humidity: ["measurement"],
  power: ["measurement"],
  power_factor: ["measurement"],
  reactive_power: ["measurement"],
  temperature: ["measurement"],
  timestamp: [],
  voltage: ["measurement"],
};

type Received = { topic: string; payload: string; retain: boolean };
type Config = {
  name?: string;
  unique_id?: string;
  state_topic?: string;
  device_class?: string;
  state_class?: string;
  unit_of_measurement?: string;
  options?: string[];
  availability?: Array<{ topic: string; payload_available?: string; payload_not_available?: string }>;
  device?: { identifiers?: string[]; name?: string };
};

/** A client that subscribes as Home Assistant does; what it received, in order. */
async function subscriber(port: number, topics: string[]): Promise<{ got: Received[]; end(): Promise<void> }> {
  const client = mqtt.connect({ host: "127.0.0.1", port, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  const got: Received[] = [];
  client.on("message", (topic, payload, packet) =>
    got.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  await client.subscribeAsync(topics, { qos: 0 });
  return { got, end: () => client.endAsync() };
}

/** Waits until nothing new arrived for `quietMs`. */
async function quiet(got: unknown[], quietMs = 300, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = -1;
  while (got.length !== last) {
    if (Date.now() > end) throw new Error("the broker never went quiet");
    last = got.length;
    await settle(quietMs);
  }
}

/** What a Home Assistant sensor config must be; the reasons it is not, else []. */
function problems(topic: string, config: Config): string[] {
  const out: string[] = [];
  // Discovery topic: <discovery_prefix>/<component>/[<node_id>/]<object_id>/config, ids of [a-zA-Z0-9_-].
  if (!/^homeassistant\/sensor\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\/config$/.test(topic)) out.push("topic");
  if (typeof config.name !== "string" || config.name.trim() === "" || config.name.includes("_"))
    out.push(`name ${JSON.stringify(config.name)}`);
  if (typeof config.unique_id !== "string" || !/^[a-z0-9_]+$/.test(config.unique_id)) out.push("unique_id");
  if (typeof config.state_topic !== "string") out.push("state_topic");
  if (!config.device?.identifiers?.length || !config.device.name) out.push("device");
  if (!config.availability?.length || config.availability.some((a) => typeof a.topic !== "string"))
    out.push("availability");
  const dc = config.device_class;
  if (dc !== undefined) {
    if (!(dc in DEVICE_CLASS_UNITS)) out.push(`device_class ${dc} not in the table`);
    else {
      if (!DEVICE_CLASS_UNITS[dc].includes(config.unit_of_measurement))
        out.push(`${dc} with unit ${config.unit_of_measurement}`);
      if (config.state_class !== undefined && !DEVICE_CLASS_STATE_CLASSES[dc].includes(config.state_class))
        out.push(`${dc} with state_class ${config.state_class}`);
    }
    if (dc === "enum" && !config.options?.length) out.push("enum without options");
  }
  if (config.state_class !== undefined && !ALL_STATE_CLASSES.includes(config.state_class))
    out.push(`state_class ${config.state_class}`);
  return out;
}

describe("services: the MQTT and Home Assistant example on a real Mosquitto, read as Home Assistant does", function () {
  this.timeout(40000);
  let broker: Service | null = null;
  let emulator: PvsEmulator | null = null;

  before(async function () {
    const bin = requireBinary(this, "Mosquitto", "mosquitto", MOSQUITTO);
    broker = await startMosquitto(bin);
  });
  after(async () => {
    await helper.unload();
    await emulator?.stop();
    await broker?.stop();
  });

  it("retains valid discovery for every entity, a value on every state topic, repeats nothing on redeploy, marks a gone device unavailable", async () => {
    assert.ok(broker);
    const port = broker.port;
    let clock = START;
    emulator = new PvsEmulator({ inverters: 3, localApi: true, storage: true, longitude: -117, now: () => clock });
    await emulator.start();

    // The example as imported: its PVS on the emulator, its broker on the test Mosquitto, its debug node a helper.
    const example = JSON.parse(fs.readFileSync(EXAMPLE, "utf8")) as FlowNode[];
    const inject = example.find((n) => n.type === "inject") as FlowNode;
    const flow = (): FlowNode[] => [
      { id: "tab", type: "tab", label: "example" },
      ...example
        .filter((n) => n.type !== "comment")
        .map((n): FlowNode => {
          if (n.type === "pvs-config")
            return {
              ...n,
              host: "127.0.0.1",
              port: emulator?.port,
              localPort: emulator?.httpsPort,
              telemetryPort: emulator?.telemetryPort,
              minSpacing: 0,
              deviceListEvery: 0,
            };
          if (n.type === "mqtt-broker") return { ...n, broker: "127.0.0.1", port: String(port) };
          if (n.type === "debug") return { id: n.id, type: "helper", z: "tab", x: n.x, y: n.y };
          return { ...n, z: "tab" };
        }),
    ];
    const ha = await subscriber(port, ["homeassistant/#", "pvs/#"]);
    await helper.load(
      [...NODE_MODULES, ...coreNodes("common/20-inject.js", "network/10-mqtt.js")] as Parameters<typeof helper.load>[0],
      flow(),
    );
    await until(() => ha.got.some((m) => m.topic.startsWith("pvs/site/")), 15000, "the poll at deploy on the broker");
    await quiet(ha.got);
    const firstDeploy = ha.got.length;

    // Home Assistant starting now: what the broker keeps is all it gets.
    const late = await subscriber(port, ["homeassistant/#", "pvs/#"]);
    await quiet(late.got);
    await late.end();
    assert.ok(
      late.got.every((m) => m.retain),
      "everything delivered to a new subscriber is retained",
    );
    const retained = new Map(late.got.map((m) => [m.topic, m.payload]));
    const configs = late.got.filter((m) => m.topic.startsWith("homeassistant/"));
    assert.ok(configs.length > 50, `${configs.length} discovery configs`);
    const parsed = configs.map((m) => ({ topic: m.topic, config: JSON.parse(m.payload) as Config }));
    const invalid = parsed
      .map((c) => ({ topic: c.topic, why: problems(c.topic, c.config) }))
      .filter((c) => c.why.length);
    assert.deepStrictEqual(invalid, [], "every config valid per Home Assistant's rules");
    const ids = parsed.map((c) => c.config.unique_id);
    assert.strictEqual(new Set(ids).size, ids.length, "unique ids unique");
    for (const { config } of parsed) {
      const state = retained.get(config.state_topic as string);
      assert.ok(
        state !== undefined && state !== "",
        `${config.unique_id}: its state topic ${config.state_topic} carries a value (${JSON.stringify(state)})`,
      );
      // A sensor with a unit or state class must have a numeric state (HA raises on anything else but its
      // "None" = unknown); an enum's state is one of its options; a timestamp's an ISO date with a time zone.
      if (config.device_class === "enum")
        assert.ok(config.options?.includes(state), `${config.unique_id}: ${state} in ${config.options?.join(",")}`);
      else if (config.device_class === "timestamp")
        assert.match(state, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, `${config.unique_id}`);
      else if (config.unit_of_measurement !== undefined || config.state_class !== undefined)
        assert.ok(
          state === "None" || Number.isFinite(Number(state)),
          `${config.unique_id}: numeric state, not ${JSON.stringify(state)}`,
        );
      for (const a of config.availability ?? [])
        assert.strictEqual(retained.get(a.topic), a.payload_available ?? "online", `${config.unique_id}: available`);
    }
    // The Energy dashboard's sensors: energy, total_increasing, kWh (what its source pickers list).
    const battery = parsed.filter((c) => c.config.device?.name?.startsWith("Energy Storage System"));
    const energy = [
      [parsed, "_site_import_kwh"],
      [parsed, "_site_export_kwh"],
      [parsed, "_site_production_kwh"],
      [battery, "_neg_ltea_3phsum_kwh"],
      [battery, "_pos_ltea_3phsum_kwh"],
    ] as const;
    for (const [list, suffix] of energy) {
      const c = list.find((p) => p.config.unique_id?.endsWith(suffix))?.config;
      assert.deepStrictEqual(
        [c?.device_class, c?.state_class, c?.unit_of_measurement],
        ["energy", "total_increasing", "kWh"],
        suffix,
      );
    }
    const byDevice = new Map<string, number>();
    for (const { config } of parsed)
      byDevice.set(config.device?.name as string, (byDevice.get(config.device?.name as string) ?? 0) + 1);
    process.stdout.write(
      `      Home Assistant: ${parsed.length} discovery configs checked, ${byDevice.size} devices: ${[...byDevice].map(([d, n]) => `${d} ${n}`).join(", ")}\n`,
    );

    // A second poll: states only, each once.
    const beforePoll = ha.got.length;
    clock += 300_000;
    helper.getNode(inject.id).receive({});
    await until(() => ha.got.length > beforePoll, 10000, "the second poll");
    await quiet(ha.got);
    const second = ha.got.slice(beforePoll);
    assert.deepStrictEqual(
      second.filter((m) => m.topic.startsWith("homeassistant/")),
      [],
      "no discovery while nothing changed",
    );
    assert.strictEqual(new Set(second.map((m) => m.topic)).size, second.length, "each state topic once per poll");

    // A full redeploy: the configs come once more, unchanged (so Home Assistant changes nothing), the states once.
    const beforeRedeploy = ha.got.length;
    await deploy(flow());
    await until(
      () => ha.got.slice(beforeRedeploy).some((m) => m.topic.startsWith("pvs/site/")),
      15000,
      "the poll after the redeploy",
    );
    await quiet(ha.got);
    const redeployed = ha.got.slice(beforeRedeploy);
    const counts = new Map<string, number>();
    for (const m of redeployed) counts.set(m.topic, (counts.get(m.topic) ?? 0) + 1);
    assert.deepStrictEqual(
      [...counts].filter(([, n]) => n > 1),
      [],
      "no topic published twice after a redeploy",
    );
    for (const m of redeployed.filter((r) => r.topic.startsWith("homeassistant/")))
      assert.strictEqual(m.payload, retained.get(m.topic), `${m.topic}: the same config`);
    const afterRedeploy = ha.got.length;
    clock += 300_000;
    helper.getNode(inject.id).receive({});
    await until(() => ha.got.length > afterRedeploy, 10000, "the poll after the redeploy's");
    await quiet(ha.got);
    assert.deepStrictEqual(
      ha.got.slice(afterRedeploy).filter((m) => m.topic.startsWith("homeassistant/")),
      [],
      "and then no discovery again",
    );

    // An inverter leaves the list: its entities are unavailable (retained), not left showing the last value.
    const gone = "E00122000000002";
    emulator.editDeviceList = (answer) => {
      answer.devices = answer.devices.filter((d) => d.SERIAL !== gone);
    };
    const beforeGone = ha.got.length;
    clock += 300_000;
    helper.getNode(inject.id).receive({});
    await until(() => ha.got.length > beforeGone, 10000, "the poll without the inverter");
    await quiet(ha.got);
    const availability = `pvs/inverter/${gone.toLowerCase()}/availability`;
    const now = await subscriber(port, [availability, "homeassistant/sensor/pvs_e00122000000002/#"]);
    await quiet(now.got);
    await now.end();
    assert.strictEqual(now.got.find((m) => m.topic === availability)?.payload, "offline");
    const itsConfigs = now.got.filter((m) => m.topic.startsWith("homeassistant/"));
    assert.ok(itsConfigs.length >= 3, "its configs are kept (Home Assistant keeps the device, unavailable)");
    assert.ok(
      itsConfigs.every((m) => (JSON.parse(m.payload) as Config).availability?.[0].topic === availability),
      "and point at that availability",
    );
    assert.ok(
      !ha.got
        .slice(beforeGone)
        .some((m) => m.topic.startsWith(`pvs/inverter/${gone.toLowerCase()}/`) && m.topic !== availability),
      "no state sent for it",
    );
    await ha.end();
    process.stdout.write(`      MQTT: ${firstDeploy} messages on the first poll\n`);
  });
});
