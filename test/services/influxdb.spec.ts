// The InfluxDB example end to end: the flow as users import it, with the influxdb batch node of
// node-red-contrib-influxdb wired where its comment says, writing to a real InfluxDB 1.x; the database is then
// read back over its HTTP API and every point compared with the device-list payload that produced it.
import assert from "assert";
import fs from "fs";
import path from "path";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../src/emulator/server";
import { meterRole } from "../../src/model/device";
import { DeviceListPayload } from "../../src/model/device-list-output";
import { FlowNode, NODE_MODULES } from "../support/flows";
import { helper, until } from "../support/node-red";
import { coreNodes, INFLUXD, InfluxResult, requireBinary, Service, startInfluxDb } from "../support/services";

const EXAMPLE = path.resolve(__dirname, "../../examples/pvs-device-list/03 - InfluxDB.json");
const influxNodes = require("node-red-contrib-influxdb/influxdb.js") as (RED: unknown) => void;
const DATABASE = "pvs";
// A June afternoon at longitude -117: panels produce, the battery works.
const START = Date.UTC(2025, 5, 21, 20, 0);
const STEP_MS = 5 * 60_000;

type Row = { measurement: string; tags: Record<string, string>; time: number; fields: Record<string, number> };
const key = (r: Pick<Row, "measurement" | "tags" | "time">) =>
  `${r.measurement} ${JSON.stringify(Object.entries(r.tags).sort())} ${new Date(r.time).toISOString()}`;

/** The points a device-list payload must have written: read from the payload, not from the formatter. */
function expectedRows(payload: DeviceListPayload): Row[] {
  const numbers = (entries: Array<[string, unknown]>) =>
    Object.fromEntries(entries.filter((e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1])));
  const rows: Row[] = [];
  for (const d of payload.devices) {
    if (!d.serial) continue;
    const fields = numbers(Object.entries(d.metrics));
    if (Object.keys(fields).length === 0) continue;
    const tags = Object.fromEntries(
      Object.entries({
        serial: d.serial,
        device_type: d.deviceType,
        model: d.model,
        role: meterRole(d),
        label: d.label,
      }).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
    );
    rows.push({ measurement: `pvs_${d.category}`, tags, time: Date.parse(d.dataTime ?? payload.time ?? ""), fields });
  }
  const { today, ...site } = payload.site;
  const siteFields = {
    ...numbers(Object.entries(site)),
    ...numbers(Object.entries(today ?? {}).map(([n, v]) => [`today_${n}`, v])),
  };
  // The site and the PVS's totals are tagged with the PVS (its masked serial).
  const pvs: Record<string, string> = payload.supervisor?.serial ? { pvs: payload.supervisor.serial } : {};
  if (Object.keys(siteFields).length)
    rows.push({ measurement: "pvs_site", tags: pvs, time: Date.parse(payload.time ?? ""), fields: siteFields });
  if (payload.live) {
    const { time, ...live } = payload.live;
    rows.push({
      measurement: "pvs_live",
      tags: pvs,
      time: Date.parse(time ?? payload.time ?? ""),
      fields: numbers(Object.entries(live)),
    });
  }
  return rows;
}

/** Every point in the database, one row per series and time, with only the fields it has. */
function rowsOf(result: InfluxResult): Row[] {
  const rows: Row[] = [];
  for (const series of result.results[0].series ?? []) {
    const tags = Object.fromEntries(Object.entries(series.tags ?? {}).filter(([, v]) => v !== ""));
    for (const values of series.values) {
      const fields: Record<string, number> = {};
      series.columns.forEach((c, i) => {
        const v = values[i];
        if (c === "time" || v === null) return;
        assert.strictEqual(typeof v, "number", `${series.name}.${c} = ${JSON.stringify(v)}: numbers only`);
        fields[c] = v as number;
      });
      rows.push({ measurement: series.name, tags, time: values[0] as number, fields });
    }
  }
  return rows;
}

