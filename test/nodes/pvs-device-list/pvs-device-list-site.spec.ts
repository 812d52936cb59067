// pvs-device-list's site features through the real runtime: units, SunVault, warnings once, memory across
// redeploys and restarts (a file-backed context store).
import assert from "assert";
import { cpSync, mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import path from "path";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { EmulatorOptions, PvsEmulator } from "../../../src/emulator/server";
import { DeviceListPayload } from "../../../src/model/device-list-output";
import { dropLiveSiteMemories } from "../../../src/node-red/site-memory-store";
import { helper, nextMessages, until } from "../../support/node-red";
import { FlowNode, NODE_MODULES, testFlow } from "../../support/flows";

type Msg = NodeMessage & { payload: DeviceListPayload; rawStorage?: unknown };
type Runtime = {
  _redNodes: {
    setFlows(flows: FlowNode[], credentials: unknown, type: string): Promise<unknown>;
    loadContextsPlugin(): Promise<void>;
    closeContextsPlugin(): Promise<void>;
  };
};
const runtime = helper as unknown as Runtime;

const listNode = (extra: Record<string, unknown> = {}) => ({
  id: "list",
  type: "pvs-device-list",
  server: "cfg",
  interval: 0,
  ...extra,
});

async function poll(id = "list"): Promise<Msg> {
  const got = nextMessages<Msg>(helper.getNode("out"));
  helper.getNode(id).receive({});
  return (await got)[0];
}

describe("pvs-device-list: site, units, storage and memory (real Node-RED runtime)", function () {
  this.timeout(15000);
  let emulator: PvsEmulator;
  const start = async (options: EmulatorOptions = {}) => {
    emulator = new PvsEmulator({ inverters: 3, ...options });
    await emulator.start();
  };
  afterEach(async () => {
    await helper.unload();
    await emulator.stop();
  });

  it("sends site power and energy, the unit table, and W/Wh when SI units are chosen", async () => {
    await start();
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [listNode(), { ...listNode({ id: "si", units: "si" }), wires: [["out"]] }]),
    );
    const pvs = await poll();
    assert.strictEqual(pvs.payload.unitSystem, "pvs");
    assert.strictEqual(typeof pvs.payload.site.production_kw, "number");
    assert.strictEqual(pvs.payload.units.p_3phsum_kw, "kW");
    assert.strictEqual(pvs.payload.units.tot_pf_rto, "ratio");
    assert.strictEqual(pvs.payload.site.consumptionCt.mode, "net");
    const si = await poll("si");
    assert.strictEqual(si.payload.unitSystem, "si");
    const watts = (si.payload.site as unknown as Record<string, number>).production_w;
    assert.ok(
      Math.abs(watts - (pvs.payload.site.production_kw as number) * 1000) < 50,
      `${watts} W vs ${pvs.payload.site.production_kw} kW`,
    );
    assert.strictEqual(si.payload.units.p_3phsum_w, "W");
    assert.strictEqual(typeof si.payload.inverters[0].metrics.ltea_3phsum_wh, "number");
  });

  it("reads the SunVault report when the list shows storage, once per poll, and merges it", async () => {
    await start({ storage: true });
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode({ includeRaw: true })]));
    const msg = await poll();
    const bms = msg.payload.devices.find((d) => d.deviceType === "ESS BMS")!;
    assert.strictEqual(typeof bms.metrics.customer_state_of_charge_pct, "number");
    assert.strictEqual(msg.payload.storage?.operatingMode, "SELF_CONSUMPTION");
    assert.strictEqual(typeof msg.payload.storage?.system_soc_pct, "number");
    assert.ok(msg.rawStorage, "the raw report on request");
    assert.deepStrictEqual([emulator.count("DeviceList"), emulator.count("energy-storage-system/status")], [1, 1]);
  });

  it("still sends the device list when the SunVault report fails, and warns once, not on every poll", async () => {
    await start({ storage: true });
    emulator.setFault({ kind: "status", status: 500, commands: ["energy-storage-system/status"] });
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode()]));
    const warn = helper.getNode("list").warn as unknown as sinon.SinonSpy;
    const first = await poll();
    await poll();
    assert.strictEqual(first.payload.storage?.error?.code, "PVS_HTTP_ERROR");
    assert.ok(first.payload.devices.length > 5);
    assert.deepStrictEqual(
      first.payload.checks.map((c) => c.code),
      ["STORAGE_STATUS_FAILED"],
    );
    const warnings = warn
      .getCalls()
      .map((c) => String(c.args[0]))
      .filter((m) => m.includes("SunVault"));
    assert.strictEqual(warnings.length, 1);
  });

  it("warns once about fields it does not know, and carries them", async () => {
    await start();
    emulator.editDeviceList = (answer) => {
      answer.devices[3].x_new_kw = "1.5";
    };
    await helper.load(NODE_MODULES, testFlow(emulator, [listNode()]));
    const warn = helper.getNode("list").warn as unknown as sinon.SinonSpy;
    const msg = await poll();
    await poll();
    await poll();
    assert.strictEqual(msg.payload.inverters[0].metrics.x_new_kw, 1.5);
    const warnings = warn
      .getCalls()
      .map((c) => String(c.args[0]))
      .filter((m) => m.includes("x_new_kw"));
    assert.deepStrictEqual(warnings, [
      "The PVS reported 1 field this package does not know (Inverter.x_new_kw); they are carried as reported.",
    ]);
  });

  it("remembers inverters across a full redeploy: one that vanished is listed missing, its lifetime kept", async () => {
    await start();
    const flow = testFlow(emulator, [listNode()]);
    await helper.load(NODE_MODULES, flow);
    const before = await poll();
    assert.strictEqual(before.payload.inverters.length, 3);
    emulator.editDeviceList = (answer) => {
      answer.devices = answer.devices.filter((d) => d.SERIAL !== "E00122000000002");
    };
    await runtime._redNodes.setFlows(
      flow.map((n) => (n.id === "list" ? { ...n, name: "renamed" } : n)),
      undefined,
      "full",
    );
    await until(
      () => (helper.getNode("list") as unknown as { name?: string } | null)?.name === "renamed",
      4000,
      "the redeployed flow",
    );
    const after = await poll();
    assert.deepStrictEqual(
      after.payload.missing.map((m) => m.serial),
      ["E00122000000002"],
    );
    assert.strictEqual(
      after.payload.missing[0].held.ltea_3phsum_kwh,
      before.payload.inverters[1].metrics.ltea_3phsum_kwh,
    );
    assert.deepStrictEqual([after.payload.site.inverters.known, after.payload.site.inverters.missing], [3, 1]);
    const status = (helper.getNode("list").status as unknown as sinon.SinonSpy).lastCall.args[0];
    assert.match(status.text, /status\.invertersOf/);
  });

  it("remembers inverters across a Node-RED restart with a file-backed context store", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pvs-context-"));
    const saved = mkdtempSync(path.join(tmpdir(), "pvs-context-saved-"));
    const settings = { contextStorage: { default: { module: "localfilesystem", config: { dir, flushInterval: 0 } } } };
    // Loads the file store after the helper's runtime init and before the flows start, as a real start does.
    const withFileStore = [() => runtime._redNodes.loadContextsPlugin(), ...NODE_MODULES];
    try {
      helper.settings(settings);
      await start();
      await helper.load(withFileStore, testFlow(emulator, [listNode()]));
      await poll();
      await runtime._redNodes.closeContextsPlugin(); // flushes to disk, as a shutdown does
      cpSync(dir, saved, { recursive: true });
      await helper.unload(); // the helper wipes node contexts on unload; the copy is the "disk" after a restart
      dropLiveSiteMemories(); // and a restart loses everything the process held
      rmSync(dir, { recursive: true, force: true });
      cpSync(saved, dir, { recursive: true });

      emulator.editDeviceList = (answer) => {
        answer.devices = answer.devices.filter((d) => d.DEVICE_TYPE !== "Inverter");
      };
      await helper.load(withFileStore, testFlow(emulator, [listNode()]));
      const after = await poll();
      assert.deepStrictEqual(after.payload.missing.map((m) => m.serial).sort(), [
        "E00122000000001",
        "E00122000000002",
        "E00122000000003",
      ]);
      assert.strictEqual(after.payload.site.inverters.known, 3);
    } finally {
      helper.settings({});
      rmSync(dir, { recursive: true, force: true });
      rmSync(saved, { recursive: true, force: true });
    }
  });
});
