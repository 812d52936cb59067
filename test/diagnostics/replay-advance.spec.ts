// A replayed site moved forward in time (advanceReplay / --advance-rate): stamps move by the time, lifetime
// counters by the recorded power × time, read by the real pvs-device-list node; and the CLI serves a file.
import assert from "assert";
import { spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { NodeMessage } from "node-red";
import { advanceRecording } from "../../src/emulator/replay";
import { Recording, RECORDING_FORMAT } from "../../src/model/recording";
import { PvsEmulator } from "../../src/emulator/server";
import { siteVariables } from "../../src/emulator/varserver";
import { parseArgs } from "../../src/emulator/cli";
import { DeviceListPayload } from "../../src/model/device-list-output";
import { helper, until } from "../support/node-red";
import { NODE_MODULES, testFlow } from "../support/flows";

type Msg = NodeMessage & { payload: DeviceListPayload };
const FIXTURES = path.join(__dirname, "../fixtures");
const HOUR = 3_600_000;

function recordings(): Record<string, Recording> {
  const site = new PvsEmulator({ localApi: true, inverters: 3, now: () => Date.UTC(2026, 5, 21, 19, 0, 0) });
  return {
    legacy: { format: RECORDING_FORMAT, legacy: { DeviceList: JSON.parse(fs.readFileSync(path.join(FIXTURES, "seed-device-list.json"), "utf8")) as unknown } },
    localapi: { format: RECORDING_FORMAT, legacy: { "supervisor/info": site.site.supervisorInfo() }, vars: Object.fromEntries(siteVariables(site.site, site.site.snapshot())) },
  };
}

describe("replay advanced in time (real runtime)", function () {
  this.timeout(20000);
  let emulator: PvsEmulator | null = null;
  afterEach(async () => {
    await helper.unload();
    await emulator?.stop();
    emulator = null;
  });

  for (const [api, recording] of Object.entries(recordings())) {
    it(`${api}: an hour later, every inverter's lifetime counter grew by its power × 1 h and its data time by 1 h`, async () => {
      emulator = new PvsEmulator({ replay: recording });
      await emulator.start();
      await helper.load(NODE_MODULES, testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 0 }]));
      const got: Msg[] = [];
      helper.getNode("out").on("input", (m: unknown) => got.push(m as Msg));
      helper.getNode("list").receive({});
      await until(() => got.length === 1, 6000, "the first list");
      emulator.advanceReplay(HOUR);
      helper.getNode("list").receive({});
      await until(() => got.length === 2, 6000, "the list an hour later");
      const [before, after] = got.map((m) => new Map(m.payload.inverters.map((d) => [d.serial, d])));
      assert.ok(
        [...before.values()].some((d) => (d.metrics.p_3phsum_kw as number) > 0),
        "inverters producing, so the counters must move",
      );
      for (const [serial, was] of before) {
        const now = after.get(serial);
        assert.ok(now, String(serial));
        const kw = was.metrics.p_3phsum_kw as number;
        assert.ok(Math.abs((now.metrics.ltea_3phsum_kwh as number) - ((was.metrics.ltea_3phsum_kwh as number) + kw)) < 1e-3, `${serial} lifetime +${kw} kWh`);
        assert.strictEqual(Date.parse(String(now.dataTime)) - Date.parse(String(was.dataTime)), HOUR, `${serial} data time`);
        assert.strictEqual(now.metrics.p_3phsum_kw, kw, "power held");
      }
    });
  }

  it("advanceRecording leaves the recording itself alone, and moves a meter's import and export counters by their part", () => {
    const meter = {
      DEVICE_TYPE: "Power Meter",
      SERIAL: "M1c",
      DATATIME: "2026,06,21,23,30,00",
      p_3phsum_kw: "-2",
      net_ltea_3phsum_kwh: "10.00",
      pos_ltea_3phsum_kwh: "20.00",
      neg_ltea_3phsum_kwh: "10.00",
    };
    const recording: Recording = {
      format: RECORDING_FORMAT,
      legacy: { DeviceList: { devices: [meter] } },
      vars: { "/sys/livedata/time": "1782070200", "/sys/livedata/pv_p": "3", "/sys/livedata/pv_en": "100" },
    };
    const later = advanceRecording(recording, 30 * 60_000);
    const m = (later.legacy?.DeviceList as { devices: Array<Record<string, unknown>> }).devices[0];
    assert.deepStrictEqual([m.DATATIME, m.net_ltea_3phsum_kwh, m.pos_ltea_3phsum_kwh, m.neg_ltea_3phsum_kwh], ["2026,06,22,00,00,00", "9.0000", "20.0000", "11.0000"]);
    assert.deepStrictEqual([later.vars?.["/sys/livedata/time"], later.vars?.["/sys/livedata/pv_en"]], ["1782072000", "101.5000"]);
    assert.strictEqual(meter.net_ltea_3phsum_kwh, "10.00", "unchanged");
  });

  it("pvs-emulator --replay FILE serves the file (legacy DeviceList; --help names the option)", async () => {
    assert.deepStrictEqual([parseArgs(["--replay", "x.json", "--advance-rate", "60"]).replayFile, parseArgs(["--replay", "x.json", "--advance-rate", "60"]).replayAdvanceRate], ["x.json", 60]);
    assert.throws(() => parseArgs(["--help"]), /--replay +serve the answers recorded in FILE/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-replay-"));
    const file = path.join(dir, "capture.json");
    fs.writeFileSync(file, JSON.stringify(recordings().legacy));
    const cli = spawn(process.execPath, [path.join(__dirname, "../../nodes/emulator/cli.js"), "--replay", file, "--port", "0", "--https-port", "0", "--telemetry-port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      cli.stdout.on("data", (d: Buffer) => (out += d.toString()));
      await until(() => /http:\/\/127\.0\.0\.1:\d+/.test(out), 8000, `the startup line (${out})`);
      assert.match(out, /replaying .*capture\.json.*legacy API/);
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(out)?.[0] as string;
      const list = (await (await fetch(`${url}/cgi-bin/dl_cgi?Command=DeviceList`)).json()) as { devices: unknown[] };
      assert.strictEqual(list.devices.length, (recordings().legacy.legacy?.DeviceList as { devices: unknown[] }).devices.length);
      assert.strictEqual((await fetch(`${url}/cgi-bin/dl_cgi?Command=Get_Comm`)).status, 404, "what the file lacks is not invented");
    } finally {
      cli.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