describe("services: the InfluxDB example writes every point to a real InfluxDB 1.x (node-red-contrib-influxdb)", function () {
  this.timeout(30000);
  let influx: (Service & { query(q: string): Promise<InfluxResult> }) | null = null;
  let emulator: PvsEmulator | null = null;

  before(async function () {
    const bin = requireBinary(this, "InfluxDB 1.x", "influxdb", INFLUXD);
    influx = await startInfluxDb(bin, DATABASE);
  });
  after(async () => {
    await helper.unload();
    await emulator?.stop();
    await influx?.stop();
  });

  const HOUR_S = 3600;

  it("after two polls holds exactly the payloads' points; a third with a device gone adds no empty field", async () => {
    assert.ok(influx);
    let clock = START;
    emulator = new PvsEmulator({ inverters: 4, localApi: true, storage: true, longitude: -117, now: () => clock });
    emulator.delayMs = 100; // the example's node and the reference node then share each request
    await emulator.start();

    // The example as imported; its PVS on the emulator; the debug node replaced by what its comment says to
    // connect: an influxdb batch node, on a configuration that points at the test database.
    const example = JSON.parse(fs.readFileSync(EXAMPLE, "utf8")) as FlowNode[];
    const list = example.find((n) => n.type === "pvs-device-list") as FlowNode;
    const debug = example.find((n) => n.type === "debug") as FlowNode;
    const inject = example.find((n) => n.type === "inject") as FlowNode & { wires: string[][] };
    assert.deepStrictEqual(list.wires, [[debug.id]], "the device list node feeds the debug node the comment replaces");
    const flow: FlowNode[] = [
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
          if (n === debug)
            return {
              id: debug.id,
              type: "influxdb batch",
              z: "tab",
              x: n.x,
              y: n.y,
              influxdb: "influx-test",
              precision: "",
              retentionPolicy: "",
              name: "",
            };
          if (n === inject) return { ...n, z: "tab", wires: [[...inject.wires[0], "reference"]] };
          // Polls only at deploy and on the inject: no timer poll of one node may fall between the test's polls.
          if (n === list) return { ...n, z: "tab", interval: HOUR_S };
          return { ...n, z: "tab" };
        }),
      {
        id: "influx-test",
        type: "influxdb",
        hostname: "127.0.0.1",
        port: influx.port,
        protocol: "http",
        database: DATABASE,
        name: "",
        usetls: false,
        influxdbVersion: "1.x",
      },
      // The device list itself, from the same PVS answers (the example's node and this one share each request).
      { ...list, id: "reference", output: "list", interval: HOUR_S, z: "tab", wires: [["payloads"]] },
      { id: "payloads", type: "helper", z: "tab", x: 600, y: 300 },
      { id: "catch", type: "catch", z: "tab", x: 100, y: 400, scope: null, uncaught: false, wires: [["caught"]] },
      { id: "caught", type: "helper", z: "tab", x: 300, y: 400 },
    ];
    await helper.load(
      [...NODE_MODULES, ...coreNodes("common/20-inject.js"), influxNodes] as Parameters<typeof helper.load>[0],
      flow,
    );
    const payloads: DeviceListPayload[] = [];
    const errors: unknown[] = [];
    helper.getNode("payloads").on("input", (m: NodeMessage) => payloads.push(m.payload as DeviceListPayload));
    helper.getNode("caught").on("input", (m: NodeMessage) => errors.push((m as { error?: unknown }).error));
    const batch = helper.getNode(debug.id);
    let written = 0;
    batch.on("input", () => written++);

    const stored = async () => rowsOf(await influx!.query("SELECT * FROM /^pvs_/ GROUP BY *"));
    /** Waits until the poll has been written: the batch node is done once InfluxDB answered the write. */
    const pollWritten = async (n: number) => {
      await until(() => payloads.length >= n && written >= n, 10000, `poll ${n}`);
      const end = Date.now() + 5000;
      for (;;) {
        const have = new Set((await stored()).map(key));
        if (expectedRows(payloads[n - 1]).every((r) => have.has(key(r)))) return;
        if (Date.now() > end) throw new Error(`poll ${n} not in InfluxDB; caught: ${JSON.stringify(errors)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    await pollWritten(1); // the node polls once at deploy
    clock += STEP_MS;
    helper.getNode(inject.id).receive({});
    await pollWritten(2);

    const expected = new Map<string, Row>();
    for (const p of payloads)
      for (const r of expectedRows(p))
        expected.set(key(r), { ...r, fields: { ...expected.get(key(r))?.fields, ...r.fields } });
    const actual = new Map((await stored()).map((r) => [key(r), r]));
    assert.deepStrictEqual(
      [...actual.keys()].sort(),
      [...expected.keys()].sort(),
      "the same points: measurement, tags, time",
    );
    for (const [k, row] of expected) assert.deepStrictEqual(actual.get(k)?.fields, row.fields, k);
    const measurements = new Set([...expected.values()].map((r) => r.measurement));
    for (const m of ["pvs_supervisor", "pvs_meter", "pvs_inverter", "pvs_site", "pvs_live"])
      assert.ok(measurements.has(m), `${m} written`);
    assert.ok(new Set([...expected.values()].map((r) => r.time)).size >= 2, "two polls, at two sampling times");
    const fieldCount = [...expected.values()].reduce((n, r) => n + Object.keys(r.fields).length, 0);
    process.stdout.write(
      `      InfluxDB: ${expected.size} points (${fieldCount} fields) written by 2 polls and compared\n`,
    );

    // Third poll: an inverter is gone. It gets no point, and no point gets an empty or zero stand-in.
    const gone = payloads[1].devices.find((d) => d.category === "inverter")?.serial as string;
    emulator.editDeviceList = (answer) => {
      answer.devices = answer.devices.filter((d) => d.SERIAL !== gone);
    };
    clock += STEP_MS;
    helper.getNode(inject.id).receive({});
    await pollWritten(3);
    assert.ok(
      payloads[2].missing.some((d) => d.serial === gone),
      "the payload lists the inverter as missing",
    );
    const third = expectedRows(payloads[2]);
    const after = new Map((await stored()).map((r) => [key(r), r]));
    // A point with the time of one already written is that point again: the supervisor's figures, read at most
    // every 30 minutes, keep their reading's time.
    const keys = new Set([...expected.keys(), ...third.map(key)]);
    assert.strictEqual(after.size, keys.size, "the third poll added its own points only");
    assert.ok(keys.size > expected.size, "the third poll added points");
    for (const r of third) assert.deepStrictEqual(after.get(key(r))?.fields, r.fields, key(r));
    assert.ok(!third.some((r) => r.tags.serial === gone), "no point for the missing inverter");
    const fieldTypes = await influx.query("SHOW FIELD KEYS");
    const types = new Set((fieldTypes.results[0].series ?? []).flatMap((s) => s.values.map((v) => v[1])));
    assert.deepStrictEqual([...types], ["float"], "every field a float: no text, no empty value");
    assert.deepStrictEqual(errors, [], "nothing reported to the Catch node");
    process.stdout.write(`      InfluxDB: third poll ${third.length} points, compared; ${after.size} points in all\n`);
  });
});

/**
 * The one change node an InfluxDB 2 user of the Stackhero write node (node-red-contrib-stackhero-influxdb-v2)
 * needs, as the README shows it. That node takes `msg.payload = { precision, data: [{ measurement, tags, fields,
 * timestamp }] }` and, with `precision: "ms"`, timestamps in epoch milliseconds (its README). No InfluxDB 2
 * installs from Debian or npm here, so the change node is checked on a real poll against that documented shape.
 */
const README = path.resolve(__dirname, "../../README.md");
/** The expression as the README shows it: the line of its code block that builds `{"precision": "ms", …}`. */
function readmeChange(): string {
  const line = fs
    .readFileSync(README, "utf8")
    .split("\n")
    .find((l) => l.startsWith('{"precision": "ms"'));
  assert.ok(line, "the README shows the change node's expression");
  return line;
}

describe("services: the README's change node for InfluxDB 2's Stackhero write node (real runtime, emulator)", function () {
  this.timeout(20000);
  let emulator: PvsEmulator | null = null;
  after(async () => {
    await helper.unload();
    await emulator?.stop();
  });

  it("turns a poll's points into { precision: 'ms', data } with every point and its time in milliseconds", async () => {
    emulator = new PvsEmulator({ inverters: 3, localApi: true, longitude: -117, now: () => START });
    emulator.delayMs = 100;
    await emulator.start();
    const flow: FlowNode[] = [
      { id: "tab", type: "tab", label: "influxdb 2" },
      {
        id: "cfg",
        type: "pvs-config",
        host: "127.0.0.1",
        port: emulator.port,
        localPort: emulator.httpsPort,
        protocol: "http",
        timeout: 5,
        minSpacing: 0,
        deviceListEvery: 0,
      },
      {
        id: "points",
        type: "pvs-device-list",
        z: "tab",
        x: 100,
        y: 100,
        server: "cfg",
        interval: 0,
        output: "influx",
        wires: [["change", "raw"]],
      },
      {
        id: "change",
        type: "change",
        z: "tab",
        x: 300,
        y: 100,
        rules: [{ t: "set", p: "payload", pt: "msg", to: readmeChange(), tot: "jsonata" }],
        wires: [["out"]],
      },
      { id: "out", type: "helper", z: "tab", x: 500, y: 100 },
      { id: "raw", type: "helper", z: "tab", x: 500, y: 200 },
    ];
    await helper.load(
      [...NODE_MODULES, ...coreNodes("function/15-change.js")] as Parameters<typeof helper.load>[0],
      flow,
    );
    const got: Array<{ payload: unknown }> = [];
    const raw: Array<{ payload: unknown }> = [];
    helper.getNode("out").on("input", (m: NodeMessage) => got.push(m as { payload: unknown }));
    helper.getNode("raw").on("input", (m: NodeMessage) => raw.push(m as { payload: unknown }));
    helper.getNode("points").receive({});
    await until(() => got.length === 1 && raw.length === 1, 10000, "the changed message");
    const points = raw[0].payload as Array<{ measurement: string; tags: object; fields: object; timestamp?: Date }>;
    assert.ok(points.length >= 6);
    const expected = {
      precision: "ms",
      data: points.map((p) => ({
        measurement: p.measurement,
        tags: p.tags,
        fields: p.fields,
        ...(p.timestamp ? { timestamp: p.timestamp.getTime() } : {}),
      })),
    };
    assert.deepStrictEqual(got[0].payload, expected);
  });
});
