// A capture full of secrets goes through the real nodes and the real admin endpoint: none of them is in the
// diagnostics file (supervisor serial, password, session cookie, Basic header, Wi-Fi key, SSID, MAC, public IP),
// and device serials are pseudonyms unless the user keeps them.
import assert from "assert";
import fs from "fs";
import path from "path";
import { NodeMessage } from "node-red";
import { Recording, RECORDING_FORMAT } from "../../src/model/recording";
import { PvsEmulator } from "../../src/emulator/server";
import { siteVariables } from "../../src/emulator/vars";
import { DIAGNOSTIC_HEADERS } from "../../src/pvs/client/answer-log";
import { helper, until } from "../support/node-red";
import { FlowNode, NODE_MODULES, testFlow } from "../support/flows";

const SECRET_SERIAL = "ZT99887766554Q7X9Z";
const PASSWORD = SECRET_SERIAL.slice(-5);
const SSID = "MyHomeWiFi-7731";
const WPA_KEY = "hunter2-wpa-key-Zq8";
const PSK = "psk-secret-Lk3m9";
const MAC = "A4:5E:60:12:34:56";
const PUBLIC_IP = "81.2.69.142";
const PUBLIC_IPV6 = "2a02:8071:5e1:4c00:d2a9:abff:fe12:3456";
const LINK_LOCAL_IPV6 = "fe80::d2a9:abff:fe12:3456";
const FIXTURES = path.join(__dirname, "../fixtures");
type Json = Record<string, unknown>;

/** A legacy capture: the seed's answers with the secrets put where real units put them. */
function legacyCapture(): Recording {
  const list = JSON.parse(fs.readFileSync(path.join(FIXTURES, "seed-device-list.json"), "utf8")) as { devices: Json[] };
  const old = String(list.devices.find((d) => d.DEVICE_TYPE === "PVS")?.SERIAL);
  const comm = JSON.parse(
    fs.readFileSync(path.join(FIXTURES, "seed-get-comm.json"), "utf8").split(old).join(SECRET_SERIAL),
  ) as { networkstatus: { interfaces: Json[] } };
  for (const i of comm.networkstatus.interfaces) {
    if (i.interface === "sta0") Object.assign(i, { ssid: SSID, wpa_key: WPA_KEY, mac_address: MAC });
    if (i.interface === "wan")
      Object.assign(i, { ipaddr: PUBLIC_IP, gateway: `via ${PUBLIC_IP}`, ip6addr: PUBLIC_IPV6, mac_address: MAC });
  }
  const devices = JSON.parse(JSON.stringify(list).split(old).join(SECRET_SERIAL)) as { devices: Json[] };
  return {
    format: RECORDING_FORMAT,
    legacy: {
      DeviceList: devices,
      Get_Comm: comm,
      "supervisor/info": {
        result: "succeed",
        supervisor: {
          SERIAL: SECRET_SERIAL,
          MODEL: "PVS6",
          SWVER: "2021.9, Build 41001",
          BUILD: 41001,
          lmac: MAC,
          ssid: SSID,
        },
      },
    },
  };
}

/**
 * A LocalAPI capture: a simulated PVS6's namespace with Wi-Fi and network secrets under the names /net/ reads return.
 */
function localApiCapture(): Recording {
  const e = new PvsEmulator({ localApi: true, inverters: 3, serial: SECRET_SERIAL });
  const vars: Json = Object.fromEntries(siteVariables(e.site, e.site.snapshot()));
  Object.assign(vars, {
    "/sys/info/ssid": SSID,
    "/sys/info/wpa_key": WPA_KEY,
    "/sys/info/lmac": MAC,
    "/net/sta0/ssid": SSID,
    "/net/sta0/psk": PSK,
    "/net/sta0/wpa_key": WPA_KEY,
    "/net/sta0/mac": MAC,
    "/net/wan0/ipaddr": PUBLIC_IP,
    "/net/wan0/hwaddr": MAC,
    "/net/wan0/note": `public ${PUBLIC_IP} behind ${MAC}`,
    "/net/wan0/dns_server": PUBLIC_IP,
    "/net/wan0/fw_version": "1.2.3.4", // a version that reads like a public address
    "/net/wan0/ip6addr": `${PUBLIC_IPV6}/64`,
    "/net/wan0/ip6gw": "2A02:8071:5E1:4C00::1",
    "/net/wan0/ip6ll": LINK_LOCAL_IPV6,
    "/net/wan0/uptime": "12:34:56",
  });
  return {
    format: RECORDING_FORMAT,
    legacy: {
      "supervisor/info": {
        result: "succeed",
        supervisor: { SERIAL: SECRET_SERIAL, MODEL: "PVS6", SWVER: "2025.10, Build 61846", BUILD: 61846 },
      },
    },
    vars,
    telemetry: [
      {
        atMs: 0,
        frame: {
          notification: "power",
          params: { pv_p: 1.5, net_p: 0.2, site_load_p: 1.7, ssid: SSID, wan: PUBLIC_IP },
        },
      },
    ],
  };
}

