// What a replayed recording answers for what the capture lacks: what the firmware would, never an invented
// value. Real HTTP(S) requests against the emulator serving a recording.
// - LocalAPI firmware locks the legacy API (403 on every dl_cgi command but the open supervisor/info;
//   firmware 61840+, krbaker/hass-sunpower#125);
// - a `/vars` name the namespace lacks fails the whole request: tjmonk/fcgi_vars src/fcgi_vars.c
//   ProcessNameQuery sets ERROR_VARIABLE_NOT_FOUND (0x100) and ErrorResponse prints
//   `{"status": 400, "description" : "Bad request", "errorcode" : "0x0100"}`;
// - a legacy unit's command that the capture lacks is 404 (src/emulator/replay.ts), never a made-up answer.
import assert from "assert";
import fs from "fs";
import path from "path";
import { PvsEmulator } from "../../src/emulator/server";
import { Recording, RECORDING_FORMAT } from "../../src/model/recording";
import { byName, login, request, vars } from "../emulator/request";

const CORPUS = path.join(__dirname, "../fixtures/corpus");
const SERIAL = "ZT01234567890ABCDE";
type Json = Record<string, unknown>;
const read = (file: string): Json => JSON.parse(fs.readFileSync(path.join(CORPUS, file), "utf8")) as Json;

/** The vendor's documented LocalAPI answers (pypvs doc/LocalAPI.md), with a serial so that the owner login works. */
function localApiRecording(): Recording {
  return {
    format: RECORDING_FORMAT,
    vars: {
      "/sys/info/model": "PVS6",
      "/sys/info/serialnum": SERIAL,
      ...read("SunStrong-Management__pypvs/LocalAPI-vars-match-rev-obj.json"),
      ...read("SunStrong-Management__pypvs/LocalAPI-vars-match-livedata-obj-1.json"),
    },
  };
}

describe("a replayed recording answers what it lacks as the firmware would (real HTTP)", function () {
  this.timeout(10000);
  let emulator: PvsEmulator | null = null;
  afterEach(async () => {
    await emulator?.stop();
    emulator = null;
  });

  async function serve(recording: Recording): Promise<PvsEmulator> {
    emulator = new PvsEmulator({ replay: recording });
    await emulator.start();
    return emulator;
  }

  it("LocalAPI recording: a legacy DeviceList is 403 (Get_Comm, Start, the ESS report too); supervisor/info, open on that firmware, is 404 when not recorded", async () => {
    const e = await serve(localApiRecording());
    for (const command of ["DeviceList", "Get_Comm", "Start"]) {
      const reply = await request(`${e.url}/cgi-bin/dl_cgi?Command=${command}`);
      assert.strictEqual(reply.status, 403, command);
      assert.deepStrictEqual(reply.json, { status: 403, error: "Unauthorized", path: "" }, `${command} body`);
    }
    assert.strictEqual(
      (await request(`${e.url}/cgi-bin/dl_cgi/energy-storage-system/status`)).status,
      403,
      "the ESS report is locked too",
    );
    const info = await request(`${e.httpsUrl}/cgi-bin/dl_cgi/supervisor/info`);
    assert.strictEqual(info.status, 404, "supervisor/info the recording lacks is not invented");
  });

  it("LocalAPI recording: a /vars name it lacks is 400 with fcgi_vars's error body, alone or in a list; a recorded one is served", async () => {
    const e = await serve(localApiRecording());
    const cookie = await login(e.httpsUrl, SERIAL);
    const firmwareError = { status: 400, description: "Bad request", errorcode: "0x0100" };
    const missing = await vars(e.httpsUrl, "name=/sys/devices/inverter/0/sn", cookie);
    assert.deepStrictEqual([missing.status, missing.json], [400, firmwareError], "a name the recording lacks");
    const mixed = await vars(e.httpsUrl, "name=/sys/info/sw_rev,/sys/info/not_recorded", cookie);
    assert.deepStrictEqual([mixed.status, mixed.json], [400, firmwareError], "one unknown name fails the whole list");
    const known = await vars(e.httpsUrl, "name=/sys/info/sw_rev", cookie);
    assert.strictEqual(known.status, 200);
    assert.strictEqual(
      byName(known).get("/sys/info/sw_rev"),
      read("SunStrong-Management__pypvs/LocalAPI-vars-match-rev-obj.json")["/sys/info/sw_rev"],
      "the recorded value",
    );
  });

  it("legacy recording: a command it lacks is 404 (never invented), the LocalAPI paths do not exist, a recorded one is served", async () => {
    const list = read("ginoledesma__sunpower-pvs-exporter/device_list.json");
    const e = await serve({ format: RECORDING_FORMAT, legacy: { DeviceList: list } });
    for (const command of ["Get_Comm", "Start", "GridProfileGet"]) {
      const reply = await request(`${e.url}/cgi-bin/dl_cgi?Command=${command}`);
      assert.deepStrictEqual(
        [reply.status, reply.json],
        [404, { result: "error", msg: `${command} is not in this recording` }],
        command,
      );
    }
    for (const sub of ["supervisor/info", "energy-storage-system/status"]) {
      assert.strictEqual((await request(`${e.url}/cgi-bin/dl_cgi/${sub}`)).status, 404, sub);
    }
    assert.strictEqual(
      (await request(`${e.httpsUrl}/vars?name=/sys/info/sw_rev`)).status,
      404,
      "a legacy unit has no /vars",
    );
    assert.strictEqual((await request(`${e.httpsUrl}/auth?login`)).status, 404, "nor /auth");
    const served = await request(`${e.url}/cgi-bin/dl_cgi?Command=DeviceList`);
    assert.deepStrictEqual([served.status, served.json], [200, list], "the recorded answer as it is");
  });
});
