// pvs-inverter-split's split without Node-RED: each option of the node's form, on a device list of the emulated
// site (3 inverters, 2 meters, the supervisor) and a storage system.
import assert from "assert";
import { Device, DeviceList } from "../../src/model/device";
import { normalizeDeviceList } from "../../src/model/legacy-device-list";
import { DeviceMessage, Split, splitDeviceList, SplitError, SplitSettings, topicPrefixOf } from "../../src/model/split";
import { SimulatedSite } from "../../src/emulator/site";

function siteList(): DeviceList {
  const site = new SimulatedSite({
    inverters: 3,
    longitude: -117,
    serial: "ZT01234567890ABCDE",
    now: () => Date.UTC(2025, 5, 21, 19, 48),
  });
  const raw = site.deviceList();
  const ess = { DEVICE_TYPE: "Energy Storage System", SERIAL: "00001ABC1234_0123" };
  return normalizeDeviceList({ ...raw, devices: [...raw.devices, ess] });
}

function split(settings: SplitSettings, msg: Record<string, unknown> = { payload: siteList() }, prefix = "pvs"): Split {
  const result = splitDeviceList(msg, settings, { prefix, sequence: "seq" });
  if (result instanceof SplitError) throw result;
  return result;
}

function all(s: Split): Array<[number, DeviceMessage]> {
  return [...s.messages];
}

const topics = (s: Split) => all(s).map(([, m]) => m.topic);

const EVERY_KIND: SplitSettings = { splitInverters: true, splitMeters: true, splitSupervisor: true, splitOther: true };

describe("model/split", () => {
  it("splits the inverters only by default, one message each on one output, topic pvs/inverter/<serial>", () => {
    const s = split({});
    assert.strictEqual(s.count, 3);
    assert.strictEqual(s.outputs, 1);
    const out = all(s);
    assert.deepStrictEqual(
      out.map(([o, m]) => [o, m.topic, m.deviceType]),
      [
        [0, "pvs/inverter/E00122000000001", "Inverter"],
        [0, "pvs/inverter/E00122000000002", "Inverter"],
        [0, "pvs/inverter/E00122000000003", "Inverter"],
      ],
    );
    assert.deepStrictEqual(
      out.map(([, m]) => m.parts),
      [0, 1, 2].map((index) => ({ id: "seq-0", index, count: 3, type: "array" })),
    );
  });

  it("splits meters, the supervisor and other devices when ticked, an 'other' under its own type", () => {
    assert.deepStrictEqual(topics(split({ splitInverters: false, splitMeters: true })), [
      "pvs/meter/PVS6M01234567p",
      "pvs/meter/PVS6M01234567c",
    ]);
    assert.deepStrictEqual(topics(split({ splitInverters: false, splitSupervisor: true })), [
      "pvs/supervisor/ZT01234567890*****",
    ]);
    assert.deepStrictEqual(topics(split({ splitInverters: false, splitOther: true })), [
      "pvs/energy-storage-system/00001ABC1234_0123",
    ]);
    assert.strictEqual(split({ splitInverters: false }).count, 0, "nothing ticked: nothing to send");
    assert.strictEqual(split(EVERY_KIND).count, 7);
  });

  it("single output: every kind on output 1 in one sequence; per type: outputs 1-4, a sequence each", () => {
    const single = all(split(EVERY_KIND));
    assert.ok(single.every(([o, m]) => o === 0 && m.parts.id === "seq-0" && m.parts.count === 7));
    assert.deepStrictEqual(
      single.map(([, m]) => m.parts.index),
      [0, 1, 2, 3, 4, 5, 6],
    );
    const s = split({ ...EVERY_KIND, outputMode: "perType" });
    assert.strictEqual(s.outputs, 4);
    const byOutput = [0, 1, 2, 3].map((o) =>
      all(s)
        .filter(([out]) => out === o)
        .map(([, m]) => m),
    );
    assert.deepStrictEqual(
      byOutput.map((ms) => ms.map((m) => m.deviceType)),
      [["Inverter", "Inverter", "Inverter"], ["Power Meter", "Power Meter"], ["PVS"], ["Energy Storage System"]],
    );
    for (const [o, ms] of byOutput.entries())
      assert.deepStrictEqual(
        ms.map((m) => m.parts),
        ms.map((_m, index) => ({ id: `seq-${o}`, index, count: ms.length, type: "array" })),
      );
  });

  it("takes a topic prefix without its trailing slashes, 'pvs' when blank, and refuses MQTT wildcards", () => {
    assert.strictEqual(topicPrefixOf("home/pv//"), "home/pv");
    assert.strictEqual(topicPrefixOf(" site "), "site");
    for (const blank of [undefined, null, "", "  ", "/"]) assert.strictEqual(topicPrefixOf(blank), "pvs");
    for (const bad of ["home/#", "a/+/b", 42, {}]) assert.strictEqual(topicPrefixOf(bad), null);
    assert.strictEqual(topics(split({}, { payload: siteList() }, "home/pv"))[0], "home/pv/inverter/E00122000000001");
    const refused = splitDeviceList({ payload: siteList() }, {}, { prefix: null, sequence: "seq" });
    assert.ok(refused instanceof SplitError);
    assert.strictEqual(refused.code, "PVS_BAD_INPUT");
  });

  it("sends only the chosen serials, of the ticked kinds, when some are chosen", () => {
    const chosen = ["E00122000000002", "PVS6M01234567c", 7, ""];
    assert.deepStrictEqual(topics(split({ serials: chosen })), ["pvs/inverter/E00122000000002"]);
    // In the device list's order: the emulated site lists its meters before its inverters.
    assert.deepStrictEqual(topics(split({ serials: chosen, splitMeters: true })), [
      "pvs/meter/PVS6M01234567c",
      "pvs/inverter/E00122000000002",
    ]);
    assert.strictEqual(split({ serials: "E00122000000002" }).count, 3, "not a list: every device");
  });

  it("carries the input message's other properties, and copies each device", () => {
    const payload = siteList();
    const out = all(split({}, { payload, topic: "in", parts: { id: "x" }, _msgid: "m1", site: "east" }));
    const [, first] = out[0];
    assert.strictEqual(first.site, "east");
    assert.strictEqual(first._msgid, undefined);
    assert.notStrictEqual(
      first.payload,
      payload.devices.find((d) => d.serial === "E00122000000001"),
    );
    assert.deepStrictEqual(
      first.payload,
      payload.devices.find((d) => d.serial === "E00122000000001"),
    );
  });

  it("refuses a payload that is not a device list with PVS_BAD_INPUT", () => {
    for (const payload of ["hello", null, { devices: [null] }, { devices: "no" }]) {
      const result = splitDeviceList({ payload }, {}, { prefix: "pvs", sequence: "seq" });
      assert.ok(result instanceof SplitError, JSON.stringify(payload));
      assert.strictEqual(result.code, "PVS_BAD_INPUT");
    }
  });

  it("fails the whole split with PVS_SPLIT_FAILED for a device it cannot copy, naming which", () => {
    const payload = siteList();
    const inverter = payload.devices.find((d) => d.serial === "E00122000000002") as Device;
    // A function cannot be cloned (structuredClone): what a flow that put one into the payload would hit.
    (inverter as unknown as Record<string, unknown>).callback = () => 1;
    const s = split({}, { payload });
    assert.throws(
      () => all(s),
      (err: unknown) =>
        err instanceof SplitError &&
        err.code === "PVS_SPLIT_FAILED" &&
        /device 2 of 3 \(Inverter\) .*none was sent/.test(err.message),
    );
  });
});
