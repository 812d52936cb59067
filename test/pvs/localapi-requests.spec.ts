// The LocalAPI's read-only request builder, answer parser and firmware detection, without a network.
import assert from "assert";
import fs from "fs";
import path from "path";
import { apiForBuild, buildFromVersion, identityFromSupervisorInfo } from "../../src/pvs/connection/identity";
import { PvsError } from "../../src/pvs/http/errors";
import { sessionFromLogin } from "../../src/pvs/localapi/session";
import {
  parseVarsAnswer,
  parseWriteAnswer,
  telemetryEnableRequest,
  varsRequest,
} from "../../src/pvs/localapi/vars-query";

const answer = (status: number, body: string, setCookie: string[] = []) => ({ status, body, durationMs: 1, setCookie });
const notAllowed = (fn: () => unknown) =>
  assert.throws(fn, (e: unknown) => e instanceof PvsError && e.code === "PVS_NOT_ALLOWED");

describe("pvs/localapi requests and answers", () => {
  it("builds only reads: names, a match or a cache id; never a write, never the Wi-Fi key", () => {
    const r = varsRequest({ match: "/sys/devices/" }, { cache: "nrpvsdev" });
    // Written as the firmware reads it: no percent-encoding (tjmonk/fcgi_vars decodes nothing).
    assert.strictEqual(r.query, "match=/sys/devices/&fmt=obj&cache=nrpvsdev");
    assert.strictEqual(
      varsRequest({ names: ["/sys/info/serialnum", "/sys/info/model"] }, { session: false }).query,
      "name=/sys/info/serialnum,/sys/info/model&fmt=obj",
    );
    assert.strictEqual(varsRequest(null, { cache: "nrpvsdev" }).query, "fmt=obj&cache=nrpvsdev");
    assert.strictEqual(r.session, true);
    notAllowed(() => varsRequest({ names: ["/sys/info/wpa_key"] }));
    notAllowed(() => varsRequest({ names: ["/ess/config/dcm/mode_param/control_mode"] }));
    notAllowed(() => varsRequest({ names: ["/sys/info/model&set=/sys/telemetryws/enable=1"] }));
    notAllowed(() => varsRequest({ match: "/" }));
    notAllowed(() => varsRequest(null, { cache: "x;set=1" }));
    notAllowed(() => varsRequest(null));
  });

  it("builds exactly one write, fixed: the telemetry WebSocket switch, with the session", () => {
    const r = telemetryEnableRequest();
    assert.strictEqual(r.query, "set=/sys/telemetryws/enable=1");
    assert.strictEqual(r.path, "/vars");
    assert.strictEqual(r.session, true);
    assert.strictEqual(r.write, true);
    assert.strictEqual(telemetryEnableRequest.length, 0, "takes no argument: nothing else can be written");
    assert.deepStrictEqual(parseWriteAnswer(answer(200, "{}")), { written: true });
    assert.deepStrictEqual(
      parseWriteAnswer(answer(400, "{}")),
      { written: false, status: 400 },
      "a PVS5 has no such variable",
    );
    assert.deepStrictEqual(parseWriteAnswer(answer(403, "{}")), { written: false, status: 403 });
    assert.throws(
      () => parseWriteAnswer(answer(503, "")),
      (e: unknown) => e instanceof PvsError && e.code === "PVS_HTTP_ERROR",
    );
    // No other code of the client may put a `set` parameter on a request: the query builder, and the SunVault's
    // allow-list of two owner settings (test/pvs/battery-writes.spec.ts).
    const dir = path.resolve(__dirname, "../../src/pvs");
    const setters = (fs.readdirSync(dir, { recursive: true, encoding: "utf8" }) as string[])
      .filter((f) => f.endsWith(".ts"))
      .filter((f) => /\bset\s*:|["']set["']|set=/.test(fs.readFileSync(path.join(dir, f), "utf8")));
    assert.deepStrictEqual(setters.sort(), [
      path.join("localapi", "battery-writes.ts"),
      path.join("localapi", "vars-query.ts"),
    ]);
  });

  it("reads both answer formats, and HTTP 400 as 'no such variables'", () => {
    assert.deepStrictEqual(
      parseVarsAnswer(answer(200, '{"values":[{"name":"/sys/info/model","value":"PVS6 "}],"count":1}')),
      { "/sys/info/model": "PVS6 " },
    );
    assert.deepStrictEqual(parseVarsAnswer(answer(200, '{"/sys/livedata/soc":"0.86"}')), {
      "/sys/livedata/soc": "0.86",
    });
    assert.deepStrictEqual(parseVarsAnswer(answer(400, '{"status":400}')), {});
    assert.strictEqual(
      Object.getPrototypeOf(parseVarsAnswer(answer(200, '{"__proto__":{"x":1},"/a/b":"1"}'))),
      Object.prototype,
    );
    for (const [status, body, code] of [
      [403, "{}", "PVS_FORBIDDEN"],
      [502, "<html/>", "PVS_HTTP_ERROR"],
      [200, "<html/>", "PVS_HTML_RESPONSE"],
      [200, '{"values":', "PVS_NOT_JSON"],
      [200, '{"result":"error"}', "PVS_COMMAND_FAILED"],
    ] as const) {
      assert.throws(
        () => parseVarsAnswer(answer(status, body)),
        (e: unknown) => e instanceof PvsError && e.code === code,
        `${status} ${body}`,
      );
    }
  });

  it("takes the session from the cookie, else from the body", () => {
    assert.strictEqual(
      sessionFromLogin(answer(200, "{}", ["session=abc123def456; Path=/; Secure; HttpOnly"])),
      "abc123def456",
    );
    assert.strictEqual(sessionFromLogin(answer(200, '{"session":"3z02Z55Qabcdef"}')), "3z02Z55Qabcdef");
    assert.strictEqual(sessionFromLogin(answer(200, '{"session":"bad value;"}')), null);
  });

  it("reads several Set-Cookie headers as RFC 6265 does: the last live session cookie, name=value only first", () => {
    const live = "session=LIVE0123456789; Secure; HttpOnly";
    const cases: Array<[string[], string, string | null]> = [
      // A later cookie of the same name replaces an earlier one (RFC 6265 §5.3 step 11).
      [["session=FIRST012345678; Secure", live], "{}", "LIVE0123456789"],
      // An expired one is none: the live one before it stays.
      [[live, "session=deleted; Max-Age=0"], "{}", "LIVE0123456789"],
      [[live, "session=deleted0000; max-age=-1; Path=/"], "{}", "LIVE0123456789"],
      [[live, "session=OLD000000000; Expires=Thu, 01 Jan 1970 00:00:00 GMT"], "{}", "LIVE0123456789"],
      [["session=deleted; Max-Age=0", live], "{}", "LIVE0123456789"],
      // Max-Age wins over Expires (§5.3 step 3).
      [["session=KEPT00000000; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60"], "{}", "KEPT00000000"],
      [["session=FUTURE0000000; Expires=Fri, 01 Jan 2100 00:00:00 GMT"], "{}", "FUTURE0000000"],
      // `session=` in attribute position is an attribute of another cookie, not the session.
      [["foo=1; session=ATTRIBUTE0000"], "{}", null],
      [["foo=1; session=ATTRIBUTE0000"], '{"session":"BODY000000000"}', "BODY000000000"],
      [["session=deleted; Max-Age=0"], '{"session":"BODY000000000"}', "BODY000000000"],
      [["SESSION=OTHERNAME0000", "xsession=OTHERNAME0000"], "{}", null],
      [['session="QUOTED0000000"'], "{}", "QUOTED0000000"],
      [["session=; Path=/", "session=x y z"], "{}", null],
    ];
    for (const [cookies, body, expected] of cases)
      assert.strictEqual(sessionFromLogin(answer(200, body, cookies)), expected, JSON.stringify(cookies));
  });

  it("reads the build from every firmware's own wording and picks the API", () => {
    assert.strictEqual(buildFromVersion("2025.11, Build 5412"), 5412);
    assert.strictEqual(buildFromVersion("2025.09.04.61845"), 61845);
    assert.strictEqual(buildFromVersion("0.0.25.5412"), 5412);
    assert.strictEqual(buildFromVersion("1.0.0"), null);
    assert.deepStrictEqual(
      identityFromSupervisorInfo({
        supervisor: { SWVER: "2025.06, Build 61839", MODEL: "PVS6", BUILD: 61839, SERIAL: "ZT22" },
      }),
      {
        model: "PVS6",
        build: 61839,
        version: "2025.06, Build 61839",
        serial: "ZT22",
      },
    );
    assert.strictEqual(apiForBuild("PVS6", 61839), "legacy");
    assert.strictEqual(apiForBuild("PVS6", 61840), "localapi");
    assert.strictEqual(apiForBuild("PVS5", 5408), "localapi");
    assert.strictEqual(apiForBuild("PVS5", 5206), "legacy");
    assert.strictEqual(apiForBuild(null, 61846), "localapi");
    assert.strictEqual(apiForBuild("PVS6", null), null);
  });
});
