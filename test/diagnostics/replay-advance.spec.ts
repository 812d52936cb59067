// A replayed site moved forward in time (advanceReplay / --advance-rate): stamps move by the time, lifetime
// counters by the recorded power × time, read by the real pvs-device-list node; and the CLI serves a file, a
// recording or one raw capture (recordingFromCapture).
import assert from "assert";
import { spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { NodeMessage } from "node-red";
import { advanceRecording, recordedFrames } from "../../src/emulator/replay";
import { Recording, RECORDING_FORMAT, recordingFromCapture } from "../../src/model/recording";
import { DEFAULT_SERIAL, PvsEmulator } from "../../src/emulator/server";
import { siteVariables } from "../../src/emulator/vars";
import { parseArgs } from "../../src/emulator/cli";
import { DeviceListPayload } from "../../src/model/device-list-output";
import { helper, until } from "../support/node-red";
import { login, vars as varsRequest } from "../emulator/request";
import { NODE_MODULES, testFlow } from "../support/flows";

type Msg = NodeMessage & { payload: DeviceListPayload };
const FIXTURES = path.join(__dirname, "../fixtures");
const HOUR = 3_600_000;

function recordings(): Record<string, Recording> {
  const site = new PvsEmulator({
    localApi: true,
    inverters: 3,
    longitude: -117,
    now: () => Date.UTC(2026, 5, 21, 19, 0, 0),
  });
  return {
    legacy: {
      format: RECORDING_FORMAT,
      legacy: {
        DeviceList: JSON.parse(fs.readFileSync(path.join(FIXTURES, "seed-device-list.json"), "utf8")) as unknown,
      },
    },
    localapi: {
      format: RECORDING_FORMAT,
      legacy: { "supervisor/info": site.site.supervisorInfo() },
      vars: Object.fromEntries(siteVariables(site.site, site.site.snapshot())),
    },
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
      await helper.load(
        NODE_MODULES,
        testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 0 }]),
      );
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
        assert.ok(
          Math.abs((now.metrics.ltea_3phsum_kwh as number) - ((was.metrics.ltea_3phsum_kwh as number) + kw)) < 1e-3,
          `${serial} lifetime +${kw} kWh`,
        );
        assert.strictEqual(
          Date.parse(String(now.dataTime)) - Date.parse(String(was.dataTime)),
          HOUR,
          `${serial} data time`,
        );
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
    assert.deepStrictEqual(
      [m.DATATIME, m.net_ltea_3phsum_kwh, m.pos_ltea_3phsum_kwh, m.neg_ltea_3phsum_kwh],
      ["2026,06,22,00,00,00", "9.0000", "20.0000", "11.0000"],
    );
    assert.deepStrictEqual(
      [later.vars?.["/sys/livedata/time"], later.vars?.["/sys/livedata/pv_en"]],
      ["1782072000", "101.5000"],
    );
    assert.strictEqual(meter.net_ltea_3phsum_kwh, "10.00", "unchanged");
  });

  it("advanceRecording holds a device still (stamp and counter; CURTIME moves), and recordedFrames moves a frame's time and counters by the power known at it", () => {
    const inverter = (serial: string) => ({
      DEVICE_TYPE: "Inverter",
      SERIAL: serial,
      CURTIME: "2026,06,21,19,00,00",
      DATATIME: "2026,06,21,18,59,00",
      p_3phsum_kw: "0.3",
      ltea_3phsum_kwh: "100.0000",
    });
    const recording: Recording = {
      format: RECORDING_FORMAT,
      legacy: { DeviceList: { devices: [inverter("E1"), inverter("E2")] } },
      vars: {
        "/sys/devices/inverter/0/sn": "E1",
        "/sys/devices/inverter/0/msmtEps": "2026-06-21T18:55:00Z",
        "/sys/devices/inverter/0/p3phsumKw": "0.3",
        "/sys/devices/inverter/0/ltea3phsumKwh": "100",
      },
    };
    const later = advanceRecording(recording, HOUR, new Set(["E1"]));
    const [held, moved] = (later.legacy?.DeviceList as { devices: Array<Record<string, unknown>> }).devices;
    assert.deepStrictEqual(
      [held.CURTIME, held.DATATIME, held.ltea_3phsum_kwh],
      ["2026,06,21,20,00,00", "2026,06,21,18,59,00", "100.0000"],
      "held: only the answer's time moves",
    );
    assert.deepStrictEqual([moved.DATATIME, moved.ltea_3phsum_kwh], ["2026,06,21,19,59,00", "100.3000"]);
    assert.deepStrictEqual(
      [later.vars?.["/sys/devices/inverter/0/msmtEps"], later.vars?.["/sys/devices/inverter/0/ltea3phsumKwh"]],
      ["2026-06-21T18:55:00Z", "100"],
      "held by its sn",
    );

    const frames = [
      { atMs: 0, frame: { notification: "power", params: { time: 1782068400, pv_p: 2, pv_en: 50 } } },
      { atMs: 1000, frame: { notification: "power", params: { time: 1782068401, pv_en: 50.0005 } } },
      { atMs: 2000, frame: "not JSON" },
    ];
    let elapsed = 0;
    const replayed = recordedFrames(frames, () => elapsed);
    assert.deepStrictEqual(replayed.frameNow(1), frames[1].frame, "not advanced: as recorded");
    elapsed = 30 * 60_000;
    assert.deepStrictEqual(
      replayed.frameNow(1),
      { notification: "power", params: { time: 1782070201, pv_en: 51.0005 } },
      "time +1800 s; pv_en + 2 kW (from the frame before) × 0.5 h",
    );
    assert.strictEqual(replayed.frameNow(2), "not JSON", "a text frame is sent as it is");
    assert.deepStrictEqual(parseArgs(["--replay", "x.json", "--hold", "E1, E2"]).replayHold, ["E1", "E2"]);
  });

  /** Starts the CLI from source (no build needed) on `file`, free ports; resolves with its startup line and URLs. */
  async function startCli(file: string): Promise<{ out: string; url: string; httpsUrl: string; stop: () => void }> {
    const cli = spawn(
      process.execPath,
      [
        "--require",
        require.resolve("tsx/cjs"),
        path.join(__dirname, "../../src/emulator/cli.ts"),
        "--replay",
        file,
        "--port",
        "0",
        "--https-port",
        "0",
        "--telemetry-port",
        "0",
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    cli.stdout.on("data", (d: Buffer) => (out += d.toString()));
    cli.stderr.on("data", (d: Buffer) => (err += d.toString()));
    try {
      await until(() => /https:\/\/127\.0\.0\.1:\d+/.test(out), 8000, `the startup line (${out}${err})`);
    } catch (e) {
      cli.kill();
      throw e;
    }
    return {
      out,
      url: /http:\/\/127\.0\.0\.1:\d+/.exec(out)?.[0] as string,
      httpsUrl: /https:\/\/127\.0\.0\.1:\d+/.exec(out)?.[0] as string,
      stop: () => cli.kill(),
    };
  }

  it("pvs-emulator --replay FILE serves the file (legacy DeviceList; --help names the option)", async () => {
    assert.deepStrictEqual(
      [
        parseArgs(["--replay", "x.json", "--advance-rate", "60"]).replayFile,
        parseArgs(["--replay", "x.json", "--advance-rate", "60"]).replayAdvanceRate,
      ],
      ["x.json", 60],
    );
    assert.throws(() => parseArgs(["--help"]), /--replay +serve the answers recorded in FILE/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-replay-"));
    const file = path.join(dir, "capture.json");
    fs.writeFileSync(file, JSON.stringify(recordings().legacy));
    const cli = await startCli(file);
    try {
      assert.match(cli.out, /replaying .*capture\.json.*legacy API/);
      const list = (await (await fetch(`${cli.url}/cgi-bin/dl_cgi?Command=DeviceList`)).json()) as {
        devices: unknown[];
      };
      assert.strictEqual(
        list.devices.length,
        (recordings().legacy.legacy?.DeviceList as { devices: unknown[] }).devices.length,
      );
      assert.strictEqual(
        (await fetch(`${cli.url}/cgi-bin/dl_cgi?Command=Get_Comm`)).status,
        404,
        "what the file lacks is not invented",
      );
    } finally {
      cli.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("pvs-emulator --replay FILE serves a raw corpus capture as it is: a legacy DeviceList, a /vars answer", async () => {
    const legacyFile = path.join(FIXTURES, "corpus/smcneece__ha-esunpower/dl_cgi.json");
    const legacy = await startCli(legacyFile);
    try {
      assert.match(legacy.out, /replaying .*dl_cgi\.json \(dl_cgi\.json\): legacy API/);
      const reply = await fetch(`${legacy.url}/cgi-bin/dl_cgi?Command=DeviceList`);
      assert.deepStrictEqual(
        [reply.status, await reply.json()],
        [200, JSON.parse(fs.readFileSync(legacyFile, "utf8"))],
        "the capture, unchanged",
      );
    } finally {
      legacy.stop();
    }
    const varsFile = path.join(FIXTURES, "corpus/ksmooove__SunPower-Monitoring/vars-livedata.json");
    const recorded = JSON.parse(fs.readFileSync(varsFile, "utf8")) as Record<string, unknown>;
    const vars = await startCli(varsFile);
    try {
      assert.match(vars.out, /replaying .*vars-livedata\.json.*: LocalAPI/);
      assert.strictEqual(
        (await fetch(`${vars.url}/cgi-bin/dl_cgi?Command=DeviceList`)).status,
        403,
        "LocalAPI firmware: legacy locked",
      );
      // No serial in the capture: the emulator's default one, whose last 5 characters are the password.
      const cookie = await login(vars.httpsUrl, DEFAULT_SERIAL);
      const reply = await varsRequest(vars.httpsUrl, "match=/sys/livedata/&fmt=obj", cookie);
      assert.deepStrictEqual([reply.status, reply.json], [200, recorded], "the captured variables, served back");
      assert.strictEqual(
        (await varsRequest(vars.httpsUrl, "name=/sys/info/sw_rev", cookie)).status,
        400,
        "what the capture lacks is the firmware's 400",
      );
    } finally {
      vars.stop();
    }
  });

  it("recordingFromCapture: each kind of raw capture goes where its request's answer goes; an unknown shape is refused", () => {
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, "corpus", f), "utf8")) as unknown;
    const keys = (r: Recording) => [Object.keys(r.legacy ?? {}), Object.keys(r.vars ?? {}).length > 0];
    assert.deepStrictEqual(keys(recordingFromCapture(read("cmalek__sungazer/Get_Comm.json"))), [["Get_Comm"], false]);
    assert.deepStrictEqual(keys(recordingFromCapture(read("cmalek__sungazer/Start.json"), "Start.json")), [
      ["Start"],
      false,
    ]);
    assert.deepStrictEqual(
      keys(recordingFromCapture(read("ksmooove__SunPower-Monitoring/supervisor-info.json"), "supervisor-info.json")),
      [["supervisor/info"], false],
    );
    assert.deepStrictEqual(
      keys(recordingFromCapture(JSON.parse(fs.readFileSync(path.join(FIXTURES, "sunvault-ess-status.json"), "utf8")))),
      [["energy-storage-system/status"], false],
    );
    const values = recordingFromCapture(read("SunStrong-Management__pypvs/LocalAPI-vars-name-values.json"));
    assert.deepStrictEqual(
      values.vars,
      { "/sys/info/sw_rev": "2025.06.24.61840", "/sys/info/lmac": "00:22:F2:13:85:54" },
      "the values form by name",
    );
    assert.strictEqual(recordingFromCapture(recordings().legacy).source, undefined, "a recording as it is");
    assert.throws(() => recordingFromCapture({ hello: "world" }), /nor a capture this package knows/);
  });
});
