// pvs-live in the real Node-RED runtime against the emulator over real HTTPS and WebSocket: which source it
// picks on each firmware, the one write it sends, sharing one socket, closing without leaks, bad frames.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { EmulatorOptions, PvsEmulator } from "../../../src/emulator/server";
import { LivePayload } from "../../../src/model/live";
import { PvsConfigNode } from "../../../src/node-red/types";
import { helper, settle, until } from "../../support/node-red";
import { FlowNode, NODE_MODULES, testFlow } from "../../support/flows";
import { SITE_LONGITUDE, siteClockNearNoon } from "../../support/simulated-time";

type Msg = NodeMessage & {
  payload: LivePayload & Record<string, unknown>;
  units: Record<string, string | null>;
  source: string;
  pvs?: Record<string, unknown>;
  error?: { code?: string; message?: string };
};
const SERIAL = "ZT01234567890ABCDE";

function statuses(id: string): Array<{ fill?: string; text?: string }> {
  return (helper.getNode(id).status as unknown as sinon.SinonSpy)
    .getCalls()
    .map((c) => c.args[0] as { fill?: string; text?: string });
}

const spyCalls = (id: string, method: "warn" | "error") =>
  (helper.getNode(id)[method] as unknown as sinon.SinonSpy)
    .getCalls()
    .map((c) => String(c.args[0] instanceof Error ? c.args[0].message : c.args[0]));

function collect(id = "out"): Msg[] {
  const got: Msg[] = [];
  helper.getNode(id).on("input", (m: unknown) => got.push(m as Msg));
  return got;
}

const writes = (e: PvsEmulator) => e.requests.filter((r) => r.command === "vars:set");
/** TCP connections still open on the emulator once they had a moment to close (the logout's among them). */
async function connectionsLeft(e: PvsEmulator): Promise<number> {
  const end = Date.now() + 4000;
  let n = await e.openConnections();
  while (n > 0 && Date.now() < end) {
    await settle(20);
    n = await e.openConnections();
  }
  return n;
}

const feedOf = () => (helper.getNode("cfg") as unknown as PvsConfigNode).pvs?.liveFeed() ?? null;

