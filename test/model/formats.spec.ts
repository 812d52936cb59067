// The output formats as pure functions: InfluxDB batch points and MQTT state topics, from real answers in
// both unit systems.
import assert from "assert";
import { DeviceListPayload } from "../../src/model/device-list-output";
import { deviceId, pvsUnitName, safeId, topicPrefix } from "../../src/model/formats/common";
import { influxPoints, InfluxPoint, measurementPrefix } from "../../src/model/formats/influx";
import { mqttStateMessages } from "../../src/model/formats/mqtt";
import { SiteMemory } from "../../src/model/site-memory";
import { fixture } from "../fixtures/load";
import { analyze } from "../support/site";

/**
 * The 2024 PVS6 answer: supervisor ZT222285000549W1234 (the password is W1234), two meters on a net CT, three
 * inverters.
 */
const FIXTURE = "pvs6-2024-device-list";
const SECRET = "W1234";
const payloadOf = (
  units: "pvs" | "si" = "pvs",
  edit?: (raw: { devices: Array<Record<string, unknown>> }) => void,
): DeviceListPayload => {
  const raw = fixture(FIXTURE);
  edit?.(raw);
  return analyze(SiteMemory.create(), raw, units);
};

/** The contract of node-red-contrib-influxdb's batch node (its README and influxdb.js): what every point must be. */
function assertBatchPoint(p: InfluxPoint): void {
  assert.deepStrictEqual(
    Object.keys(p).filter((k) => !["measurement", "tags", "fields", "timestamp"].includes(k)),
    [],
  );
  assert.ok(typeof p.measurement === "string" && /^[a-z0-9_]+$/.test(p.measurement), p.measurement);
  // Fields: at least one (InfluxDB refuses a point without), numbers only (the 2.x path writes numbers as
  // floats and drops anything else; the 1.x client would write null as text), never the reserved `time`.
  assert.ok(Object.keys(p.fields).length > 0, p.measurement);
  for (const [k, v] of Object.entries(p.fields))
    assert.ok(typeof v === "number" && Number.isFinite(v) && k !== "time", `${p.measurement}.${k}`);
  for (const [k, v] of Object.entries(p.tags))
    assert.ok(typeof v === "string" && v.trim() !== "", `${p.measurement} tag ${k}`);
  // A Date: the batch node converts it for any precision; a number would be read as nanoseconds by default.
  if (p.timestamp !== undefined) assert.ok(p.timestamp instanceof Date && Number.isFinite(p.timestamp.getTime()));
}

describe("model/formats/common: identifiers and prefixes", () => {
  it("sanitises serials to [a-z0-9_]: the supervisor's mask never reaches an id", () => {
    assert.strictEqual(safeId("ZT222285000549*****"), "zt222285000549");
    assert.strictEqual(safeId("SY2108850-005505.00448"), "sy2108850_005505_00448");
    assert.strictEqual(safeId("  E00122052100000 "), "e00122052100000");
    assert.strictEqual(safeId("***"), "");
    assert.strictEqual(deviceId({ serial: null }), null);
    assert.strictEqual(deviceId({ serial: "*****" }), null);
    assert.strictEqual(deviceId({ serial: "PVS6M22283193p" }), "pvs6m22283193p");
  });

  it("cleans topic prefixes: no wildcards, no spaces, no slash at either end, a default when empty", () => {
    assert.strictEqual(topicPrefix(undefined, "pvs"), "pvs");
    assert.strictEqual(topicPrefix("  ", "pvs"), "pvs");
    assert.strictEqual(topicPrefix("/home/solar/", "pvs"), "home/solar");
    assert.strictEqual(topicPrefix("home//pv #1/+", "pvs"), "home/pv_1/_");
    assert.strictEqual(measurementPrefix("home/solar"), "home_solar");
    assert.strictEqual(measurementPrefix(""), "pvs");
  });

  it("maps SI metric names back to the PVS's names", () => {
    assert.deepStrictEqual(
      ["p_3phsum_w", "ltea_3phsum_wh", "q_3phsum_var", "s_3phsum_va", "p_3phsum_kw", "freq_hz"].map(pvsUnitName),
      ["p_3phsum_kw", "ltea_3phsum_kwh", "q_3phsum_kvar", "s_3phsum_kva", "p_3phsum_kw", "freq_hz"],
    );
  });
});

