// Control and bidirectional characters in serials, models and types: cleaned where they enter the model, and
// every format safe on its own (a payload built elsewhere). NUL is not allowed in an MQTT topic (MQTT 3.1.1
// section 4.7.3), a newline ends an InfluxDB line-protocol point, and Home Assistant shows names as they are.
import assert from "assert";
import { escape } from "influx";
import { Device } from "../../src/model/device";
import { DeviceListPayload } from "../../src/model/device-list-output";
import { normalizeVars } from "../../src/model/localapi-device-list";
import { influxPoints, InfluxPoint } from "../../src/model/formats/influx";
import { DiscoveryTracker } from "../../src/model/formats/homeassistant";
import { mqttStateMessages } from "../../src/model/formats/mqtt";
import { cleanIdentifier, hasControlCharacters } from "../../src/model/identifiers";
import { SiteMemory } from "../../src/model/site-memory";
import { fixture } from "../fixtures/load";
import { analyze } from "../support/site";

type Raw = { devices: Array<Record<string, unknown>> };

/** Serials as a hostile or broken firmware could send them. */
const HOSTILE_INVERTER = "E001\u0000\u202e22000000001\n,measurement=evil";
const HOSTILE_MODEL = "AC_Module\n_Type_E\u0085\u2066";
/** The supervisor's serial with a NUL inside: its last five characters (the password) must never show. */
const SUPERVISOR = "ZT2222850\u00000549W1234";

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

function hostilePayload(): DeviceListPayload {
  const raw = fixture("pvs6-2024-device-list") as Raw;
  const inverter = raw.devices.find((d) => d.DEVICE_TYPE === "Inverter")!;
  inverter.SERIAL = HOSTILE_INVERTER;
  inverter.MODEL = HOSTILE_MODEL;
  const meter = raw.devices.find((d) => d.DEVICE_TYPE === "Power Meter")!;
  meter.MODEL = "PVS6M0400p\r\n";
  raw.devices.find((d) => d.DEVICE_TYPE === "PVS")!.SERIAL = SUPERVISOR;
  return analyze(SiteMemory.create(), raw);
}

/** The same damage done to a payload after the model (a user's function node, an older version's output). */
function damagedPayload(): DeviceListPayload {
  const payload = hostilePayload();
  const d = payload.devices.find((x) => x.category === "inverter") as Device;
  Object.assign(d, {
    serial: HOSTILE_INVERTER,
    model: HOSTILE_MODEL,
    label: "East\nroof\u202e",
    category: "inv\u0000",
  });
  const other = payload.devices.find((x) => x.category === "meter") as Device;
  other.deviceType = "Power\u0000Meter";
  (payload.supervisor as Device).serial = "ZT\u202e22285000549*****";
  return payload;
}

/** A topic the MQTT spec allows a publisher: no NUL, no wildcard, no control, no bidirectional override. */
function assertTopic(topic: string): void {
  assert.ok(!UNSAFE.test(topic) && !/[+#]/.test(topic) && topic !== "", JSON.stringify(topic));
}

/** node-influx's line protocol for the points (its writePoints, with its own escaping). */
function lineProtocol(points: InfluxPoint[]): string {
  return points
    .map((p) => {
      const tags = Object.entries(p.tags).map(([k, v]) => `,${escape.tag(k)}=${escape.tag(v)}`);
      const fields = Object.entries(p.fields).map(([k, v]) => `${escape.tag(k)}=${v}`);
      return `${escape.measurement(p.measurement)}${tags.join("")} ${fields.join(",")}`;
    })
    .join("\n");
}

/** Every string in a JSON value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
}

for (const [label, payloadOf] of [
  ["cleaned where they enter the model", hostilePayload],
  ["a format alone, on a damaged payload", damagedPayload],
] as const) {
  describe(`model/identifiers: control characters in serials and models, ${label}`, () => {
    it("MQTT: every topic is a valid topic", () => {
      const messages = [...mqttStateMessages(payloadOf())];
      assert.ok(messages.length > 20);
      for (const m of messages) assertTopic(m.topic);
    });

    it("InfluxDB: one line per point, tags and field keys without controls", () => {
      const points = influxPoints(payloadOf());
      const lines = lineProtocol(points).split("\n");
      assert.strictEqual(lines.length, points.length);
      for (const line of lines) assert.ok(!UNSAFE.test(line), JSON.stringify(line));
      const measurements = new Set(points.map((p) => p.measurement));
      for (const line of lines) assert.ok(measurements.has(line.slice(0, line.search(/[ ,]/))), line);
    });

    it("Home Assistant: topics, ids and every text of the configs are clean", () => {
      const messages = [...new DiscoveryTracker().update(payloadOf()).messages];
      assert.ok(messages.length > 20);
      for (const m of messages) {
        assertTopic(m.topic);
        for (const s of strings(m.payload)) assert.ok(!UNSAFE.test(s), JSON.stringify(s));
      }
    });
  });
}

describe("model/identifiers: the model's devices", () => {
  it("the legacy list carries clean serials and models; the supervisor's stays masked", () => {
    const payload = hostilePayload();
    const inverter = payload.devices.find((d) => d.category === "inverter")!;
    assert.strictEqual(inverter.serial, cleanIdentifier(HOSTILE_INVERTER));
    assert.strictEqual(inverter.serial, "E001  22000000001 ,measurement=evil");
    assert.strictEqual(inverter.model, "AC_Module _Type_E");
    assert.strictEqual(payload.supervisor?.serial, "ZT2222850 0549*****");
    const text = JSON.stringify(payload);
    assert.ok(!text.includes("W1234"), "the password never shows");
    for (const s of strings(payload.devices.map((d) => [d.serial, d.model, d.deviceType])))
      assert.ok(!hasControlCharacters(s), JSON.stringify(s));
  });

  it("the LocalAPI's varserver devices and supervisor are cleaned the same way", () => {
    const { list } = normalizeVars({
      devices: {
        "/sys/devices/inverter/0/sn": HOSTILE_INVERTER,
        "/sys/devices/inverter/0/prodMdlNm": HOSTILE_MODEL,
        "/sys/devices/inverter/0/p3phsumKw": "0.2",
      },
      live: {},
      system: { "/sys/info/serialnum": SUPERVISOR, "/sys/info/model": "PVS6\u202e" },
    });
    const inverter = list.devices.find((d) => d.category === "inverter")!;
    assert.deepStrictEqual([inverter.serial, inverter.model], [cleanIdentifier(HOSTILE_INVERTER), "AC_Module _Type_E"]);
    assert.deepStrictEqual(
      [list.supervisor?.serial, list.supervisor?.model],
      ["ZT2222850 0549*****", "PV Supervisor PVS6"],
    );
  });

  it("cleanIdentifier keeps real text: accents, CJK, emoji", () => {
    for (const s of ["Wechselrichter Süd", "東の屋根", "Roof ☀️ 3"]) assert.strictEqual(cleanIdentifier(s), s);
    assert.strictEqual(cleanIdentifier("a\ud800b"), "a b", "a lone surrogate is not text");
  });
});