/**
 * A legacy SunVault site: the seed's capture plus the storage parts (the BMS only in the ESS report, as a missing
 * device) and the report.
 */
function storageCapture(): Recording {
  const recording = legacyCapture();
  const storage = (
    JSON.parse(fs.readFileSync(path.join(FIXTURES, "sunvault-device-list.json"), "utf8")) as { devices: Json[] }
  ).devices.filter((d) => d.DEVICE_TYPE !== "PVS" && d.DEVICE_TYPE !== "ESS BMS");
  const list = recording.legacy?.DeviceList as { devices: Json[] };
  list.devices.push(...storage);
  (recording.legacy as Json)["energy-storage-system/status"] = JSON.parse(
    fs.readFileSync(path.join(FIXTURES, "sunvault-ess-status.json"), "utf8"),
  ) as unknown;
  return recording;
}
const STORAGE_SERIALS = [
  "SY2108850-005505.00448",
  "SY2121534552D1805",
  "00001ABC1234_01234567890ABCDEF",
  "BC123400678933751040",
  "M00122109A0355",
  "00001ABC1234",
  "GW0123456789",
  "SY01234567890ABCDEF",
];
/** The composite ESS serial's own part: left readable when the inverter's serial inside it was replaced first. */
const COMPOSITE_SUFFIX = "01234567890ABCDEF";

/**
 * The vendor's nested layout (pypvs doc/LocalAPI.md): one meter as an object, the other as the JSON text the varserver
 * holds.
 */
function nestedCapture(): { recording: Recording; serials: string[] } {
  const recording = localApiCapture();
  const nested = JSON.parse(
    fs.readFileSync(
      path.join(FIXTURES, "corpus/SunStrong-Management__pypvs/LocalAPI-vars-match-meter-data-obj.json"),
      "utf8",
    ),
  ) as Record<string, Json>;
  const [[firstName, first], [secondName, second]] = Object.entries(nested);
  Object.assign(recording.vars as Json, { [firstName]: first, [secondName]: JSON.stringify(second) });
  return { recording, serials: [String(first.sn), String(second.sn)] };
}

const secretsIn = (text: string, extra: string[]) =>
  [
    SECRET_SERIAL,
    PASSWORD,
    SSID,
    WPA_KEY,
    PSK,
    MAC,
    MAC.toLowerCase(),
    PUBLIC_IP,
    PUBLIC_IPV6,
    "2A02:8071",
    "ssm_owner:",
    ...extra,
  ].filter((s) => text.includes(s));

