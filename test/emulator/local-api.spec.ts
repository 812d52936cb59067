import assert from "assert";
import { parseArgs, startupLine } from "../../src/emulator/cli";
import { DEFAULT_SERIAL, EmulatorOptions, PvsEmulator } from "../../src/emulator/server";
import { localLongitude } from "../../src/emulator/site";
import { withSimulatedDate } from "../support/simulated-date";
import { basic, byName, login, request, vars, VarsList } from "./request";

// 2025-06-21 at longitude -117: local solar noon is about 19:48 UTC.
const NOON = Date.UTC(2025, 5, 21, 19, 48);
const MIDNIGHT = Date.UTC(2025, 5, 22, 7, 48);
const PASSWORD = DEFAULT_SERIAL.slice(-5);

const PUBLIC = [
  "serialnum",
  "model",
  "hwrev",
  "fwrev",
  "boardtype",
  "sw_rev",
  "ssid",
  "wpa_key",
  "lmac",
  "active_interface",
].map((n) => `/sys/info/${n}`);

type Legacy = Record<string, string | number | boolean>;

describe("emulator LocalAPI", () => {
  const running: PvsEmulator[] = [];
  const start = async (options: EmulatorOptions = {}) => {
    // The fixed moments below are chosen for longitude -117 (solar noon about 19:48 UTC).
    const emulator = new PvsEmulator({ localApi: true, inverters: 2, longitude: -117, ...options });
    running.push(emulator);
    await emulator.start();
    return emulator;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });

  describe("/auth", () => {
    it("logs in ssm_owner with the serial's last 5 characters and sets a Secure HttpOnly session cookie", async () => {
      const emulator = await start();
      const reply = await request(`${emulator.httpsUrl}/auth?login`, {
        headers: { Authorization: basic("ssm_owner", PASSWORD) },
      });
      assert.strictEqual(reply.status, 200);
      const { session } = reply.json as { session: string };
      assert.match(session, /^[A-Za-z0-9]{64}$/);
      assert.deepStrictEqual(reply.headers["set-cookie"], [`session=${session}; Secure; HttpOnly`]);
      const upper = await request(`${emulator.httpsUrl}/auth?login`, {
        headers: { Authorization: basic("ssm_owner", PASSWORD).replace("basic", "Basic") },
      });
      assert.strictEqual(upper.status, 200, "the scheme is case-insensitive");
      assert.notStrictEqual((upper.json as { session: string }).session, session);
      assert.strictEqual(emulator.count("auth:login"), 2);
    });

    it("refuses a wrong password, a wrong user and a missing header with 401", async () => {
      const emulator = await start();
      const attempts: Array<Record<string, string>> = [
        { Authorization: basic("ssm_owner", "WRONG") },
        { Authorization: basic("ssm_owner", PASSWORD.toLowerCase()) },
        { Authorization: basic("spwr_owner", PASSWORD) },
        {},
      ];
      for (const headers of attempts) {
        const reply = await request(`${emulator.httpsUrl}/auth?login`, { headers });
        assert.strictEqual(reply.status, 401);
        // fcgi_auth's ErrorResponse: `{"status": 401, "description" : "Unauthorized"}`.
        assert.deepStrictEqual(reply.json, { status: 401, description: "Unauthorized" });
        assert.strictEqual(reply.headers["set-cookie"], undefined);
      }
      assert.strictEqual(emulator.count("auth:login"), 4);
    });

    it("logs out: the session stops working", async () => {
      const emulator = await start();
      const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
      assert.strictEqual((await vars(emulator.httpsUrl, "name=/sys/livedata/pv_p", cookie)).status, 200);
      const out = await request(`${emulator.httpsUrl}/auth?logout`, { headers: { Cookie: cookie } });
      // fcgi_auth's ProcessLogoutQuery: `Status: 204 OK`, no body.
      assert.deepStrictEqual([out.status, out.text, out.headers["content-type"]], [204, "", undefined]);
      assert.strictEqual(emulator.count("auth:logout"), 1);
      assert.strictEqual(emulator.openSessions, 0);
      assert.strictEqual((await vars(emulator.httpsUrl, "name=/sys/livedata/pv_p", cookie)).status, 401);
    });

    it("answers a logout without a session, or with one it does not know, 401 as fcgi_auth does", async () => {
      const emulator = await start();
      const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
      const unauthorized = { status: 401, description: "Unauthorized" };
      const logout = (headers: Record<string, string>) => request(`${emulator.httpsUrl}/auth?logout`, { headers });
      // No Cookie header at all.
      const none = await logout({});
      assert.deepStrictEqual([none.status, none.json], [401, unauthorized]);
      // A session the session manager does not know (SESSIONMGR_EndSession: ENOENT), or one already ended.
      const unknown = await logout({ Cookie: "session=nonsense" });
      assert.deepStrictEqual([unknown.status, unknown.json], [401, unauthorized]);
      assert.strictEqual((await logout({ Cookie: cookie })).status, 204);
      const again = await logout({ Cookie: cookie });
      assert.deepStrictEqual([again.status, again.json], [401, unauthorized], "a second logout of the same session");
      // A Cookie header without "session=": fcgi_auth reads from a NULL pointer and its process dies; never a success.
      const other = await logout({ Cookie: "theme=dark" });
      assert.ok(other.status >= 500, `a broken logout fails (${other.status})`);
      assert.strictEqual(emulator.count("auth:logout"), 5);
    });

    it("takes only the exact query strings login and logout (fcgi_auth compares the whole QUERY_STRING)", async () => {
      const emulator = await start();
      const auth = { Authorization: basic("ssm_owner", PASSWORD) };
      for (const query of ["login=1", "login&x=1", "Login", "x"]) {
        const reply = await request(`${emulator.httpsUrl}/auth?${query}`, { headers: auth });
        assert.deepStrictEqual([reply.status, reply.json], [400, { status: 400, description: "Bad request" }], query);
      }
      assert.strictEqual(emulator.openSessions, 0, "no session made");
    });

    it("makes the session of a login whose client hangs up before the answer (fcgi_auth does not look)", async () => {
      const emulator = await start();
      const auth = { Authorization: basic("ssm_owner", PASSWORD) };
      // The answer is held back 1 s; the client gives up after 100 ms, with the request sent and read.
      emulator.setFault({ kind: "delay", ms: 1000, commands: ["auth:login"] });
      await assert.rejects(
        request(`${emulator.httpsUrl}/auth?login`, { headers: auth, timeoutMs: 100 }),
        /no answer within 100 ms/,
      );
      assert.strictEqual(emulator.count("auth:login"), 1);
      assert.strictEqual(emulator.openSessions, 1, "the session exists, though its client never learnt it");
      // A hang and a dropped connection are the same for the session; a web server error page never reaches fcgi_auth.
      emulator.setFault({ kind: "hang", commands: ["auth:login"] });
      await assert.rejects(request(`${emulator.httpsUrl}/auth?login`, { headers: auth, timeoutMs: 100 }));
      emulator.setFault({ kind: "reset", commands: ["auth:login"] });
      await assert.rejects(request(`${emulator.httpsUrl}/auth?login`, { headers: auth }));
      assert.strictEqual(emulator.openSessions, 3);
      emulator.setFault({ kind: "status", status: 503, commands: ["auth:login"] });
      assert.strictEqual((await request(`${emulator.httpsUrl}/auth?login`, { headers: auth })).status, 503);
      assert.strictEqual(emulator.openSessions, 3, "an error page of the web server makes no session");
      // A wrong password makes none, answered or not.
      emulator.setFault({ kind: "delay", ms: 1000, commands: ["auth:login"] });
      await assert.rejects(
        request(`${emulator.httpsUrl}/auth?login`, {
          headers: { Authorization: basic("ssm_owner", "WRONG") },
          timeoutMs: 100,
        }),
      );
      assert.strictEqual(emulator.openSessions, 3);
      // The sessions end as every session does: they expire, or a reboot ends them.
      emulator.expireSessions();
      assert.strictEqual(emulator.openSessions, 0);
    });
  });

  describe("/vars sessions", () => {
    it("shows only the public /sys/info variables without a session, silently", async () => {
      const emulator = await start();
      const all = await vars(emulator.httpsUrl, "match=/", null);
      assert.strictEqual(all.status, 200);
      assert.deepStrictEqual([...byName(all).keys()].sort(), [...PUBLIC].sort());
      assert.strictEqual(byName(all).get("/sys/info/serialnum"), DEFAULT_SERIAL);
      // For the unauthenticated user a non-public name does not exist, and one unknown name fails a list whole.
      const mixed = await vars(emulator.httpsUrl, "name=/sys/info/serialnum,/sys/livedata/pv_p", null);
      assert.deepStrictEqual(
        [mixed.status, mixed.json],
        [400, { status: 400, description: "Bad request", errorcode: "0x0100" }],
      );
      const hidden = await vars(emulator.httpsUrl, "name=/sys/livedata/pv_p", null);
      assert.strictEqual(hidden.status, 400, "a non-public variable alone matches nothing");
      assert.strictEqual(emulator.requests.at(-1)?.authenticated, false);
    });

    it("shows everything with the session cookie", async () => {
      const emulator = await start();
      const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
      const reply = await vars(emulator.httpsUrl, "match=/", cookie);
      const names = [...byName(reply).keys()];
      assert.ok(
        names.includes("/sys/livedata/pv_p") &&
          names.includes("/sys/devices/inverter/1/p3phsumKw") &&
          names.includes("/sys/info/uptime"),
      );
      assert.strictEqual(emulator.requests.at(-1)?.authenticated, true);
      assert.strictEqual(emulator.requests.at(-1)?.query, "match=/");
    });

    it("answers 401 once the session expired, or 500 when configured so", () =>
      withSimulatedDate(async (skip) => {
        const emulator = await start({ sessionTtlS: 0.2 });
        const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
        assert.strictEqual((await vars(emulator.httpsUrl, "name=/sys/livedata/pv_p", cookie)).status, 200);
        skip(300); // the session's lifetime passes
        const expired = await vars(emulator.httpsUrl, "name=/sys/livedata/pv_p", cookie);
        // fcgi_vars CheckAuthentication: EACCES → 401, ERROR_SESSION_VALIDATION | ERROR_AUTHENTICATION.
        assert.deepStrictEqual(
          [expired.status, expired.json],
          [401, { status: 401, description: "Unauthorized", errorcode: "0x0012" }],
        );
        assert.strictEqual(
          (await vars(emulator.httpsUrl, "name=/sys/info/serialnum", cookie)).status,
          401,
          "even for a public variable",
        );
        assert.strictEqual(
          (await vars(emulator.httpsUrl, "name=/sys/livedata/pv_p", "session=nonsense")).status,
          401,
          "an unknown session too",
        );

        emulator.sessionTtlS = 300;
        emulator.expiredSessionStatus = 500;
        const again = await login(emulator.httpsUrl, DEFAULT_SERIAL);
        assert.strictEqual((await vars(emulator.httpsUrl, "name=/sys/livedata/pv_p", again)).status, 200);
        emulator.expireSessions();
        const reply = await vars(emulator.httpsUrl, "name=/sys/livedata/pv_p", again);
        assert.strictEqual(reply.status, 500);
        assert.strictEqual((reply.json as { status: number }).status, 500);
      }));

    it("takes expiredSessionStatus from the options", async () => {
      const emulator = await start({ expiredSessionStatus: 500 });
      assert.strictEqual((await vars(emulator.httpsUrl, "name=/sys/livedata/pv_p", "session=stale")).status, 500);
    });
  });

  describe("/vars queries", () => {
    let emulator: PvsEmulator;
    let cookie: string;
    beforeEach(async () => {
      emulator = await start({ now: () => NOON });
      cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
    });

    it("answers name= in the asked order as strings in {values, count}; one unknown name fails the list whole", async () => {
      // ProcessNameQuery: an unknown name is ENOENT for the whole request, errorcode ERROR_VARIABLE_NOT_FOUND.
      const failed = await vars(emulator.httpsUrl, "name=/sys/info/sw_rev,/sys/nonexistent,/sys/info/lmac", cookie);
      assert.deepStrictEqual(
        [failed.status, failed.json],
        [400, { status: 400, description: "Bad request", errorcode: "0x0100" }],
      );
      const reply = await vars(emulator.httpsUrl, "name=/sys/info/sw_rev,/sys/info/lmac", cookie);
      assert.strictEqual(reply.status, 200);
      const list = reply.json as VarsList;
      assert.deepStrictEqual(
        list.values.map((v) => v.name),
        ["/sys/info/sw_rev", "/sys/info/lmac"],
      );
      assert.strictEqual(list.count, 2);
      // As a real 61846 unit (test/fixtures/corpus/ksmooove__SunPower-Monitoring/vars-sw-rev.json).
      assert.strictEqual(list.values[0].value, "2025.10.20.61846");
    });

    it("answers match= with every variable containing the substring, and fmt=obj as one object", async () => {
      const reply = await vars(emulator.httpsUrl, "match=/sys/livedata/&fmt=obj", cookie);
      const obj = reply.json as Record<string, string>;
      const fields = [
        "time",
        "pv_p",
        "pv_en",
        "net_p",
        "net_en",
        "site_load_p",
        "site_load_en",
        "ess_en", // the 61846 capture's order (ksmooove/SunPower-Monitoring fixtures/pvs6/vars-livedata.json)
        "ess_p",
        "soc",
        "backupTimeRemaining",
        "midstate",
      ];
      assert.deepStrictEqual(
        Object.keys(obj),
        fields.map((f) => `/sys/livedata/${f}`),
      );
      assert.ok(Object.values(obj).every((v) => typeof v === "string"));
      assert.strictEqual(obj["/sys/livedata/time"], String(NOON / 1000));
      // No storage on this site: "nan", as the PV-only 61846 capture (ksmooove/SunPower-Monitoring) has it.
      assert.strictEqual(obj["/sys/livedata/ess_p"], "nan", "no storage on this site");
      const sum = Number(obj["/sys/livedata/pv_p"]) + Number(obj["/sys/livedata/net_p"]);
      assert.ok(Math.abs(sum - Number(obj["/sys/livedata/site_load_p"])) < 0.001, "load = production + grid + battery");
    });

    it("answers 400 when nothing matches, or nothing is asked, with the firmware's error body", async () => {
      for (const [query, code] of [
        ["match=/sys/devices/ess/", "0x0040"],
        ["name=/sys/nothing", "0x0100"],
        ["fmt=obj", "0x0040"],
        ["fmt=obj&cache=nothingcached", "0x0040"],
        ["fmt=xml&name=/sys/info/model", "0x0020"],
      ]) {
        const reply = await vars(emulator.httpsUrl, query, cookie);
        assert.deepStrictEqual(
          [reply.status, reply.json],
          [400, { status: 400, description: "Bad request", errorcode: code }],
          query,
        );
      }
    });

    it("decodes nothing: a percent-encoded query names no variable and gets 400, as on the firmware", async () => {
      // The bug this guards against: axios's params encode "/" as %2F, and fcgi_vars looks names up as sent.
      for (const query of [
        "match=%2Fsys%2Fdevices%2F&fmt=obj",
        "name=%2Fsys%2Finfo%2Fserialnum&fmt=obj",
        "name=/sys/info/serialnum%2C/sys/info/model",
      ]) {
        const reply = await vars(emulator.httpsUrl, query, cookie);
        assert.strictEqual(reply.status, 400, query);
        assert.strictEqual(emulator.requests.at(-1)?.query, query, "recorded as it came");
      }
      assert.strictEqual((await vars(emulator.httpsUrl, "match=/sys/devices/&fmt=obj", cookie)).status, 200);
      assert.strictEqual(
        (await vars(emulator.httpsUrl, "&&name=/sys/info/model&&", cookie)).status,
        200,
        "empty parts are skipped, as strtok_r does",
      );
    });

    it("refuses a POST body over 1,024 bytes (MAX_POST_LENGTH) with 413", async () => {
      const body = `name=${Array.from({ length: 80 }, () => "/sys/info/model").join(",")}`;
      const reply = await request(`${emulator.httpsUrl}/vars`, { method: "POST", body, headers: { Cookie: cookie } });
      assert.strictEqual(reply.status, 413);
    });

    it("can answer an empty 200 to a session that logged out (seen on some units)", async () => {
      emulator.endedSessionAnswer = "empty-200";
      await request(`${emulator.httpsUrl}/auth?logout`, { headers: { Cookie: cookie } });
      const reply = await vars(emulator.httpsUrl, "name=/sys/info/model", cookie);
      assert.deepStrictEqual([reply.status, reply.text], [200, ""]);
      assert.strictEqual(
        (await vars(emulator.httpsUrl, "name=/sys/info/model", "session=neverissued")).status,
        401,
        "an unknown session still gets 401",
      );
    });

    it("accepts a POSTed form body", async () => {
      const body = "name=/sys/info/serialnum,/sys/info/model&fmt=obj";
      const reply = await request(`${emulator.httpsUrl}/vars`, {
        method: "POST",
        body,
        headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
      });
      assert.strictEqual(reply.status, 200);
      assert.deepStrictEqual(reply.json, { "/sys/info/serialnum": DEFAULT_SERIAL, "/sys/info/model": "PVS6" });
      const record = emulator.requests.at(-1);
      assert.deepStrictEqual([record?.command, record?.query, record?.authenticated], ["vars", body, true]);
    });

    it("is served over plain HTTP as well", async () => {
      const reply = await vars(emulator.url, "name=/sys/info/model", cookie);
      assert.deepStrictEqual(byName(reply), new Map([["/sys/info/model", "PVS6"]]));
    });

    it("refuses every write with 403 but the telemetry switch, which needs the session and turns the WebSocket on", async () => {
      for (const query of [
        "set=/sys/info/model=PVS7",
        "set=/ess/config/dcm/mode_param/control_mode=STANDBY",
        "set=/sys/telemetryws/enable=1,/sys/info/model=X",
        "set=/sys/telemetryws/enable=1&set=/sys/info/model=X",
      ]) {
        assert.strictEqual((await vars(emulator.httpsUrl, query, cookie)).status, 403, query);
      }
      assert.strictEqual(
        (await vars(emulator.httpsUrl, "set=/sys/telemetryws/enable=1", null)).status,
        401,
        "not without the session",
      );
      assert.strictEqual(
        byName(await vars(emulator.httpsUrl, "name=/sys/telemetryws/enable", cookie)).get("/sys/telemetryws/enable"),
        "0",
      );
      assert.strictEqual(emulator.telemetryEnabled, false);
      assert.strictEqual((await vars(emulator.httpsUrl, "set=/sys/telemetryws/enable=1", cookie)).status, 200);
      assert.strictEqual(
        byName(await vars(emulator.httpsUrl, "name=/sys/telemetryws/enable", cookie)).get("/sys/telemetryws/enable"),
        "1",
      );
      assert.strictEqual(emulator.telemetryEnabled, true);
    });

    it("never answers a query that includes a hanging variable", async () => {
      emulator.hangVars = ["/sys/pvs/flashwear_type_b"];
      await assert.rejects(vars(emulator.httpsUrl, "match=/sys/pvs/", cookie, 300), /no answer within 300 ms/);
      await assert.rejects(
        vars(emulator.httpsUrl, "name=/sys/info/model,/sys/pvs/flashwear_type_b", cookie, 300),
        /no answer/,
      );
      assert.strictEqual(
        (await vars(emulator.httpsUrl, "name=/sys/info/model", cookie, 300)).status,
        200,
        "other variables still answer",
      );
      emulator.hangVars = [];
      assert.strictEqual(
        byName(await vars(emulator.httpsUrl, "match=/sys/pvs/", cookie)).get("/sys/pvs/flashwear_type_b"),
        "0x01",
      );
    });

    it("lets a Fault target vars and auth:login", async () => {
      emulator.setFault({ kind: "status", status: 500, commands: ["vars"] });
      assert.strictEqual((await vars(emulator.httpsUrl, "name=/sys/info/model", cookie)).status, 500);
      assert.strictEqual(
        (await request(`${emulator.httpsUrl}/auth?login`, { headers: { Authorization: basic("ssm_owner", PASSWORD) } }))
          .status,
        200,
      );
      emulator.setFault({ kind: "hang", commands: ["auth:login"] });
      await assert.rejects(
        request(`${emulator.httpsUrl}/auth?login`, {
          headers: { Authorization: basic("ssm_owner", PASSWORD) },
          timeoutMs: 200,
        }),
      );
      assert.strictEqual((await vars(emulator.httpsUrl, "name=/sys/info/model", cookie)).status, 200);
    });
  });

  describe("/vars caches", () => {
    it("creates a cache from name/match, re-reads it with fresh values, and forgets it on reboot", async () => {
      let now = NOON;
      const emulator = await start({ now: () => now });
      const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
      const created = await vars(emulator.httpsUrl, "match=/sys/livedata/&fmt=obj&cache=ldata", cookie);
      assert.strictEqual(created.status, 200);
      now += 60_000;
      const reread = await vars(emulator.httpsUrl, "fmt=obj&cache=ldata", cookie);
      assert.deepStrictEqual(Object.keys(reread.json as object), Object.keys(created.json as object));
      assert.strictEqual(
        (reread.json as Record<string, string>)["/sys/livedata/time"],
        String(now / 1000),
        "values are fresh",
      );
      assert.strictEqual((await vars(emulator.httpsUrl, "cache=other", cookie)).status, 400, "unknown cache id");
      // Caches only grow (VARCACHE_AddUnique): a selection sent with a cache id adds to it, and the answer lists all.
      const grown = await vars(emulator.httpsUrl, "name=/sys/info/model&cache=ldata", cookie);
      assert.strictEqual((grown.json as VarsList).count, Object.keys(created.json as object).length + 1);
      assert.ok(
        byName(await vars(emulator.httpsUrl, "cache=ldata", cookie)).has("/sys/info/model"),
        "added, nothing replaced",
      );
      // A list with an unknown name fails whole, but the names it found were added before the failure.
      assert.strictEqual(
        (await vars(emulator.httpsUrl, "name=/sys/info/uptime,/sys/nothing&cache=ldata", cookie)).status,
        400,
      );
      assert.ok(byName(await vars(emulator.httpsUrl, "cache=ldata", cookie)).has("/sys/info/uptime"));
      emulator.forgetCaches();
      assert.strictEqual((await vars(emulator.httpsUrl, "cache=ldata", cookie)).status, 400);
    });

    it("keeps the names it was created with: variables that appear later are not in it", async () => {
      let now = MIDNIGHT;
      const emulator = await start({ now: () => now, night: "absent" });
      const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
      const night = await vars(emulator.httpsUrl, "match=/sys/devices/&cache=dev", cookie);
      assert.ok(
        [...byName(night).keys()].every((n) => n.startsWith("/sys/devices/meter/")),
        "no inverters at night",
      );
      assert.strictEqual((await vars(emulator.httpsUrl, "match=/sys/devices/inverter/", cookie)).status, 400);
      now = MIDNIGHT + 12 * 3_600_000;
      const cached = await vars(emulator.httpsUrl, "cache=dev", cookie);
      assert.deepStrictEqual([...byName(cached).keys()], [...byName(night).keys()]);
      const fresh = await vars(emulator.httpsUrl, "match=/sys/devices/&cache=dev", cookie);
      assert.ok(byName(fresh).has("/sys/devices/inverter/1/p3phsumKw"), "a new match sees the inverters");
      assert.ok(byName(await vars(emulator.httpsUrl, "cache=dev", cookie)).has("/sys/devices/inverter/0/sn"));
    });
  });

  describe("firmware identity", () => {
    it("locks the legacy list with 403 and keeps supervisor/info open (PVS6 build 61846)", async () => {
      const emulator = await start({ storage: true });
      for (const path of [
        "/cgi-bin/dl_cgi?Command=DeviceList",
        "/cgi-bin/dl_cgi?Command=Get_Comm",
        "/cgi-bin/dl_cgi?Command=Start",
        "/cgi-bin/dl_cgi/energy-storage-system/status",
      ]) {
        const reply = await request(`${emulator.url}${path}`);
        assert.deepStrictEqual(
          [reply.status, reply.json],
          [403, { status: 403, error: "Unauthorized", path: "" }],
          path,
        );
      }
      const info = await request(`${emulator.httpsUrl}/cgi-bin/dl_cgi/supervisor/info`);
      assert.deepStrictEqual(info.json, {
        result: "succeed",
        supervisor: {
          SWVER: "2025.10, Build 61846",
          SERIAL: DEFAULT_SERIAL,
          MODEL: "PVS6",
          BUILD: 61846,
          FWVER: "1.0.0",
          // The real 61846 answer's (test/fixtures/corpus/ksmooove__SunPower-Monitoring/supervisor-info.json).
          SCVER: 1630652920,
          EASICVER: 131329,
          SCBUILD: 1188,
          WNSERIAL: 16,
          WNMODEL: 400,
          WNVER: 3000,
        },
      });
      const pvs = emulator.site.deviceList().devices[0];
      assert.strictEqual(pvs.SWVER, "2025.10, Build 61846");
    });

    it("has PVS5 build 5412 without BUILD, and the PVS5 namespace", async () => {
      const emulator = await start({ model: "PVS5" });
      const info = await request(`${emulator.url}/cgi-bin/dl_cgi/supervisor/info`);
      assert.deepStrictEqual(info.json, {
        result: "succeed",
        supervisor: { SWVER: "2025.11, Build 5412", SERIAL: DEFAULT_SERIAL, MODEL: "PVS5", FWVER: "0.0.0" },
      });
      const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
      const all = byName(await vars(emulator.httpsUrl, "match=/", cookie));
      assert.strictEqual(all.get("/sys/info/sw_rev"), "0.0.25.5412");
      assert.strictEqual(all.get("/sys/info/active_interface"), "wan");
      assert.deepStrictEqual(
        [...all.keys()].filter((n) => n.startsWith("/net/")),
        ["/net/cell/state", "/net/plc/state", "/net/sta0/state", "/net/wan/state"],
      );
      assert.strictEqual(all.get("/net/wan/state"), "online");
      assert.strictEqual(all.get("/net/plc/state"), "N/A");
      for (const absent of ["/sys/pvs/flashwear_type_b", "/sys/telemetryws/enable"]) {
        assert.ok(!all.has(absent), absent);
      }
      // The vendor's pvs5 list has the storage livedata leaves (NOT USED: no value, as on a PV-only PVS6) and
      // the toggle_cell leaves.
      for (const leaf of ["ess_p", "ess_en", "soc"]) assert.strictEqual(all.get(`/sys/livedata/${leaf}`), "nan");
      assert.strictEqual(all.get("/sys/livedata/midstate"), "0");
      assert.strictEqual(all.get("/sys/toggle_cell/cell_connected"), "0");
      assert.strictEqual(all.get("/sys/info/finance_type"), "UNKNOWN");
    });

    it("has the PVS6 identity and network variables", async () => {
      const emulator = await start();
      const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
      const all = byName(await vars(emulator.httpsUrl, "match=/", cookie));
      assert.strictEqual(all.get("/sys/info/model"), "PVS6");
      assert.strictEqual(all.get("/sys/info/sys_type"), "PV-only");
      assert.strictEqual(all.get("/sys/info/active_interface"), "wan0");
      assert.match(all.get("/sys/info/uptime") ?? "", /^\d+\.\d\d$/);
      for (const n of ["cpu_usage", "ram_usage", "flash_usage"])
        assert.match(all.get(`/sys/info/${n}`) ?? "", /^\d+$/, n);
      assert.deepStrictEqual(
        [...all].filter(([n]) => n.startsWith("/net/")),
        [
          ["/net/sta0/state", "offline"],
          ["/net/wan0/state", "online"],
          ["/net/wan1/state", "N/A"],
          ["/net/wwan0/state", "offline"],
        ],
      );
      assert.strictEqual(all.get("/sys/toggle_cell/broadband_connected"), "1");
      assert.strictEqual(all.get("/sys/telemetryws/enable"), "0");
    });

    it("answers 404 on /auth and /vars in legacy mode, and setLocalApi switches like a firmware update", async () => {
      const emulator = await start({ localApi: false });
      assert.strictEqual(
        (await request(`${emulator.httpsUrl}/auth?login`, { headers: { Authorization: basic("ssm_owner", PASSWORD) } }))
          .status,
        404,
      );
      assert.strictEqual((await vars(emulator.httpsUrl, "name=/sys/info/serialnum", null)).status, 404);
      assert.strictEqual((await request(`${emulator.url}/cgi-bin/dl_cgi?Command=DeviceList`)).status, 200);
      assert.strictEqual(
        ((await request(`${emulator.url}/cgi-bin/dl_cgi/supervisor/info`)).json as { supervisor: { BUILD: number } })
          .supervisor.BUILD,
        61707,
      );

      emulator.setLocalApi(true);
      assert.strictEqual((await request(`${emulator.url}/cgi-bin/dl_cgi?Command=DeviceList`)).status, 403);
      assert.strictEqual(
        ((await request(`${emulator.url}/cgi-bin/dl_cgi/supervisor/info`)).json as { supervisor: { BUILD: number } })
          .supervisor.BUILD,
        61846,
      );
      const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
      assert.strictEqual((await vars(emulator.httpsUrl, "name=/sys/livedata/pv_p&cache=c", cookie)).status, 200);

      emulator.setLocalApi(false);
      assert.strictEqual((await request(`${emulator.url}/cgi-bin/dl_cgi?Command=DeviceList`)).status, 200);
      assert.strictEqual((await vars(emulator.httpsUrl, "cache=c", cookie)).status, 404);
      emulator.setLocalApi(true);
      assert.strictEqual(
        (await vars(emulator.httpsUrl, "cache=c", cookie)).status,
        401,
        "an update reboots: sessions are gone",
      );
      const again = await login(emulator.httpsUrl, DEFAULT_SERIAL);
      assert.strictEqual((await vars(emulator.httpsUrl, "cache=c", again)).status, 400, "and caches too");
    });
  });

  describe("same site on both APIs", () => {
    const fields = {
      inverter: {
        SERIAL: "sn",
        MODEL: "prodMdlNm",
        p_3phsum_kw: "p3phsumKw",
        i_3phsum_a: "i3phsumA",
        vln_3phavg_v: "vln3phavgV",
        freq_hz: "freqHz",
        ltea_3phsum_kwh: "ltea3phsumKwh",
        t_htsnk_degc: "tHtsnkDegc",
        p_mppt1_kw: "pMppt1Kw",
        v_mppt1_v: "vMppt1V",
        i_mppt1_a: "iMppt1A",
      },
      meter: {
        SERIAL: "sn",
        MODEL: "prodMdlNm",
        ct_scl_fctr: "ctSclFctr",
        freq_hz: "freqHz",
        p_3phsum_kw: "p3phsumKw",
        q_3phsum_kvar: "q3phsumKvar",
        s_3phsum_kva: "s3phsumKva",
        tot_pf_rto: "totPfRto",
        net_ltea_3phsum_kwh: "netLtea3phsumKwh",
        neg_ltea_3phsum_kwh: "negLtea3phsumKwh",
        pos_ltea_3phsum_kwh: "posLtea3phsumKwh",
        v12_v: "v12V",
        v1n_v: "v1nV",
        v2n_v: "v2nV",
        i1_a: "i1A",
        i2_a: "i2A",
        p1_kw: "p1Kw",
        p2_kw: "p2Kw",
      },
    };

    /** DeviceList from a legacy emulator and /vars from a LocalAPI one, at the same fake instant. */
    async function bothApis(options: EmulatorOptions): Promise<{ devices: Legacy[]; all: Map<string, string> }> {
      const legacy = await start({ ...options, localApi: false });
      const local = await start({ ...options, localApi: true });
      const list = await request(`${legacy.url}/cgi-bin/dl_cgi?Command=DeviceList`);
      const cookie = await login(local.httpsUrl, DEFAULT_SERIAL);
      const reply = await vars(local.httpsUrl, "match=/", cookie);
      return { devices: (list.json as { devices: Legacy[] }).devices, all: byName(reply) };
    }

    it("shows the same serials and identical value strings for inverters and meters", async () => {
      const { devices, all } = await bothApis({ now: () => NOON, inverters: 4, storage: true });
      for (const [cls, deviceType] of [
        ["inverter", "Inverter"],
        ["meter", "Power Meter"],
      ] as const) {
        const legacy = devices.filter((d) => d.DEVICE_TYPE === deviceType);
        assert.ok(legacy.length > 0);
        legacy.forEach((device, n) => {
          const prefix = `/sys/devices/${cls}/${n}`;
          const leaves = [...all.keys()]
            .filter((k) => k.startsWith(`${prefix}/`))
            .map((k) => k.slice(prefix.length + 1));
          // Every leaf of the class on every device (61846 capture), zeros for what the legacy record lacks.
          const expected = Object.entries(fields[cls]);
          assert.deepStrictEqual(
            leaves.filter((l) => l !== "msmtEps").sort(),
            expected.map(([, leaf]) => leaf).sort(),
            prefix,
          );
          // The same numbers, printed as the firmware prints a float ("%f" of a 32-bit float).
          for (const [legacyName, leaf] of expected) {
            const value = all.get(`${prefix}/${leaf}`);
            const sent = device[legacyName];
            if (typeof sent === "string" && !/^-?\d/.test(sent)) assert.strictEqual(value, sent, `${prefix}/${leaf}`);
            else if (sent === undefined) assert.match(String(value), /^0(\.000000)?$/, `${prefix}/${leaf}`);
            else if (/^\d+$/.test(String(value))) assert.strictEqual(value, String(sent), `${prefix}/${leaf}`);
            else assert.strictEqual(value, Math.fround(Number(sent)).toFixed(6), `${prefix}/${leaf}`);
          }
          // The LocalAPI stamps device data on 5-minute boundaries, 4-9 minutes late (real captures: 265 s, >500 s).
          const stamp = Date.parse(String(all.get(`${prefix}/msmtEps`)));
          const lag = Number(all.get("/sys/livedata/time")) * 1000 - stamp;
          assert.strictEqual(stamp % 300_000, 0, `${prefix} on a 5-minute boundary`);
          assert.ok(lag >= 240_000 && lag < 540_000, `${prefix} lags ${lag} ms`);
        });
        assert.ok(!all.has(`/sys/devices/${cls}/${legacy.length}/sn`), "no more devices than the legacy list");
      }
      const production = devices.find((d) => d.TYPE === "PVS5-METER-P");
      const close = (name: string, legacy: unknown, within: number, message?: string) =>
        assert.ok(Math.abs(Number(all.get(name)) - Number(legacy)) <= within, message ?? name);
      close("/sys/livedata/pv_p", production?.p_3phsum_kw, 1e-4);
      close("/sys/livedata/pv_en", production?.net_ltea_3phsum_kwh, 0.01);
      const consumption = devices.find((d) => d.TYPE === "PVS5-METER-C");
      close("/sys/livedata/net_p", consumption?.p_3phsum_kw, 1e-4, "a net CT measures the grid");
      close("/sys/livedata/net_en", consumption?.net_ltea_3phsum_kwh, 0.01);
      assert.strictEqual(all.get("/sys/info/sys_type"), "Storage");
      assert.strictEqual(
        all.get("/sys/devices/ess/0/sn"),
        devices.find((d) => d.DEVICE_TYPE === "Energy Storage System")?.SERIAL,
      );
      assert.strictEqual(
        all.get("/sys/devices/transfer_switch/0/sn"),
        devices.find((d) => d.DEVICE_TYPE === "HUB+")?.SERIAL,
      );
      assert.strictEqual(all.get("/sys/devices/transfer_switch/0/midStEnum"), "MID_STATE_CLOSED");
      const soc = Number(all.get("/sys/devices/ess/0/socVal"));
      assert.ok(soc > 0 && soc <= 1, "SOC is a fraction");
      assert.strictEqual(all.get("/sys/livedata/soc"), all.get("/sys/devices/ess/0/socVal"));
      assert.strictEqual(all.get("/sys/livedata/ess_p"), all.get("/sys/devices/ess/0/p3phsumKw"));
      assert.ok(!all.has("/sys/devices/inverter/0/STATE"));
    });

    it("has no inverters at night when the legacy list has none, and keeps their counters in no-data mode", async () => {
      const absent = await bothApis({ now: () => MIDNIGHT, night: "absent" });
      assert.strictEqual(absent.devices.filter((d) => d.DEVICE_TYPE === "Inverter").length, 0);
      assert.ok(![...absent.all.keys()].some((k) => k.startsWith("/sys/devices/inverter/")));
      // DeviceList shows only serial and model, but the varserver keeps the counters, MPPT leaves and a stamp on
      // the 5-minute grid (the vendor's night example, pypvs doc/LocalAPI.md "inverter data").
      const noData = await bothApis({ now: () => MIDNIGHT, night: "no-data" });
      const legacy = noData.devices.find((d) => d.DEVICE_TYPE === "Inverter");
      assert.deepStrictEqual(legacy?.ltea_3phsum_kwh, undefined);
      const leaves = [...noData.all.keys()].filter((k) => k.startsWith("/sys/devices/inverter/0/"));
      assert.deepStrictEqual(
        leaves.map((k) => k.slice("/sys/devices/inverter/0/".length)),
        Object.values(fields.inverter).concat("msmtEps").sort(),
      );
      assert.ok(Number(noData.all.get("/sys/devices/inverter/0/ltea3phsumKwh")) > 1000, "lifetime energy kept");
      assert.strictEqual(noData.all.get("/sys/devices/inverter/0/p3phsumKw"), "0.000000");
      assert.ok(Number(noData.all.get("/sys/devices/inverter/0/vMppt1V")) > 0, "a little MPPT voltage");
      const stamp = Date.parse(String(noData.all.get("/sys/devices/inverter/0/msmtEps")));
      assert.ok(stamp > Date.UTC(2025, 0, 1) && stamp % 300_000 === 0, "a stamp on the 5-minute grid");
    });

    it("stamps frozen night inverters at sunset, on the 5-minute grid", async () => {
      const frozen = await bothApis({ now: () => MIDNIGHT, night: "frozen" });
      const legacy = frozen.devices.find((d) => d.DEVICE_TYPE === "Inverter");
      const sunset = Date.parse(
        String(legacy?.DATATIME).replace(/^(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)$/, "$1-$2-$3T$4:$5:$6Z"),
      );
      const stamp = Date.parse(String(frozen.all.get("/sys/devices/inverter/0/msmtEps")));
      assert.strictEqual(stamp % 300_000, 0, "on the grid");
      assert.ok(stamp <= sunset && sunset - stamp < 300_000, `${stamp} is the boundary before ${sunset}`);
    });

    it("applies editDeviceList to the varserver devices too", async () => {
      const emulator = await start({ now: () => NOON, inverters: 3 });
      emulator.editDeviceList = (answer) => {
        answer.devices = answer.devices.filter((d) => d.SERIAL !== "E00122000000002");
      };
      const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
      const all = byName(await vars(emulator.httpsUrl, "match=/sys/devices/inverter/", cookie));
      assert.deepStrictEqual(
        [0, 1, 2].map((n) => all.get(`/sys/devices/inverter/${n}/sn`)),
        ["E00122000000001", "E00122000000003", undefined],
      );
    });
  });

  describe("command line", () => {
    it("parses --localapi, --https-port and --session-ttl", () => {
      assert.deepStrictEqual(parseArgs(["--localapi", "--https-port", "0", "--session-ttl", "60"]), {
        port: 18080,
        host: "127.0.0.1",
        inverters: 12,
        delayMs: 0,
        // The sun follows this machine's day unless --longitude says otherwise.
        longitude: localLongitude(),
        publicationDelayS: 265, // device data appears 265 s after its stamp, as in the build 61846 capture
        localApi: true,
        httpsPort: 0,
        sessionTtlS: 60,
      });
      assert.throws(() => parseArgs(["--https-port", "99999"]), /--https-port needs a number/);
      assert.throws(() => parseArgs(["--session-ttl", "0"]), /--session-ttl needs a number/);
    });

    it("says which API it serves and how to log in, without printing the serial", () => {
      const opts = parseArgs(["--localapi"]);
      const line = startupLine(opts, "http://127.0.0.1:18080", "https://127.0.0.1:18443");
      assert.match(line, /LocalAPI/);
      assert.match(line, /https:\/\/127\.0\.0\.1:18443/);
      assert.match(line, /\(password: last 5 characters of the serial\)/);
      assert.ok(!line.includes(PASSWORD) && !line.includes(DEFAULT_SERIAL));
      assert.match(
        startupLine(parseArgs([]), "http://127.0.0.1:18080", "https://127.0.0.1:18443"),
        /legacy API.*Command=DeviceList/,
      );
    });
  });
});
