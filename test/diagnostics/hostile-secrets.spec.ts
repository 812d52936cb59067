// Secrets where no key names them and spelled as the PVS likes, through the real nodes and the admin endpoint,
// with no password typed (the LocalAPI logs in with the serial's last 5 characters, which nothing else names):
// the serial in lower case or split by a dash, its password alone in a host name, the session cookie quoted by
// an error page, an SSID and Wi-Fi keys in log lines, MACs without separators, a public IP under `dns_resolver`,
// IMEI and ICCID. None is in the file; the certificate fingerprint, versions and ordinary numbers are as they were.
import assert from "assert";
import fs from "fs";
import path from "path";
import { Recording, RECORDING_FORMAT } from "../../src/model/recording";
import { PvsEmulator } from "../../src/emulator/server";
import { siteVariables } from "../../src/emulator/vars";
import { helper, until } from "../support/node-red";
import { FlowNode, NODE_MODULES, testFlow } from "../support/flows";

const SERIAL = "ZT21345678901K4M7P";
const PASSWORD = SERIAL.slice(-5);
const SSID = "MyHomeWiFi-7731";
const WPA_KEY = "hunter2-wpa-key-Zq8";
const PSK = "Lk3m9-psk-secret";
const BARE_MAC = "0012AB34CD56";
const PUBLIC_IP = "81.2.69.142";
const IMEI = "356938035643809";
const ICCID = "8901260882212345678";
/** A version that reads like a public IPv4 address: kept under a version key. */
const VERSION = "4.21.3.77";
const FIXTURES = path.join(__dirname, "../fixtures");
type Json = Record<string, unknown>;

/** The secrets in the spellings and places of this spec (none under a key that names it, but the SSID's own). */
const hostile = {
  host: `pvs6-${PASSWORD.toLowerCase()}.local`,
  unit: `unit ${SERIAL.toLowerCase()}, label ${SERIAL.slice(0, 11)}-${SERIAL.slice(11)}`,
  state: `connected to ${SSID}`,
  log: `wpa_supplicant: key=${WPA_KEY} psk:${PSK} ok`,
  hwaddr: BARE_MAC,
  link: `eth0 HWaddr ${BARE_MAC} up`,
  dns: PUBLIC_IP,
  modem: `registered, IMEI ${IMEI}, ICCID ${ICCID}`,
};

const leaks = (text: string, extra: string[]) => {
  const lower = text.toLowerCase();
  return [SERIAL, PASSWORD, SSID, WPA_KEY, PSK, BARE_MAC, PUBLIC_IP, IMEI, ICCID, ...extra].filter((s) =>
    lower.includes(s.toLowerCase()),
  );
};

function legacyCapture(): Recording {
  const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name), "utf8");
  const list = JSON.parse(read("seed-device-list.json")) as { devices: Json[] };
  const old = String(list.devices.find((d) => d.DEVICE_TYPE === "PVS")?.SERIAL);
  const devices = JSON.parse(JSON.stringify(list).split(old).join(SERIAL)) as Json;
  const comm = JSON.parse(read("seed-get-comm.json")) as { networkstatus: { interfaces: Json[] } };
  for (const i of comm.networkstatus.interfaces) {
    if (i.interface === "sta0") Object.assign(i, { ssid: SSID, status: hostile.state, log: hostile.log });
    if (i.interface === "wan")
      Object.assign(i, { hwaddr: hostile.hwaddr, link: hostile.link, dns_resolver: PUBLIC_IP });
    if (i.interface === "cell") Object.assign(i, { status: hostile.modem, fw_version: VERSION });
  }
  const supervisor = { SERIAL, MODEL: "PVS6", SWVER: "2021.9, Build 41001", BUILD: 41001, HOST: hostile.host };
  return {
    format: RECORDING_FORMAT,
    legacy: {
      DeviceList: devices,
      Get_Comm: comm,
      "supervisor/info": { result: "succeed", supervisor: { ...supervisor, NOTE: hostile.unit } },
    },
  };
}

