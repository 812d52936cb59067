// The command catalogue of pvs-command: what may run, with which parameters, and how each answer is read.
import assert from "assert";
import {
  parseCheckFw,
  parseDeviceDetails,
  parseDiscoveryProgress,
  parseGridProfile,
  parseResultOnly,
  parseSupervisorInfo,
  supervisorHealth,
} from "../../src/model/command-answers";
import { normalizeDeviceList } from "../../src/model/legacy-device-list";
import { supervisorDevice } from "../../src/model/localapi-device-list";
import { COMMAND_NAMES, COMMANDS, commandParams, commandRequest, commandSpec } from "../../src/pvs/connection/commands";
import { PvsError } from "../../src/pvs/http/errors";

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error("expected a throw");
}

const SERIAL = "ZT01234567890ABCDE";

describe("pvs-command catalogue", () => {
  it("offers only reads, and refuses writes, the device list and unknown names with PVS_NOT_ALLOWED", () => {
    assert.deepStrictEqual([...COMMAND_NAMES].sort(), [
      "CheckFW",
      "DeviceDetails",
      "GetDiscoveryProgress",
      "GridProfileGet",
      "Start",
      "Stop",
      "SupervisorHealth",
      "SupervisorInfo",
    ]);
    for (const name of [
      "SetCellPurchased",
      "GridProfileRefresh",
      "StartDiscovery",
      "DeviceList",
      "Get_Comm",
      "Reboot",
      "checkfw",
      "CheckFW;reboot",
    ]) {
      const err = thrown(() => commandSpec(name));
      assert.ok(err instanceof PvsError, name);
      assert.strictEqual(err.code, "PVS_NOT_ALLOWED", name);
    }
    assert.match(thrown(() => commandSpec("SetCellPurchased")).message, /changes the PVS/);
    assert.match(thrown(() => commandSpec("DeviceList")).message, /pvs-device-list/);
  });

  it("refuses a command that is not text with PVS_BAD_INPUT", () => {
    for (const value of [42, null, ["CheckFW"], { name: "CheckFW" }, "", "  "])
      assert.strictEqual(thrown(() => commandSpec(value)).code, "PVS_BAD_INPUT", JSON.stringify(value));
    assert.strictEqual(commandSpec(" CheckFW ").name, "CheckFW");
  });

  it("CheckFW: type residential by default, commercial when asked, nothing else", () => {
    const spec = COMMANDS.CheckFW;
    assert.deepStrictEqual(commandParams(spec, undefined), { type: "residential" });
    assert.deepStrictEqual(commandParams(spec, { type: "commercial" }), { type: "commercial" });
    assert.deepStrictEqual(
      commandParams(spec, undefined, { type: "commercial", SerialNumber: "E001" }),
      { type: "commercial" },
      "the form's defaults of other commands are ignored",
    );
    assert.deepStrictEqual(
      commandParams(spec, { type: "residential" }, { type: "commercial" }),
      { type: "residential" },
      "the message wins over the form",
    );
    for (const type of ["industrial", "Residential", 1, true, ["residential"], { v: 1 }])
      assert.strictEqual(thrown(() => commandParams(spec, { type })).code, "PVS_BAD_INPUT", JSON.stringify(type));
  });

  it("DeviceDetails: a serial is required and must look like one", () => {
    const spec = COMMANDS.DeviceDetails;
    assert.strictEqual(thrown(() => commandParams(spec, undefined)).code, "PVS_BAD_INPUT");
    assert.deepStrictEqual(commandParams(spec, { SerialNumber: "E00122000000001" }), {
      SerialNumber: "E00122000000001",
    });
    assert.deepStrictEqual(commandParams(spec, undefined, { SerialNumber: "PVS6M01234567p" }), {
      SerialNumber: "PVS6M01234567p",
    });
    const composite = "00001C398F32_M00122132A10D3_M00122125A0B6F_M00122132A0EBD_M00122132A10D0";
    assert.deepStrictEqual(commandParams(spec, { SerialNumber: composite }), { SerialNumber: composite });
    for (const bad of ["ZT01234567890*****", "E001&Command=SetCellPurchased", "E00 1", "<b>", "x".repeat(101), "E0"]) {
      assert.strictEqual(thrown(() => commandParams(spec, { SerialNumber: bad })).code, "PVS_BAD_INPUT", bad);
    }
  });

  it("refuses injected and unknown parameters: Command with PVS_NOT_ALLOWED, the others with PVS_BAD_INPUT", () => {
    assert.strictEqual(
      thrown(() => commandParams(COMMANDS.CheckFW, { type: "residential", Command: "SetCellPurchased" })).code,
      "PVS_NOT_ALLOWED",
    );
    assert.strictEqual(thrown(() => commandParams(COMMANDS.GridProfileGet, { command: "x" })).code, "PVS_NOT_ALLOWED");
    assert.strictEqual(thrown(() => commandParams(COMMANDS.GridProfileGet, { verbose: "1" })).code, "PVS_BAD_INPUT");
    assert.strictEqual(thrown(() => commandParams(COMMANDS.Stop, "type=commercial")).code, "PVS_BAD_INPUT");
    assert.strictEqual(thrown(() => commandParams(COMMANDS.Stop, ["a"])).code, "PVS_BAD_INPUT");
    assert.strictEqual(
      thrown(() => commandParams(COMMANDS.CheckFW, JSON.parse('{"__proto__":{"type":"x"}}'))).code,
      "PVS_BAD_INPUT",
    );
  });

  it("builds the dl_cgi request through the legacy allow-list", () => {
    const request = commandRequest(COMMANDS.CheckFW, { type: "commercial" });
    assert.deepStrictEqual(request.params, { Command: "CheckFW", type: "commercial" });
    assert.strictEqual(request.rationed, undefined);
    assert.strictEqual(thrown(() => commandRequest(COMMANDS.SupervisorInfo, {})).code, "PVS_INTERNAL");
  });
});

