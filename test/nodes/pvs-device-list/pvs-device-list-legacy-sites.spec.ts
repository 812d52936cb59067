// pvs-device-list on the legacy sites the emulator now answers as real units do: the 2019 build 4150 consumption
// meter without subtype or backward counter, the SunVault parts with their states and parents (real runtime, HTTP).
import assert from "assert";
import { NodeMessage } from "node-red";
import { EmulatorOptions, PvsEmulator } from "../../../src/emulator/server";
import { DeviceListPayload } from "../../../src/model/device-list-output";
import { helper, nextMessages } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";

type Msg = NodeMessage & { payload: DeviceListPayload };

describe("pvs-device-list on real-shaped legacy sites (real Node-RED runtime)", function () {
  this.timeout(15000);
  let emulator: PvsEmulator;
  const run = async (options: EmulatorOptions): Promise<Msg> => {
    emulator = new PvsEmulator({ inverters: 3, ...options });
    await emulator.start();
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 0 }]),
    );
    const got = nextMessages<Msg>(helper.getNode("out"));
    helper.getNode("list").receive({});
    return (await got)[0];
  };
  afterEach(async () => {
    await helper.unload();
    await emulator.stop();
  });

  it("2019: the consumption meter is told by TYPE/MODEL (no subtype), its CT read from its net counter", async () => {
    const msg = await run({ firmware: "2019" });
    const consumption = msg.payload.meters.consumption;
    assert.ok(consumption, "the consumption meter is classified");
    assert.strictEqual(consumption.properties.subtype, undefined, "the real 4150 meter has none");
    assert.strictEqual(consumption.model, "PVS6M0400c");
    assert.ok(msg.payload.meters.production, "the production meter too");
    // The net counter runs backward (as the real 4150 captures' do): the CT is read as net, inferred.
    assert.deepStrictEqual(
      [msg.payload.site.consumptionCt.mode, msg.payload.site.consumptionCt.basis],
      ["net", "inferred"],
    );
    assert.strictEqual(typeof msg.payload.site.consumption_kw, "number");
    assert.strictEqual(msg.payload.supervisor?.properties.HWVER, "6.0");
  });

  it("shows model strings trimmed: a MODEL padded with spaces reads as the plain one", async () => {
    emulator = new PvsEmulator({ inverters: 2 });
    emulator.editDeviceList = (answer) => {
      for (const d of answer.devices) d.MODEL = `${String(d.MODEL)}  `;
    };
    await emulator.start();
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 0 }]),
    );
    const got = nextMessages<Msg>(helper.getNode("out"));
    helper.getNode("list").receive({});
    const msg = (await got)[0];
    assert.deepStrictEqual(
      msg.payload.devices.map((d) => d.model),
      ["PV Supervisor PVS6", "PVS6M0400p", "PVS6M0400c", "AC_Module_Type_H", "AC_Module_Type_H"],
    );
    assert.strictEqual(msg.payload.meters.consumption?.model, "PVS6M0400c", "and classified by it");
  });

  it("SunVault: the HUB+ in error, the gateway without a parent, the storage inverter under its ESS", async () => {
    const msg = await run({ storage: true });
    const byType = (t: string) => msg.payload.devices.find((d) => d.deviceType === t);
    assert.strictEqual(byType("HUB+")?.state, "error");
    assert.strictEqual(byType("HUB+")?.category, "storage");
    assert.strictEqual(byType("Gateway")?.parent, null);
    assert.strictEqual(byType("Storage Inverter")?.parent, byType("Energy Storage System")?.serial);
    assert.strictEqual(byType("ESS Hub")?.category, "storage");
  });
});
