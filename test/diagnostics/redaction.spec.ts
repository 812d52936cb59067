// The diagnostics file's redaction rule by rule, on answers built in the answer log as the client records them:
// each secret in the spellings the runtime spec (hostile-secrets.spec.ts) cannot reach (a `Server` header, a JSON
// number, a MAC with dots), what must survive (a certificate fingerprint, versions, numbers), and answers made to
// be slow. The error texts' masking (OwnerSecrets.redact) takes the same spellings.
import assert from "assert";
import { buildDiagnostics, DiagnosticsFile, DiagnosticsInput } from "../../src/diagnostics/diagnostics-file";
import { AnswerLog } from "../../src/pvs/client/answer-log";
import { OwnerSecrets } from "../../src/pvs/connection/owner-secrets";
import { Identity } from "../../src/pvs/connection/identity";
import { redactSerial } from "../../src/model/redact";

const SERIAL = "ZT21345678901K4M7P";
const PASSWORD = SERIAL.slice(-5);
const FINGERPRINT = Array.from({ length: 32 }, (_, i) => ((i * 37 + 11) % 256).toString(16).padStart(2, "0"))
  .join(":")
  .toUpperCase();
type Json = Record<string, unknown>;

/** A diagnostics file of one `/vars` answer holding `vars` (plus the serial), served with `headers`. */
function fileOf(vars: Json, options: Partial<DiagnosticsInput> = {}, headers: Json = {}): DiagnosticsFile {
  const log = new AnswerLog();
  const values = Object.entries({ "/sys/info/serialnum": SERIAL, ...vars }).map(([name, value]) => ({ name, value }));
  const body = JSON.stringify({ count: values.length, values });
  log.answer("GET /vars?match=/", "vars", "GET /vars?match=/", { status: 200, body, durationMs: 2, headers }, 0);
  return buildDiagnostics({
    versions: { package: "test", nodeRed: null, node: process.version },
    settings: { fingerprint: FINGERPRINT },
    info: null,
    budget: null,
    health: null,
    log: log.snapshot(),
    secrets: [SERIAL],
    ...options,
  });
}