describe("model/formats/influx: points for node-red-contrib-influxdb's batch node", () => {
  it("gives each device one point: measurement by category, tags, its measurements, stamped with its data time", () => {
    const p = payloadOf();
    const points = influxPoints(p);
    assert.deepStrictEqual(
      points.map((x) => x.measurement),
      ["pvs_supervisor", "pvs_meter", "pvs_meter", "pvs_inverter", "pvs_inverter", "pvs_inverter", "pvs_site"],
    );
    const consumption = points[2];
    assert.deepStrictEqual(consumption, {
      measurement: "pvs_meter",
      tags: { serial: "PVS6M22283193c", device_type: "Power Meter", model: "PVS6M0400c", role: "consumption" },
      fields: {
        ct_scl_fctr: 100,
        net_ltea_3phsum_kwh: -1205.7,
        p_3phsum_kw: -3.0335,
        q_3phsum_kvar: -1.2216,
        s_3phsum_kva: 3.4016,
        tot_pf_rto: -0.4696,
        freq_hz: 60.01,
        i1_a: 13.92,
        i2_a: 12.33,
        neg_ltea_3phsum_kwh: 27202.26,
        pos_ltea_3phsum_kwh: 25996.56,
        p1_kw: -1.5169,
        p2_kw: -1.5166,
        v1n_v: 120.57,
        v2n_v: 120.69,
        v12_v: 241.26,
      },
      timestamp: new Date("2025-06-22T00:16:04.000Z"),
    });
    // The inverter's own DATATIME (00:15:45), not the answer's CURTIME (00:16:19) nor the poll's clock.
    assert.deepStrictEqual(points[3].timestamp, new Date("2025-06-22T00:15:45.000Z"));
    assert.deepStrictEqual(points[3].tags, {
      serial: "E00122052100000",
      device_type: "Inverter",
      model: "AC_Module_Type_H",
    });
    assert.strictEqual(points[3].fields.p_3phsum_kw, 0.1743);
    assert.strictEqual(points[3].fields.ltea_3phsum_kwh, 1841.2);
    // The supervisor's own data time lags (23:24:05 the day before): it is still the one used.
    assert.deepStrictEqual(points[0].timestamp, new Date("2025-06-21T23:24:05.000Z"));
    points.forEach(assertBatchPoint);
  });

  it("writes the site's figures and today's energy as one point at the answer's time", () => {
    const site = influxPoints(payloadOf()).at(-1) as InfluxPoint;
    assert.strictEqual(site.measurement, "pvs_site");
    // Tied to the PVS (masked serial): two PVSs in one database keep two sites.
    assert.deepStrictEqual(site.tags, { pvs: "ZT222285000549*****" });
    assert.deepStrictEqual(site.timestamp, new Date("2025-06-22T00:16:19.000Z"));
    assert.deepStrictEqual(
      [
        site.fields.production_kw,
        site.fields.net_kw,
        site.fields.export_kw,
        site.fields.import_kwh,
        site.fields.export_kwh,
        site.fields.consumption_kwh,
      ],
      [3.6512, -3.0335, 3.0335, 25996.56, 27202.26, 20143.46],
    );
    assert.ok(
      Object.keys(site.fields).some((k) => k.startsWith("today_")),
      "today's energy as today_*",
    );
  });

  it("uses the payload's names and values with SI units", () => {
    const [, production] = influxPoints(payloadOf("si"));
    assert.strictEqual(production.fields.p_3phsum_w, 3651.2);
    assert.strictEqual(production.fields.net_ltea_3phsum_wh, 21349160);
    assert.strictEqual(production.fields.p_3phsum_kw, undefined);
    assert.strictEqual(influxPoints(payloadOf("si")).at(-1)?.fields.production_w, 3651.2);
    influxPoints(payloadOf("si")).forEach(assertBatchPoint);
  });

  it("leaves out what the PVS did not report, devices without measurements or serial, never writing null or 0", () => {
    const p = payloadOf("pvs", (raw) => {
      raw.devices[3].p_3phsum_kw = "nan";
      raw.devices.push({
        DEVICE_TYPE: "Inverter",
        SERIAL: "E00122052100009",
        STATE: "error",
        CURTIME: "2025,06,22,00,16,19",
      });
      raw.devices.push({
        DEVICE_TYPE: "Inverter",
        SERIAL: "",
        DATATIME: "2025,06,22,00,15,45",
        p_3phsum_kw: "0.2",
        CURTIME: "2025,06,22,00,16,19",
      });
    });
    const points = influxPoints(p);
    const inverters = points.filter((x) => x.measurement === "pvs_inverter");
    assert.deepStrictEqual(
      inverters.map((x) => x.tags.serial),
      ["E00122052100000", "E00122052100001", "E00122052100002"],
    );
    assert.ok(!("p_3phsum_kw" in inverters[0].fields));
    assert.strictEqual(inverters[0].fields.ltea_3phsum_kwh, 1841.2);
    points.forEach(assertBatchPoint);
  });

  it("adds the user's device name as a tag, and the PVS's own totals (LocalAPI) as a point", () => {
    const p = payloadOf();
    p.devices[3].label = "East roof 1";
    p.live = {
      time: "2025-06-22T00:16:00.000Z",
      pv_p_kw: 3.6,
      pv_en_kwh: 21349,
      net_p_kw: -3,
      net_en_kwh: -1205,
      site_load_p_kw: 0.6,
      site_load_en_kwh: 20143,
      ess_p_kw: null,
      ess_en_kwh: null,
      soc_pct: null,
      backup_time_remaining_min: null,
      midstate: null,
    };
    const points = influxPoints(p, { prefix: "home/solar" });
    assert.strictEqual(points[3].tags.label, "East roof 1");
    assert.strictEqual(points[3].measurement, "home_solar_inverter");
    assert.deepStrictEqual(points.at(-1), {
      measurement: "home_solar_live",
      tags: { pvs: "ZT222285000549*****" },
      fields: {
        pv_p_kw: 3.6,
        pv_en_kwh: 21349,
        net_p_kw: -3,
        net_en_kwh: -1205,
        site_load_p_kw: 0.6,
        site_load_en_kwh: 20143,
      },
      timestamp: new Date("2025-06-22T00:16:00.000Z"),
    });
  });

  it("keeps the supervisor's serial masked, and a hostile metric name off the prototype", () => {
    const p = payloadOf("pvs", (raw) => {
      Object.defineProperty(raw.devices[3], "__proto__", {
        value: "1",
        enumerable: true,
        writable: true,
        configurable: true,
      });
    });
    const points = influxPoints(p);
    assert.strictEqual(points[0].tags.serial, "ZT222285000549*****");
    assert.ok(!JSON.stringify(points).includes(SECRET));
    assert.ok(Object.hasOwn(points[3].fields, "__proto__"), "carried as a field of its own");
    assert.strictEqual(Object.getPrototypeOf(points[3].fields), Object.prototype);
  });
});