describe("diagnostics file: no secret of a capture full of them (real runtime, admin endpoint)", function () {
  this.timeout(30000);
  let emulator: PvsEmulator | null = null;
  afterEach(async () => {
    await helper.unload();
    await emulator?.stop();
    emulator = null;
  });

  async function download(
    recording: Recording,
    extraNodes: FlowNode[],
    query = "",
  ): Promise<{ text: string; emulator: PvsEmulator }> {
    emulator = new PvsEmulator({ replay: recording, telemetryEnabled: true });
    await emulator.start();
    const nodes: FlowNode[] = [
      { id: "list", type: "pvs-device-list", server: "cfg", interval: 0 },
      { id: "comm", type: "pvs-comm", server: "cfg", interval: 0 },
      { id: "info", type: "pvs-command", server: "cfg", command: "SupervisorInfo" },
      ...extraNodes,
    ];
    // The password as the user would type it: it must not reach the file either.
    await helper.load(NODE_MODULES, testFlow(emulator, nodes), { cfg: { password: PASSWORD } });
    const got: NodeMessage[] = [];
    helper.getNode("out").on("input", (m: NodeMessage) => got.push(m));
    for (const id of ["list", "comm", "info"]) {
      const before = got.length;
      helper.getNode(id).receive({});
      await until(() => got.length > before, 6000, id);
    }
    if (extraNodes.length) await until(() => got.length >= 5, 8000, "live messages");
    const res = await helper.request().get(`/pvs-config/cfg/diagnostics${query}`).expect(200);
    return { text: res.text, emulator };
  }

  it("legacy capture: none of the secrets, device serials pseudonymised, kept on request", async () => {
    const recording = legacyCapture();
    const { text } = await download(recording, []);
    assert.deepStrictEqual(secretsIn(text, []), [], "no secret in the file");
    for (const serial of ["E00000000000001", "PVS6M01234567p"])
      assert.ok(!text.includes(serial), `${serial} pseudonymised`);
    assert.ok(text.includes("ZT000000000DIAG000"), "the replacement serial");
    const file = JSON.parse(text) as {
      answers: Array<{ kind: string }>;
      diagnostics: { versions: Json; settings: Json; detection: Json; budget: Json; checks: unknown[] | null };
    };
    assert.ok(file.diagnostics.versions.node && file.diagnostics.versions.package, "versions");
    assert.strictEqual(file.diagnostics.settings.host, "127.0.0.1");
    assert.strictEqual(file.diagnostics.detection.api, "legacy");
    assert.ok(Array.isArray(file.diagnostics.checks), "the model's checks of the last device list");
    assert.ok((file.diagnostics.budget.requests as number) >= 3, "the request budget");
    assert.deepStrictEqual(
      file.answers.map((a) => a.kind).sort(),
      ["DeviceList", "Get_Comm", "supervisor/info"].sort(),
    );
    const sta0 = (
      file as unknown as { legacy: { Get_Comm: { networkstatus: { interfaces: Json[] } } } }
    ).legacy.Get_Comm.networkstatus.interfaces.find((i) => i.interface === "sta0");
    assert.deepStrictEqual(
      [sta0?.ssid, sta0?.wpa_key, sta0?.mac_address],
      ["[redacted]", "[redacted]", "[redacted]"],
      "recorded, then scrubbed",
    );
    await helper.unload();
    await emulator?.stop();
    const kept = await download(recording, [], "?keepSerials=1");
    assert.deepStrictEqual(secretsIn(kept.text, []), [], "no secret with serials kept");
    assert.ok(kept.text.includes("E00000000000001") && kept.text.includes("PVS6M01234567p"), "device serials kept");
  });

  it("LocalAPI capture: no serial, password, session cookie, Basic header, Wi-Fi key, SSID, MAC or public IPv4 or IPv6 address", async () => {
    const { text, emulator: e } = await download(localApiCapture(), [
      { id: "live", type: "pvs-live", server: "cfg", send: "update", interval: 1 },
    ]);
    const sessions = [...(e as unknown as { localApi: { sessions: Map<string, number> } }).localApi.sessions.keys()];
    assert.ok(sessions.length >= 1, "a session is open");
    const basic = Buffer.from(`ssm_owner:${PASSWORD}`).toString("base64");
    assert.deepStrictEqual(secretsIn(text, [...sessions, basic]), [], "no secret in the file");
    assert.ok(!/"(Authorization|Cookie|Set-Cookie)"/i.test(text), "no header of the kind");
    assert.ok(!/set-cookie|www-authenticate/i.test(text), "no Set-Cookie anywhere (the login answer sent one)");
    const file = JSON.parse(text) as {
      vars: Json;
      telemetry: Array<{ frame: Json }>;
      answers: Array<{ kind: string; body?: string; headers: Record<string, string> }>;
    };
    const allowed = new Set<string>(DIAGNOSTIC_HEADERS);
    assert.ok(
      file.answers.every((a) => Object.keys(a.headers).every((h) => allowed.has(h))),
      "only the allow-listed headers",
    );
    const loginHeaders = file.answers.find((a) => a.kind === "login")?.headers;
    assert.ok(
      loginHeaders?.["content-type"] && loginHeaders["content-length"] && loginHeaders.date,
      `the login's headers that matter: ${JSON.stringify(loginHeaders)}`,
    );
    assert.strictEqual(file.vars["/sys/info/serialnum"], "ZT000000000DIAG000");
    assert.ok(file.telemetry.length >= 1, "the frame is there");
    assert.ok(
      file.answers.some((a) => a.kind === "login") &&
        file.answers.every((a) => a.kind !== "login" || a.body === undefined),
      "the login outcome without its body",
    );
    // The secrets were in the answers the file recorded (so the scrubbing, not their absence, kept them out).
    assert.strictEqual(file.vars["/net/sta0/ssid"], "[redacted]");
    assert.strictEqual(file.vars["/net/sta0/psk"], "[redacted]");
    assert.strictEqual(file.vars["/net/wan0/ipaddr"], "203.0.113.0", "a public IP becomes a documentation address");
    assert.strictEqual(file.vars["/net/wan0/note"], "public 203.0.113.0 behind xx:xx:xx:xx:xx:xx");
    assert.strictEqual(file.vars["/net/wan0/dns_server"], "203.0.113.0", "a server's address is an address");
    assert.strictEqual(file.vars["/net/wan0/fw_version"], "1.2.3.4", "a version stays as it is");
    assert.deepStrictEqual(
      [file.vars["/net/wan0/ip6addr"], file.vars["/net/wan0/ip6gw"]],
      ["2001:db8::/64", "2001:db8::"],
      "a public IPv6 address becomes the documentation prefix",
    );
    assert.deepStrictEqual(
      [file.vars["/net/wan0/ip6ll"], file.vars["/net/wan0/uptime"]],
      [LINK_LOCAL_IPV6, "12:34:56"],
      "a link-local address and a time stay",
    );
    assert.strictEqual(file.telemetry[0].frame.params && (file.telemetry[0].frame.params as Json).ssid, "[redacted]");
    const inverters = Object.entries(file.vars)
      .filter(([n]) => /^\/sys\/devices\/inverter\/\d+\/sn$/.test(n))
      .map(([, v]) => v);
    assert.ok(
      inverters.length === 3 && inverters.every((v) => /^SN\d{8}$/.test(String(v))),
      `inverter serials pseudonymised: ${inverters.join(", ")}`,
    );
  });
  it("legacy SunVault site: the DeviceList's and the ESS report's serials pseudonymised (a composite one its own), kept on request", async () => {
    const recording = storageCapture();
    const { text } = await download(recording, []);
    assert.deepStrictEqual(secretsIn(text, []), [], "no secret in the file");
    assert.deepStrictEqual(
      [...STORAGE_SERIALS, COMPOSITE_SUFFIX].filter((s) => text.includes(s)),
      [],
      "no storage serial, nor the composite serial's own part",
    );
    const file = JSON.parse(text) as {
      legacy: {
        DeviceList: { devices: Json[] };
        "energy-storage-system/status": { ess_report: { battery_status: Json[]; ess_status: Json[] } };
      };
    };
    const report = file.legacy["energy-storage-system/status"];
    assert.ok(report, "the ESS report is recorded");
    const reported: string[] = [];
    JSON.stringify(report, (key, v: unknown) =>
      key === "serial_number" && typeof v === "string" ? (reported.push(v), v) : v,
    );
    assert.ok(
      reported.length >= 4 && reported.every((s) => /^SN\d{8}$/.test(s)),
      `report serials pseudonymised: ${reported.join(", ")}`,
    );
    const serialOf = (type: string) => file.legacy.DeviceList.devices.find((d) => d.DEVICE_TYPE === type)?.SERIAL;
    const [ess, inverter] = [serialOf("Energy Storage System"), serialOf("Storage Inverter")];
    assert.ok(
      typeof ess === "string" && /^SN\d{8}$/.test(ess) && ess !== inverter,
      `the composite ESS serial has its own pseudonym (${String(ess)}, inverter ${String(inverter)})`,
    );
    assert.ok(reported.includes(ess), "the same pseudonym in the list and the report");
    await helper.unload();
    await emulator?.stop();
    const kept = await download(recording, [], "?keepSerials=1");
    assert.deepStrictEqual(secretsIn(kept.text, []), [], "no secret with serials kept");
    assert.deepStrictEqual(
      STORAGE_SERIALS.filter((s) => !kept.text.includes(s)),
      [],
      "storage serials kept",
    );
  });

  it("LocalAPI capture in the vendor's nested layout: the meters' serials inside /sys/devices/<n>/meter/data pseudonymised, kept on request", async () => {
    const { recording, serials } = nestedCapture();
    const { text } = await download(recording, []);
    assert.deepStrictEqual(secretsIn(text, []), [], "no secret in the file");
    assert.deepStrictEqual(
      serials.filter((s) => text.includes(s)),
      [],
      "no nested meter serial",
    );
    const file = JSON.parse(text) as { vars: Record<string, Json> };
    const nested = Object.entries(file.vars).filter(([n]) => /^\/sys\/devices\/\d+\/meter\/data$/.test(n));
    assert.strictEqual(nested.length, 2, "both nested meters recorded");
    assert.ok(
      nested.every(([, v]) => /^SN\d{8}[pc]$/.test(String(v.sn))),
      `pseudonyms keep the meter's kind: ${nested.map(([, v]) => String(v.sn)).join(", ")}`,
    );
    await helper.unload();
    await emulator?.stop();
    const kept = await download(recording, [], "?keepSerials=1");
    assert.deepStrictEqual(
      serials.filter((s) => !kept.text.includes(s)),
      [],
      "nested serials kept",
    );
  });
});