describe("diagnostics redaction, rule by rule", () => {
  it("the password alone in any case (a Server header, a host name), the serial in any case and split", () => {
    const file = fileOf(
      {
        "/net/wan0/hostname": `PVS6-${PASSWORD.toLowerCase()}`,
        "/net/wan0/label": `${SERIAL.slice(0, 6)}-${SERIAL.slice(6)} / ${SERIAL.toLowerCase()} / ${SERIAL.split("").join(" ")}`,
        "/net/wan0/masked": "ZT21345678901*****",
      },
      {},
      { server: `lighttpd/1.4.59 (${PASSWORD.toLowerCase()})` },
    );
    assert.strictEqual(file.answers[0].headers.server, "lighttpd/1.4.59 (*****)");
    const vars = file.vars as Json;
    assert.deepStrictEqual(
      [vars["/net/wan0/hostname"], vars["/net/wan0/label"], vars["/net/wan0/masked"]],
      ["PVS6-*****", "ZT000000000DIAG000 / ZT000000000DIAG000 / ZT000000000DIAG000", "ZT000000000DIAG000"],
    );
  });

  it("SSIDs and keys wherever they appear, cookies as `session=` and bare, JSON text inside a value", () => {
    const token = "b3f1c0ffee0123456789abcdef";
    const file = fileOf({
      "/net/sta0/ssid": "Cafe Näsby 5G",
      "/net/sta0/event": "roamed to 'Cafe Näsby 5G' (ch 36)",
      "/net/sta0/conf": '{"wpa_passphrase":"correct horse","psk":"0123456789"}',
      "/net/sta0/again": "passphrase was 0123456789",
      "/net/auth/log": `Set-Cookie: session=${token}; HttpOnly | token ${token}`,
      "/net/auth/header": "Authorization: basic c3NtX293bmVyOks0TTdQ",
    });
    const vars = file.vars as Json;
    assert.strictEqual(vars["/net/sta0/ssid"], "[redacted]");
    assert.strictEqual(vars["/net/sta0/event"], "roamed to '[redacted]' (ch 36)");
    assert.strictEqual(vars["/net/sta0/conf"], '{"wpa_passphrase":"[redacted]","psk":"[redacted]"}');
    assert.strictEqual(vars["/net/sta0/again"], "passphrase was [redacted]");
    assert.strictEqual(vars["/net/auth/log"], "Set-Cookie: [redacted]; HttpOnly | token [redacted]");
    assert.strictEqual(vars["/net/auth/header"], "Authorization: [redacted]");
  });

  it("a common word as the SSID is masked in values, not in the firmware's variable names", () => {
    const vars = fileOf({
      "/net/sta0/ssid": "data",
      "/sys/devices/11/meter/data": "1.5",
      "/net/sta0/event": "joined data",
    }).vars as Json;
    assert.deepStrictEqual(
      [vars["/net/sta0/ssid"], vars["/sys/devices/11/meter/data"], vars["/net/sta0/event"]],
      ["[redacted]", "1.5", "joined [redacted]"],
    );
  });

  it("MACs in every form, not a certificate fingerprint; IMEI and ICCID, also as JSON numbers under their keys", () => {
    const file = fileOf({
      "/net/wan0/macs": "A4:5E:60:12:34:56 a4-5e-60-12-34-57 a45e.6012.3458 HWaddr A45E60123459",
      "/net/wan0/wifiMac": "A45E6012345A",
      "/net/wan0/cert": `sha256 ${FINGERPRINT}`,
      "/net/cell0/info": "IMEI 356938035643809 ICCID 89012608822123456789F",
      "/net/cell0/imei": 356938035643809,
      "/net/cell0/counter": "123456789012",
    });
    const vars = file.vars as Json;
    assert.strictEqual(
      vars["/net/wan0/macs"],
      "xx:xx:xx:xx:xx:xx xx:xx:xx:xx:xx:xx xx:xx:xx:xx:xx:xx HWaddr xx:xx:xx:xx:xx:xx",
    );
    assert.strictEqual(vars["/net/wan0/wifiMac"], "[redacted]");
    assert.strictEqual(vars["/net/wan0/cert"], `sha256 ${FINGERPRINT}`, "a fingerprint is no MAC");
    assert.strictEqual(file.diagnostics.settings && (file.diagnostics.settings as Json).fingerprint, FINGERPRINT);
    assert.strictEqual(vars["/net/cell0/info"], "IMEI [redacted] ICCID [redacted]");
    assert.strictEqual(vars["/net/cell0/imei"], "[redacted]");
    assert.strictEqual(vars["/net/cell0/counter"], "123456789012", "twelve digits without a MAC's context stay");
  });

  it("public IPs anywhere but in a version: under dns_resolver, driver and server keys; versions and numbers stay", () => {
    const file = fileOf({
      "/net/wan0/dns_resolver": "81.2.69.142",
      "/net/wan0/driver": "81.2.69.143",
      "/net/wan0/upstream": "via 81.2.69.144",
      "/sys/info/fwver": "81.2.69.145",
      "/sys/info/sw_rev": "2025.10.1.2",
      "/net/wan0/agent": "pvs-agent v81.2.69.146, firmware 81.2.69.147",
      "/sys/livedata/pv_en": "12345.678",
      "/sys/info/count": 27,
    });
    const vars = file.vars as Json;
    assert.deepStrictEqual(
      [vars["/net/wan0/dns_resolver"], vars["/net/wan0/driver"], vars["/net/wan0/upstream"]],
      ["203.0.113.0", "203.0.113.0", "via 203.0.113.0"],
    );
    assert.deepStrictEqual(
      [vars["/sys/info/fwver"], vars["/sys/info/sw_rev"], vars["/net/wan0/agent"]],
      ["81.2.69.145", "2025.10.1.2", "pvs-agent v81.2.69.146, firmware 81.2.69.147"],
    );
    assert.deepStrictEqual([vars["/sys/livedata/pv_en"], vars["/sys/info/count"]], ["12345.678", 27]);
  });

  it("kept device serials stay whole: a 15-digit inverter serial is no IMEI, one ending like the password is kept", () => {
    const inverters = {
      "/sys/devices/inverter/0/sn": "450051912002128",
      "/sys/devices/inverter/1/sn": `E001${PASSWORD}`,
    };
    const kept = fileOf(inverters, { keepDeviceSerials: true }).vars as Json;
    assert.deepStrictEqual(
      [kept["/sys/devices/inverter/0/sn"], kept["/sys/devices/inverter/1/sn"], kept["/sys/info/serialnum"]],
      ["450051912002128", `E001${PASSWORD}`, "ZT000000000DIAG000"],
    );
    const hidden = fileOf(inverters).vars as Json;
    assert.ok(/^SN\d{8}$/.test(String(hidden["/sys/devices/inverter/0/sn"])), "pseudonymised unless kept");
  });

  it("a password of digits is masked where it ends a token, not inside a number", () => {
    const serial = "ZT2134567890100123";
    assert.strictEqual(
      redactSerial("host pvs-00123, energy 1200123.5 and 00123.4 kWh", serial),
      "host pvs-*****, energy 1200123.5 and 00123.4 kWh",
    );
  });

  it("stays fast on answers made to be slow (long chains of what the patterns look for)", () => {
    for (const chunk of ["a_", "session=", "key=", "ab:", "1.", PASSWORD, "0"]) {
      const started = Date.now();
      fileOf({ "/net/x": chunk.repeat(Math.floor(400_000 / chunk.length)) });
      assert.ok(Date.now() - started < 5000, `${chunk}: ${Date.now() - started} ms`);
    }
  });

  it("error texts (OwnerSecrets.redact): the serial in any spelling and the password alone", () => {
    const identity = { serial: SERIAL } as Identity;
    const owner = new OwnerSecrets({ identity, lastIdentity: identity }, () => null);
    assert.strictEqual(
      owner.redact(`PVS ${SERIAL.toLowerCase()} at pvs6-${PASSWORD}.local said ${SERIAL}`),
      "PVS ZT21345678901***** at pvs6-*****.local said ZT21345678901*****",
    );
  });

  it("session cookies the client held (OwnerSecrets.heldSession): masked bare in error texts and in the file", () => {
    const identity = { serial: SERIAL } as Identity;
    const owner = new OwnerSecrets({ identity, lastIdentity: identity }, () => null);
    const [old, current] = ["0ld5e55i0nT0ken0123456789", "n3w5e55i0nT0ken0123456789"];
    owner.heldSession(old);
    owner.heldSession(current);
    assert.deepStrictEqual(owner.sessions(), [old, current]);
    assert.strictEqual(owner.redact(`unknown session ${old}`), "unknown session [redacted]");
    const file = fileOf({ "/net/x/error": `no such session ${old} (now ${current})` }, { sessions: owner.sessions() });
    assert.strictEqual((file.vars as Json)["/net/x/error"], "no such session [redacted] (now [redacted])");
  });
});