describe("model/formats/mqtt: one retained topic per device and metric", () => {
  it("publishes each device's measurements, condition, data time and availability under its sanitised serial", () => {
    const messages = [...mqttStateMessages(payloadOf())];
    const byTopic = new Map(messages.map((m) => [m.topic, m.payload]));
    assert.strictEqual(byTopic.size, messages.length, "each topic once");
    assert.ok(messages.every((m) => m.retain === true && Object.keys(m).length === 3));
    assert.strictEqual(byTopic.get("pvs/inverter/e00122052100000/p_3phsum_kw"), 0.1743);
    assert.strictEqual(byTopic.get("pvs/inverter/e00122052100000/ltea_3phsum_kwh"), 1841.2);
    assert.strictEqual(byTopic.get("pvs/inverter/e00122052100000/availability"), "online");
    assert.strictEqual(byTopic.get("pvs/inverter/e00122052100000/condition"), "ok");
    assert.strictEqual(byTopic.get("pvs/inverter/e00122052100000/data_time"), "2025-06-22T00:15:45.000Z");
    assert.strictEqual(byTopic.get("pvs/meter/pvs6m22283193c/pos_ltea_3phsum_kwh"), 25996.56);
    assert.strictEqual(byTopic.get("pvs/supervisor/zt222285000549/dl_uptime"), 83712);
    assert.strictEqual(byTopic.get("pvs/site/zt222285000549/production_kw"), 3.6512);
    assert.strictEqual(byTopic.get("pvs/site/zt222285000549/import_kwh"), 25996.56);
    // 6 devices × (availability, condition, data time) + their measurements + the site.
    const p = payloadOf();
    const metrics = p.devices.reduce((n, d) => n + Object.keys(d.metrics).length, 0);
    const site = [...byTopic.keys()].filter((t) => t.startsWith("pvs/site/")).length;
    assert.strictEqual(messages.length, 6 * 3 + metrics + site);
  });

  it("ties the site and live topics to the PVS: two PVSs under one prefix do not overwrite each other", () => {
    const a = payloadOf();
    const b = payloadOf("pvs", (raw) => {
      const pvs = raw.devices.find((d) => d.DEVICE_TYPE === "PVS");
      if (pvs) pvs.SERIAL = "ZT222285000777W9876";
    });
    const siteTopics = (p: DeviceListPayload) =>
      new Set([...mqttStateMessages(p)].map((m) => m.topic).filter((t) => t.startsWith("pvs/site/")));
    const [ta, tb] = [siteTopics(a), siteTopics(b)];
    assert.ok(ta.size > 5 && tb.size === ta.size);
    assert.deepStrictEqual(
      [...ta].filter((t) => tb.has(t)),
      [],
      "no site topic shared",
    );
    assert.ok(
      [...tb].every((t) => t.startsWith("pvs/site/zt222285000777/")),
      "the PVS's masked serial, without its last five characters",
    );
    assert.ok(
      !JSON.stringify([...mqttStateMessages(b)])
        .toLowerCase()
        .includes("w9876"),
    );
  });

  it("puts no wildcard, mask or secret in a topic: every level is [a-z0-9_-]", () => {
    const messages = [...mqttStateMessages(payloadOf())];
    for (const m of messages) assert.match(m.topic, /^pvs(\/[a-z0-9_-]+)+$/, m.topic);
    const text = JSON.stringify(messages);
    assert.ok(!text.includes("*") && !text.toLowerCase().includes(SECRET.toLowerCase()), "no mask, no password");
  });

  it("sends a measurement the PVS did not report as an empty payload, or as HA's None when asked", () => {
    const p = payloadOf("pvs", (raw) => {
      raw.devices[3].p_3phsum_kw = "nan";
    });
    const find = (msgs: Iterable<{ topic: string; payload: unknown }>) =>
      [...msgs].find((m) => m.topic === "pvs/inverter/e00122052100000/p_3phsum_kw")?.payload;
    assert.strictEqual(find(mqttStateMessages(p)), "");
    assert.strictEqual(find(mqttStateMessages(p, { nullPayload: "None" })), "None");
  });

  it("marks a device that left the list offline, and uses SI names and the prefix", () => {
    const memory = SiteMemory.create();
    analyze(memory, fixture(FIXTURE), "si");
    const raw = fixture(FIXTURE);
    raw.devices.splice(5, 1);
    const p = analyze(memory, raw, "si");
    const messages = [...mqttStateMessages(p, { prefix: "home/solar" })];
    const byTopic = new Map(messages.map((m) => [m.topic, m.payload]));
    assert.strictEqual(byTopic.get("home/solar/inverter/e00122052100002/availability"), "offline");
    assert.ok(
      ![...byTopic.keys()].some(
        (t) => t.startsWith("home/solar/inverter/e00122052100002/") && !t.endsWith("/availability"),
      ),
    );
    assert.strictEqual(byTopic.get("home/solar/inverter/e00122052100000/p_3phsum_w"), 174.3);
    assert.strictEqual(byTopic.get("home/solar/site/zt222285000549/production_w"), 3651.2);
  });

  it("publishes the PVS's own totals under live/ (LocalAPI), null ones empty", () => {
    const p = payloadOf();
    p.live = {
      time: "2025-06-22T00:16:00.000Z",
      pv_p_kw: 3.6,
      pv_en_kwh: 21349,
      net_p_kw: -3,
      net_en_kwh: -1205,
      site_load_p_kw: 0.6,
      site_load_en_kwh: 20143,
      ess_p_kw: null,
      ess_en_kwh: null,
      soc_pct: null,
      backup_time_remaining_min: null,
      midstate: null,
    };
    const live = [...mqttStateMessages(p)].filter((m) => m.topic.startsWith("pvs/live/"));
    assert.deepStrictEqual(live.slice(0, 2), [
      { topic: "pvs/live/zt222285000549/pv_p_kw", payload: 3.6, retain: true },
      { topic: "pvs/live/zt222285000549/pv_en_kwh", payload: 21349, retain: true },
    ]);
    assert.strictEqual(live.find((m) => m.topic === "pvs/live/zt222285000549/soc_pct")?.payload, "");
    assert.strictEqual(live.length, 11);
  });

  it("is built lazily, so a 1,000-inverter site costs little per chunk", () => {
    const raw = fixture(FIXTURE);
    const template = raw.devices[3];
    for (let i = 0; i < 1000; i++) raw.devices.push({ ...template, SERIAL: `E0012209${String(i).padStart(7, "0")}` });
    const p = analyze(SiteMemory.create(), raw);
    const iterator = mqttStateMessages(p);
    let slowest = 0;
    let count = 0;
    for (;;) {
      const started = process.hrtime.bigint();
      let done = false;
      for (let i = 0; i < 50 && !done; i++) {
        const next = iterator.next();
        done = next.done === true;
        if (!done) count++;
      }
      slowest = Math.max(slowest, Number(process.hrtime.bigint() - started) / 1e6);
      if (done) break;
    }
    assert.ok(count > 13000, `${count} messages`);
    assert.ok(slowest < 50, `slowest chunk of 50 took ${slowest.toFixed(1)} ms`);
  });
});