function localApiCapture(): Recording {
  const e = new PvsEmulator({ localApi: true, inverters: 3, serial: SERIAL });
  const vars: Json = Object.fromEntries(siteVariables(e.site, e.site.snapshot()));
  Object.assign(vars, {
    "/net/wan0/hostname": hostile.host,
    "/net/wan0/label": hostile.unit,
    "/net/sta0/ssid": SSID,
    "/net/sta0/state": hostile.state,
    "/net/sta0/log": hostile.log,
    "/net/wan0/hwaddr": hostile.hwaddr,
    "/net/wan0/link": hostile.link,
    "/net/wan0/dns_resolver": hostile.dns,
    "/net/cell0/status": hostile.modem,
    "/net/cell0/fw_version": VERSION,
  });
  return {
    format: RECORDING_FORMAT,
    legacy: {
      "supervisor/info": {
        result: "succeed",
        supervisor: { SERIAL, MODEL: "PVS6", SWVER: "2025.10, Build 61846", BUILD: 61846 },
      },
    },
    vars,
  };
}

describe("diagnostics file: secrets in any spelling and place, no password typed (real runtime, admin endpoint)", function () {
  this.timeout(30000);
  let emulator: PvsEmulator | null = null;
  afterEach(async () => {
    await helper.unload();
    await emulator?.stop();
    emulator = null;
  });

  /** Deploys the nodes on a replay of `recording` (no password typed), reads once with each. */
  async function deploy(recording: Recording): Promise<{ pvs: PvsEmulator; poll: (id: string) => Promise<void> }> {
    const pvs = new PvsEmulator({ replay: recording });
    emulator = pvs;
    await pvs.start();
    const nodes: FlowNode[] = [
      { id: "list", type: "pvs-device-list", server: "cfg", interval: 0 },
      { id: "comm", type: "pvs-comm", server: "cfg", interval: 0 },
      { id: "info", type: "pvs-command", server: "cfg", command: "SupervisorInfo" },
    ];
    await helper.load(NODE_MODULES, testFlow(pvs, nodes, { fingerprint: pvs.certificateFingerprint }));
    let seen = 0;
    const count = () => seen++;
    helper.getNode("out").on("input", count);
    helper.getNode("caught").on("input", count);
    const poll = async (id: string) => {
      const before = seen;
      helper.getNode(id).receive({});
      await until(() => seen > before, 8000, id);
    };
    for (const id of ["info", "comm", "list"]) await poll(id);
    return { pvs, poll };
  }

  const download = async (query = "") =>
    (await helper.request().get(`/pvs-config/cfg/diagnostics${query}`).expect(200)).text;

  /** What must be in the file as it was: the fingerprint pinned and seen, versions, energy counters. */
  function assertKept(text: string, pvs: PvsEmulator, counters: Array<[string, unknown]>): void {
    const file = JSON.parse(text) as { diagnostics: { settings: Json; detection: Json } };
    assert.strictEqual(file.diagnostics.settings.fingerprint, pvs.certificateFingerprint, "the pinned fingerprint");
    assert.ok(text.includes(VERSION) && text.includes("Build"), "versions kept");
    for (const [where, value] of counters) assert.ok(text.includes(JSON.stringify(value)), `${where} kept (${value})`);
  }

  it("legacy: none of them, device serials kept on request (not the supervisor's); versions and counters kept", async () => {
    const recording = legacyCapture();
    const { pvs } = await deploy(recording);
    const text = await download();
    assert.deepStrictEqual(leaks(text, []), [], "no secret in the file");
    const devices = (recording.legacy?.DeviceList as { devices: Json[] }).devices;
    const counters = devices
      .filter((d) => d.DEVICE_TYPE === "Inverter")
      .map((d): [string, unknown] => [String(d.SERIAL), d.ltea_3phsum_kwh]);
    assert.ok(counters.length >= 2 && counters.every(([, v]) => typeof v === "string"), "the inverters' counters");
    assertKept(text, pvs, counters);
    const file = JSON.parse(text) as {
      legacy: { DeviceList: { devices: Json[] }; Get_Comm: { networkstatus: { interfaces: Json[] } } };
    };
    assert.strictEqual(file.legacy.DeviceList.devices.length, devices.length, "every device recorded");
    const byName = (name: string) => file.legacy.Get_Comm.networkstatus.interfaces.find((i) => i.interface === name);
    // The answers were recorded: the scrubbing, not their absence, kept the secrets out.
    assert.deepStrictEqual(
      [byName("sta0")?.status, byName("sta0")?.log, byName("wan")?.link, byName("cell")?.status],
      [
        "connected to [redacted]",
        "wpa_supplicant: key=[redacted] psk:[redacted] ok",
        "eth0 HWaddr xx:xx:xx:xx:xx:xx up",
        "registered, IMEI [redacted], ICCID [redacted]",
      ],
    );
    assert.deepStrictEqual([byName("wan")?.dns_resolver, byName("cell")?.fw_version], ["203.0.113.0", VERSION]);

    const kept = await download("?keepSerials=1");
    assert.deepStrictEqual(leaks(kept, []), [], "no secret with device serials kept");
    const inverters = counters.map(([serial]) => serial);
    assert.deepStrictEqual(
      inverters.filter((s) => !kept.includes(s)),
      [],
      "device serials kept",
    );
  });

  it("LocalAPI: none of them, nor the session cookie a 500 error page quoted (bare and as session=)", async () => {
    const recording = localApiCapture();
    const { pvs, poll } = await deploy(recording);
    const sessions = () => [
      ...(pvs as unknown as { localApi: { sessions: Map<string, number> } }).localApi.sessions.keys(),
    ];
    const [cookie] = sessions();
    assert.ok(cookie, "logged in with the serial's password");
    // The PVS's web server fails the next read and quotes the session it was sent.
    pvs.setFault({
      kind: "status",
      status: 500,
      body: `<html><body>500 for Cookie: session=${cookie}; session ${cookie} unknown</body></html>`,
      commands: ["vars"],
    });
    await poll("list");
    pvs.setFault(null);
    const text = await download();
    assert.ok(sessions().length >= 2, "the error made the client log in again: the quoted cookie is no longer held");
    assert.deepStrictEqual(leaks(text, sessions()), [], "no secret in the file");
    const file = JSON.parse(text) as { vars: Json; answers: Array<{ status: number; body?: string }> };
    assert.ok(
      file.answers.some((a) => a.status === 500 && a.body?.includes("Cookie: [redacted]; session [redacted] unknown")),
      "the error page is recorded, its cookie masked",
    );
    assert.deepStrictEqual(
      ["/net/wan0/hostname", "/net/sta0/state", "/net/wan0/hwaddr", "/net/wan0/dns_resolver"].map((n) => file.vars[n]),
      ["pvs6-*****.local", "connected to [redacted]", "[redacted]", "203.0.113.0"],
    );
    assert.strictEqual(file.vars["/net/wan0/label"], "unit ZT000000000DIAG000, label ZT000000000DIAG000");
    const counters = Object.entries(recording.vars as Json).filter(([n]) => /Kwh$/.test(n) && n in file.vars);
    assert.ok(counters.length >= 3, "energy counters recorded");
    assertKept(text, pvs, counters);
    assert.deepStrictEqual(
      counters.filter(([n, v]) => file.vars[n] !== v),
      [],
      "energy counters unchanged",
    );
    const detection = (JSON.parse(text) as { diagnostics: { detection: Json } }).diagnostics.detection;
    assert.strictEqual(detection.certificate, pvs.certificateFingerprint, "the fingerprint seen");

    const kept = await download("?keepSerials=1");
    assert.deepStrictEqual(leaks(kept, sessions()), [], "no secret with device serials kept");
  });

  it("LocalAPI: a session cookie an error page quotes bare (never as session=) is masked: the client knows it held it", async () => {
    const { pvs, poll } = await deploy(localApiCapture());
    const [cookie] = [...(pvs as unknown as { localApi: { sessions: Map<string, number> } }).localApi.sessions.keys()];
    assert.ok(cookie, "logged in with the serial's password");
    pvs.setFault({ kind: "status", status: 500, body: `<html>500: ${cookie} is not valid</html>`, commands: ["vars"] });
    await poll("list");
    pvs.setFault(null);
    const text = await download();
    assert.ok(!text.includes(cookie), "the held cookie is nowhere in the file");
    const file = JSON.parse(text) as { answers: Array<{ status: number; body?: string }> };
    assert.ok(
      file.answers.some((a) => a.status === 500 && a.body?.includes("500: [redacted] is not valid")),
      "the error page is recorded, the cookie masked",
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as { version: string };
    const versions = (JSON.parse(text) as { diagnostics: { versions: { package: string } } }).diagnostics.versions;
    assert.strictEqual(versions.package, pkg.version, "the package's own version");
  });
});