describe("pvs-command answers", () => {
  it("CheckFW: none is up to date, a URL is an update, anything else is a bad answer", () => {
    assert.deepStrictEqual(parseCheckFw({ url: "none" }, "residential"), {
      updateAvailable: false,
      url: null,
      type: "residential",
    });
    assert.deepStrictEqual(parseCheckFw({ url: " None " }, "residential").updateAvailable, false);
    assert.deepStrictEqual(parseCheckFw({ url: "https://fw.example/pvs6/2025.10.bin" }, "commercial"), {
      updateAvailable: true,
      url: "https://fw.example/pvs6/2025.10.bin",
      type: "commercial",
    });
    for (const raw of [{}, { url: 1 }, { url: "<html>x</html>" }, { url: "two words" }])
      assert.strictEqual(thrown(() => parseCheckFw(raw, "residential")).code, "PVS_BAD_RESPONSE", JSON.stringify(raw));
  });

  it("GridProfileGet: active and pending profile, whether a change waits", () => {
    const raw = {
      result: "succeed",
      active_name: "IEEE-1547a-2014 + 2020 CA Rule21",
      active_id: "816b",
      pending_name: "IEEE-1547a-2014 + 2020 CA Rule21",
      pending_id: "816b",
      percent: 100,
      supported_by: "ALL",
      status: "success",
    };
    assert.deepStrictEqual(parseGridProfile(raw), {
      active: { name: "IEEE-1547a-2014 + 2020 CA Rule21", id: "816b" },
      pending: { name: "IEEE-1547a-2014 + 2020 CA Rule21", id: "816b" },
      changePending: false,
      percent: 100,
      supportedBy: "ALL",
      status: "success",
    });
    assert.strictEqual(parseGridProfile({ ...raw, pending_id: "aaaa", percent: "40" }).changePending, true);
    assert.strictEqual(parseGridProfile({ ...raw, pending_id: "aaaa", percent: "40" }).percent, 40);
    assert.strictEqual(thrown(() => parseGridProfile({ result: "succeed" })).code, "PVS_BAD_RESPONSE");
  });

  it("GetDiscoveryProgress: per type progress and completion", () => {
    const out = parseDiscoveryProgress({
      progress: [{ TYPE: "SOLARBRIDGE", PROGR: "60", NFOUND: 12 }],
      complete: false,
      result: "succeed",
    });
    assert.deepStrictEqual(out, { complete: false, progress: [{ type: "SOLARBRIDGE", percent: 60, found: 12 }] });
    assert.strictEqual(parseDiscoveryProgress({ progress: [], complete: "true" }).complete, true);
    for (const raw of [
      { complete: true },
      { progress: "x", complete: true },
      { progress: [1], complete: true },
      { progress: [], complete: "maybe" },
    ]) {
      assert.strictEqual(thrown(() => parseDiscoveryProgress(raw)).code, "PVS_BAD_RESPONSE", JSON.stringify(raw));
    }
  });

  it("Start and supervisor/info: identity with the serial masked, PVS5 build from SWVER", () => {
    const pvs6 = parseSupervisorInfo({
      result: "succeed",
      supervisor: { SWVER: "2025.06, Build 61839", SERIAL: SERIAL, MODEL: "PVS6", BUILD: 61839, FWVER: "1.0.0" },
    });
    assert.deepStrictEqual(pvs6, {
      model: "PVS6",
      version: "2025.06, Build 61839",
      build: 61839,
      firmware: "1.0.0",
      serial: "ZT01234567890*****",
      properties: {
        SWVER: "2025.06, Build 61839",
        SERIAL: "ZT01234567890*****",
        MODEL: "PVS6",
        BUILD: 61839,
        FWVER: "1.0.0",
      },
    });
    assert.strictEqual(
      parseSupervisorInfo({ supervisor: { SWVER: "2025.11, Build 5412", MODEL: "PVS5" } }).build,
      5412,
    );
    assert.strictEqual(thrown(() => parseSupervisorInfo({ result: "succeed" })).code, "PVS_BAD_RESPONSE");
    assert.ok(!JSON.stringify(pvs6).includes(SERIAL));
  });

  it("Stop: succeed or success", () => {
    assert.deepStrictEqual(parseResultOnly({ result: "succeed" }), { ok: true, result: "succeed" });
    assert.deepStrictEqual(parseResultOnly({ result: "success" }), { ok: true, result: "success" });
    assert.strictEqual(thrown(() => parseResultOnly({})).code, "PVS_BAD_RESPONSE");
  });

  it("DeviceDetails: device records in any of the shapes, normalized like the device list's", () => {
    const inverter = {
      DEVICE_TYPE: "Inverter",
      SERIAL: "E00122000000001",
      MODEL: "AC_Module_Type_H",
      STATE: "working",
      p_3phsum_kw: "0.125",
      CURTIME: "2025,06,22,00,16,19",
      DATATIME: "2025,06,22,00,15,00",
    };
    const fromList = parseDeviceDetails({ devices: [inverter], result: "succeed" }, "E00122000000001");
    assert.strictEqual(fromList.device?.serial, "E00122000000001");
    assert.strictEqual(fromList.device?.metrics.p_3phsum_kw, 0.125);
    assert.strictEqual(parseDeviceDetails({ device: inverter }, "e00122000000001").device?.serial, "E00122000000001");
    assert.strictEqual(parseDeviceDetails(inverter, "E00122000000001").devices.length, 1);
    const pvs = parseDeviceDetails({ devices: [{ DEVICE_TYPE: "PVS", SERIAL: SERIAL, dl_uptime: "10" }] }, SERIAL);
    assert.ok(!JSON.stringify(pvs).includes(SERIAL), "the supervisor's serial is masked");
    assert.strictEqual(
      thrown(() => parseDeviceDetails({ result: "succeed" }, "E00122000000001")).code,
      "PVS_BAD_RESPONSE",
    );
    assert.strictEqual(
      thrown(() => parseDeviceDetails({ devices: ["x"] }, "E00122000000001")).code,
      "PVS_BAD_RESPONSE",
    );
  });

  it("supervisor health: legacy dl_* figures, LocalAPI percentages, null for what an API lacks", () => {
    const list = normalizeDeviceList({
      devices: [
        {
          DEVICE_TYPE: "PVS",
          SERIAL,
          MODEL: "PV Supervisor PVS6",
          DATATIME: "2019,05,14,03,50,00",
          CURTIME: "2019,05,14,03,53,46",
          dl_comm_err: "300",
          dl_cpu_load: "0.27",
          dl_err_count: "0",
          dl_flash_avail: "76618",
          dl_mem_used: "38812",
          dl_skipped_scans: "0",
          dl_untransmitted: "9642",
          dl_uptime: "12894",
        },
      ],
    });
    const legacy = supervisorHealth("legacy", list.supervisor);
    assert.deepStrictEqual(legacy, {
      api: "legacy",
      model: "PV Supervisor PVS6",
      serial: "ZT01234567890*****",
      dataTime: "2019-05-14T03:50:00.000Z",
      uptime_s: 12894,
      cpu_load: 0.27,
      cpu_usage_pct: null,
      mem_used_kib: 38812,
      ram_usage_pct: null,
      flash_avail_kib: 76618,
      flash_usage_pct: null,
      flash_wear_band: null,
      untransmitted: 9642,
      comm_errors: 300,
      error_count: 0,
      skipped_scans: 0,
    });
    const vars = supervisorDevice(
      {
        "/sys/info/serialnum": SERIAL,
        "/sys/info/model": "PVS6",
        "/sys/info/uptime": "31371.70",
        "/sys/info/cpu_usage": "12",
        "/sys/info/ram_usage": "38",
        "/sys/info/flash_usage": "21",
        "/sys/pvs/flashwear_type_b": "0x01",
      },
      null,
    );
    const local = supervisorHealth("localapi", vars);
    assert.strictEqual(local.uptime_s, 31371.7);
    assert.strictEqual(local.cpu_usage_pct, 12);
    assert.strictEqual(local.ram_usage_pct, 38);
    assert.strictEqual(local.flash_usage_pct, 21);
    assert.strictEqual(local.flash_wear_band, 1);
    assert.strictEqual(local.cpu_load, null);
    assert.strictEqual(local.untransmitted, null);
    assert.strictEqual(local.serial, "ZT01234567890*****");
    assert.strictEqual(thrown(() => supervisorHealth("legacy", null)).code, "PVS_BAD_RESPONSE");
  });
});