describe("pvs-live node (real Node-RED runtime, emulator over HTTPS and WebSocket)", function () {
  this.timeout(40000); // real I/O on a shared machine: the waits below are bounds, not expectations
  let emulator: PvsEmulator;
  const start = async (options: EmulatorOptions) => {
    // The site near solar noon, where a frame comes every second (see LOAD_MOVING_AT).
    emulator = new PvsEmulator({ inverters: 4, longitude: SITE_LONGITUDE, now: siteClockNearNoon(), ...options });
    await emulator.start();
  };
  afterEach(async () => {
    await helper.unload();
    await emulator?.stop();
  });

  const liveNode = (extra: Record<string, unknown> = {}): FlowNode => ({
    id: "live",
    type: "pvs-live",
    server: "cfg",
    send: "update",
    interval: 1,
    ...extra,
  });

  it("PVS6 on the LocalAPI: enables the telemetry WebSocket with its one write and sends its frames", async () => {
    await start({ localApi: true });
    assert.strictEqual(emulator.telemetryEnabled, false, "a PVS starts with the socket off");
    await helper.load(NODE_MODULES, testFlow(emulator, [liveNode()]));
    const got = collect();
    await until(() => got.some((m) => m.source === "WebSocket"), 12000, "a message from the WebSocket");
    assert.strictEqual(emulator.telemetryEnabled, true);
    assert.strictEqual(writes(emulator).length, 1, "one write");
    // Written as the firmware parses it (literal "/" and "="), as pypvs sends it.
    assert.strictEqual(writes(emulator)[0].query, "set=/sys/telemetryws/enable=1");
    assert.strictEqual(writes(emulator)[0].authenticated, true, "sent with the session");
    assert.strictEqual(emulator.telemetryClients.accepted, 1);
    const first = got[0];
    assert.strictEqual(first.source, "livedata", "the values read when the socket opens come first");
    const msg = got.find((m) => m.source === "WebSocket") as Msg;
    assert.strictEqual(msg.topic, "pvs/live");
    const p = msg.payload;
    for (const f of [
      "production_kw",
      "consumption_kw",
      "net_kw",
      "import_kw",
      "export_kw",
      "surplus_kw",
      "production_kwh",
      "consumption_kwh",
      "net_kwh",
    ])
      assert.strictEqual(typeof p[f], "number", f);
    assert.match(p.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    assert.strictEqual(p.import_kw, Math.max(0, p.net_kw as number));
    assert.strictEqual(p.export_kw, Math.max(0, -(p.net_kw as number)));
    assert.strictEqual(p.soc_pct, undefined, "no battery: no battery fields, not zeros");
    assert.strictEqual(p.battery_kw, undefined);
    assert.strictEqual(msg.units.production_kw, "kW");
    assert.strictEqual(msg.units.production_kwh, "kWh");
    assert.strictEqual((msg.pvs as { data: string }).data, "telemetry WebSocket");
    // Frames carry only what changed (the counters rarely): the payload still has every value.
    await until(() => got.filter((m) => m.source === "WebSocket").length >= 3, 12000, "three frames");
    assert.ok(got.filter((m) => m.source === "WebSocket").every((m) => typeof m.payload.production_kwh === "number"));
    assert.match(
      statuses("live").at(-1)?.text ?? "",
      /status\.(exporting|importing) · \S*status\.websocket · \d\d:\d\d/,
    );
  });

  it("SunVault: battery power, state of charge in percent, backup minutes", async () => {
    await start({ localApi: true, storage: true, telemetryEnabled: true });
    await helper.load(NODE_MODULES, testFlow(emulator, [liveNode()]));
    const got = collect();
    await until(() => got.some((m) => m.source === "WebSocket"), 12000, "a frame");
    const p = got.find((m) => m.source === "WebSocket")?.payload as LivePayload;
    assert.strictEqual(typeof p.battery_kw, "number");
    assert.ok((p.soc_pct as number) > 1 && (p.soc_pct as number) <= 100, `soc ${p.soc_pct} in percent`);
    assert.strictEqual(typeof p.backup_min, "number");
    // Written before the connect even when already on, as pypvs does before every connect: once, not per frame.
    assert.strictEqual(writes(emulator).length, 1, "one write before connecting");
  });

  it("PVS5 on the LocalAPI: no WebSocket, the livedata variables every N s, and nothing written", async () => {
    await start({ localApi: true, model: "PVS5" });
    await helper.load(NODE_MODULES, testFlow(emulator, [liveNode({ interval: 1 })]));
    const got = collect();
    await until(() => got.length >= 2, 12000, "two polls");
    assert.ok(got.every((m) => m.source === "livedata"));
    assert.strictEqual(typeof got[0].payload.production_kw, "number");
    assert.strictEqual(writes(emulator).length, 0);
    assert.strictEqual(
      emulator.telemetryClients.accepted + emulator.telemetryClients.refused,
      0,
      "the socket was not even tried",
    );
    assert.match(statuses("live").at(-1)?.text ?? "", /status\.livedataEvery/);
  });

  it("a PVS6 that refuses the write (as a PVS5 does, HTTP 400) falls back to polling livedata", async () => {
    await start({ localApi: true });
    // The emulator answers 400 for a PVS5; here a PVS6 whose varserver says the same.
    emulator.setFault({
      kind: "status",
      status: 400,
      body: '{"status":400,"error":"Bad Request"}',
      commands: ["vars:set"],
    });
    await helper.load(NODE_MODULES, testFlow(emulator, [liveNode()]));
    const got = collect();
    await until(
      () =>
        got.some((m) => m.source === "livedata") && /status\.livedataEvery/.test(statuses("live").at(-1)?.text ?? ""),
      12000,
      "livedata polling",
    );
    assert.strictEqual(feedOf()?.socketOpen, false);
    assert.strictEqual(writes(emulator).length, 1, "asked once");
    assert.strictEqual(emulator.telemetryClients.accepted, 0);
  });

  it("legacy firmware: the meters of the device list, and the status says it is slow", async () => {
    await start({});
    await helper.load(NODE_MODULES, testFlow(emulator, [liveNode()], { deviceListEvery: 120 }));
    const got = collect();
    await until(() => got.length >= 1, 12000, "a device list");
    assert.strictEqual(got[0].source, "device list");
    assert.strictEqual(typeof got[0].payload.production_kw, "number");
    assert.strictEqual(typeof got[0].payload.net_kw, "number", "the declared net CT gives the grid");
    assert.strictEqual(typeof got[0].payload.consumption_kw, "number");
    assert.strictEqual(emulator.count("DeviceList"), 1);
    assert.match(statuses("live").at(-1)?.text ?? "", /status\.deviceListEvery/);
    assert.strictEqual(writes(emulator).length, 0);
  });

  for (const ct of ["net", "gross"] as const) {
    it(`legacy firmware, ${ct} consumption CT: pvs-live and pvs-device-list report the same figures from the same DeviceList`, async () => {
      await start({ consumptionCt: ct });
      const list: FlowNode = {
        id: "list",
        type: "pvs-device-list",
        server: "cfg",
        interval: 0,
        includeRaw: true,
        wires: [["listOut"]],
      };
      const listOut: FlowNode = { id: "listOut", type: "helper", wires: [] };
      await helper.load(NODE_MODULES, testFlow(emulator, [liveNode(), list, listOut], { deviceListEvery: 120 }));
      const got = collect();
      const listed = collect("listOut");
      await until(() => got.length >= 1, 12000, "pvs-live's device list");
      // A "poll now" within the ration takes the list pvs-live just read: one DeviceList for both nodes.
      helper.getNode("list").receive({});
      await until(() => listed.length >= 1, 12000, "pvs-device-list's message");
      assert.strictEqual(emulator.count("DeviceList"), 1, "both from the same answer");
      const live = got[0].payload;
      const site = (listed[0].payload as unknown as { site: Record<string, unknown> }).site;
      assert.strictEqual((site.consumptionCt as { mode: string }).mode, ct);

      // The figures computed here from the raw answer the nodes read (the meters' own counters).
      const raw = (listed[0] as unknown as { raw: { devices: Array<Record<string, string>> } }).raw.devices;
      const meter = (type: string) =>
        raw.find((d) => d.DEVICE_TYPE === "Power Meter" && d.TYPE === type) as Record<string, string>;
      const pKwh = Number(meter("PVS5-METER-P").net_ltea_3phsum_kwh);
      const cKwh = Number(meter("PVS5-METER-C").net_ltea_3phsum_kwh);
      const expected =
        ct === "net"
          ? { consumption_kwh: pKwh + cKwh, net_kwh: cKwh }
          : { consumption_kwh: cKwh, net_kwh: cKwh - pKwh };
      for (const f of ["consumption_kwh", "net_kwh"] as const) {
        assert.strictEqual(typeof live[f], "number", `pvs-live has ${f}`);
        assert.strictEqual(live[f], Number(expected[f].toFixed(3)), `pvs-live ${f}`);
        assert.strictEqual(Number((site[f] as number).toFixed(3)), live[f], `pvs-device-list ${f}`);
      }
      for (const f of ["production_kw", "consumption_kw", "net_kw"] as const) {
        assert.strictEqual(typeof live[f], "number", `pvs-live has ${f}`);
        assert.strictEqual(live[f], site[f], f);
      }
      assert.ok((live.consumption_kw as number) >= 0);
    });
  }

  it("two pvs-live nodes share one socket; closing them closes it and leaves no connection open", async () => {
    await start({ localApi: true, telemetryEnabled: true });
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [liveNode(), liveNode({ id: "live2", wires: [["out2"]] }), { id: "out2", type: "helper" }]),
    );
    const one = collect();
    const two = collect("out2");
    await until(
      () => one.some((m) => m.source === "WebSocket") && two.some((m) => m.source === "WebSocket"),
      12000,
      "frames on both",
    );
    assert.strictEqual(emulator.telemetryClients.accepted, 1, "one connection");
    assert.strictEqual(emulator.telemetryClients.open, 1);
    await helper.unload();
    await until(
      () => emulator.telemetryClients.open === 0 && emulator.telemetryClients.sockets === 0,
      8000,
      "the socket closed",
    );
    assert.strictEqual(await connectionsLeft(emulator), 0, "no connection left open");
  });

  it("bad frames are ignored with one warning, never crash, and good frames still come", async () => {
    await start({ localApi: true, telemetryEnabled: true });
    await helper.load(NODE_MODULES, testFlow(emulator, [liveNode()]));
    const got = collect();
    await until(() => feedOf()?.socketOpen === true && got.some((m) => m.source === "WebSocket"), 12000, "the socket");
    emulator.sendTelemetryRaw(`not json ${SERIAL}`);
    emulator.sendTelemetryRaw('{"notification":"power","params":{"pv_p":"lots","net_p":{"a":1}}}');
    emulator.sendTelemetryRaw('{"notification":"power","params":[1,2]}');
    emulator.sendTelemetryRaw(Buffer.from([1, 2, 3]));
    emulator.sendTelemetryRaw('{"notification":"heartbeat"}');
    await until(() => spyCalls("live", "warn").length >= 1, 8000, "a warning");
    const before = got.length;
    await until(() => got.length > before + 1, 12000, "frames after the bad ones");
    const warnings = spyCalls("live", "warn");
    assert.strictEqual(warnings.length, 1, "one warning a minute at most");
    assert.match(warnings[0], /ignored a frame that is not JSON/);
    assert.ok(!JSON.stringify(warnings).includes(SERIAL), "the frame's text is never quoted");
    assert.ok(
      got.every((m) => typeof m.payload.production_kw === "number" && Number.isFinite(m.payload.production_kw)),
      "no half-parsed value went out",
    );
    assert.strictEqual(spyCalls("live", "error").length, 0);
  });

  it("an input message gets the latest values at once, built on it", async () => {
    await start({ localApi: true, model: "PVS5" });
    await helper.load(NODE_MODULES, testFlow(emulator, [liveNode({ send: "change", threshold: 1e6, interval: 60 })]));
    const got = collect();
    await until(() => got.length === 1, 12000, "the first values");
    helper.getNode("live").receive({ payload: "now", extra: 7 } as unknown as NodeMessage);
    await until(() => got.length === 2, 8000, "the answer to the input");
    assert.strictEqual((got[1] as unknown as { extra: number }).extra, 7);
    assert.strictEqual(typeof got[1].payload.production_kw, "number");
    assert.notStrictEqual(got[1].payload, got[0].payload, "a new payload object per message");
  });

  it("without a pvs-config: a clear status, and input fails with a code", async () => {
    await start({});
    await helper.load(NODE_MODULES, testFlow(emulator, [liveNode({ server: "nope" })]));
    assert.match(statuses("live").at(-1)?.text ?? "", /status\.notConfigured/);
    const caught = collect("caught");
    helper.getNode("live").receive({});
    await until(() => caught.length === 1, 8000, "the error");
    assert.strictEqual(caught[0].error?.code, "PVS_NOT_CONFIGURED");
    await settle(50);
    assert.strictEqual(emulator.requests.length, 0);
  });
});
