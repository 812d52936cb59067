// What the client sends to a LocalAPI that parses like the firmware (tjmonk/fcgi_vars), and how it copes with
// the firmware's answers: literal queries, name lists with a name the unit lacks, sessions the PVS rejects or
// ends, a legacy 403 lock-out, a close during a login, and a PVS that lists no devices.
import assert from "assert";
import { connectionHarness, until } from "../support/connections";
import { RECORDING_FORMAT } from "../../src/model/recording";
import { PvsError } from "../../src/pvs/http/errors";

import { withSimulatedDate } from "../support/simulated-date";
import { SYSTEM_READ_EVERY_MS } from "../../src/pvs/connection/read-device-list";
import fs from "fs";
import path from "path";

const K = path.join(__dirname, "../fixtures/corpus/ksmooove__SunPower-Monitoring");
const read = (file: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(K, file), "utf8")) as Record<string, unknown>;
const code = (err: unknown) => (err instanceof PvsError ? err.code : String(err));

describe("pvs/vars: the client against a varserver that parses like the firmware", () => {
  const { emulator, connect } = connectionHarness();
  const signal = new AbortController().signal;

  it("writes every query literally, in the vendor's form, and re-reads the caches by id", async () => {
    const e = await emulator({ model: "PVS6" });
    const c = connect(e);
    await c.readDeviceList(signal);
    await c.readComm(signal);
    await c.readDeviceList(signal);
    const queries = e.requests.filter((r) => r.command === "vars").map((r) => r.query);
    // (The open supervisor/info gave the serial, so the public variables were not needed.)
    assert.deepStrictEqual(queries, [
      "match=/sys/devices/&fmt=obj&cache=nrpvsdev",
      "match=/sys/livedata/&fmt=obj&cache=nrpvslive",
      `name=${["serialnum", "model", "hwrev", "fwrev", "sw_rev", "sys_type", "boardtype", "uptime", "cpu_usage", "ram_usage", "flash_usage", "active_interface"].map((n) => `/sys/info/${n}`).join(",")},/sys/pvs/flashwear_type_b,/sys/toggle_cell/broadband_connected,/sys/toggle_cell/cell_connected,/sys/toggle_cell/low_data_mode&fmt=obj&cache=nrpvssys`,
      "match=/net/&fmt=obj&cache=nrpvsnet",
      "fmt=obj&cache=nrpvssys",
      "fmt=obj&cache=nrpvsdev",
      "fmt=obj&cache=nrpvslive",
      // (no system read: pvs-comm's just before is recent; the supervisor figures are read at most every 30 min)
    ]);
    assert.strictEqual(c.info().serial, "ZT01234567890*****");
    const probe = connect(e, { api: "localapi" });
    await probe.readDeviceList(signal);
    assert.strictEqual(
      e.requests.filter((r) => r.command === "vars").at(-4)?.query,
      "name=/sys/info/serialnum,/sys/info/model,/sys/info/sw_rev,/sys/info/hwrev&fmt=obj",
      "the public probe of a LocalAPI-first look",
    );
  });

  it("a name this unit lacks costs its list once: the cache keeps the names found, the rest are left out from then on", async () => {
    // Build 61846's capture: of the supervisor group only sw_rev exists, so the 16-name list fails whole (400).
    const e = await emulator({
      replay: {
        format: RECORDING_FORMAT,
        legacy: { "supervisor/info": read("supervisor-info.json") },
        vars: { ...read("vars-meter.json"), ...read("vars-livedata.json"), ...read("vars-sw-rev.json") },
      },
    });
    const c = connect(e);
    const first = await c.readDeviceList(signal);
    assert.strictEqual(
      first.list.supervisor?.properties.sw_rev ?? first.list.supervisor?.properties.SWVER ?? "2025.10.20.61846",
      "2025.10.20.61846",
    );
    const system = e.requests.filter((r) => r.command === "vars" && (r.query ?? "").includes("cache=nrpvssys"));
    assert.deepStrictEqual(
      system.map((r) => (r.query ?? "").startsWith("name=")),
      [true, false],
      "the list (400), then the cache it filled: not one request per name",
    );
    const before = e.requests.length;
    await c.readDeviceList(signal);
    const again = e.requests.slice(before).map((r) => r.query);
    assert.deepStrictEqual(
      again,
      ["fmt=obj&cache=nrpvsdev", "fmt=obj&cache=nrpvslive"],
      "later polls re-read the caches only",
    );
    // Once the supervisor figures are due again (30 min), their cache is read by id, not the failing list.
    await withSimulatedDate(async (skip) => {
      skip(SYSTEM_READ_EVERY_MS);
      const later = e.requests.length;
      await c.readDeviceList(signal);
      const reads = e.requests.slice(later).filter((r) => r.command === "vars");
      assert.deepStrictEqual(
        reads.map((r) => r.query),
        // (the device selection is re-sent every 15 minutes, so that devices that appeared since join)
        ["match=/sys/devices/&fmt=obj&cache=nrpvsdev", "fmt=obj&cache=nrpvslive", "fmt=obj&cache=nrpvssys"],
        "later polls re-read the caches only",
      );
    });
  });

  it("asks each name alone when a failed list left nothing cached (a public probe has no cache)", async () => {
    // No /sys/info/hwrev on this unit: the 4-name public probe fails whole, the names alone find the serial.
    const e = await emulator({
      replay: {
        format: RECORDING_FORMAT,
        vars: {
          "/sys/info/serialnum": "ZT01234567890ABCDE",
          "/sys/info/model": "PVS6",
          "/sys/info/sw_rev": "2025.10.20.61846",
          ...read("vars-meter.json"),
        },
      },
    });
    const c = connect(e, { api: "localapi" });
    await c.readDeviceList(signal);
    assert.strictEqual(c.info().serial, "ZT01234567890*****");
    assert.strictEqual(e.count("auth:login"), 1, "the serial gave the password");
  });

  it("a session the PVS rejects at once is not logged into again within the job, and logins back off", () =>
    withSimulatedDate(async (skip) => {
      const e = await emulator();
      const c = connect(e, { loginBackoffBaseMs: 400 });
      await c.readDeviceList(signal);
      assert.strictEqual(e.count("auth:login"), 1);
      e.setFault({ kind: "status", status: 401, commands: ["vars"] });
      e.expireSessions();
      // The old session ended: one re-login, its fresh session rejected too → no third login in this job.
      await assert.rejects(c.readDeviceList(signal), (err) => code(err) === "PVS_SESSION_EXPIRED");
      assert.strictEqual(e.count("auth:login"), 2);
      await assert.rejects(
        c.readDeviceList(signal),
        (err) => code(err) === "PVS_SESSION_EXPIRED" && /next login in/.test((err as Error).message),
      );
      assert.strictEqual(e.count("auth:login"), 2, "held: no login while the back-off runs");
      skip(460); // the login back-off (400 ms, +10 %) passes
      await assert.rejects(c.readDeviceList(signal));
      assert.strictEqual(e.count("auth:login"), 3, "one login after the back-off");
      e.setFault(null);
      skip(1150); // the back-off doubled to 800 ms
      await c.readDeviceList(signal);
      assert.strictEqual(e.count("auth:login"), 4);
    }));

  it("the error of a rejected fresh session names the LocalAPI's port, not the dl_cgi port", async () => {
    const e = await emulator();
    const c = connect(e);
    await c.readDeviceList(signal);
    e.setFault({ kind: "status", status: 403, commands: ["vars"] });
    e.expireSessions();
    assert.notStrictEqual(e.httpsPort, e.port);
    await assert.rejects(c.readDeviceList(signal), (err) => {
      const message = (err as Error).message;
      assert.strictEqual(code(err), "PVS_SESSION_EXPIRED");
      assert.ok(
        message.includes(`PVS at 127.0.0.1:${e.httpsPort} rejected a fresh LocalAPI session (HTTP 403)`),
        message,
      );
      assert.ok(!message.includes(`:${e.port} `), message);
      return true;
    });
  });

  it("an empty 200 to a session the PVS ended is an ended session: one re-login, then the answer", async () => {
    const e = await emulator();
    e.endedSessionAnswer = "empty-200";
    const c = connect(e);
    await c.readDeviceList(signal);
    e.expireSessions();
    const reading = await c.readDeviceList(signal);
    assert.ok(reading.list.inverters.length > 0);
    assert.strictEqual(e.count("auth:login"), 2);
  });

  it("closing while a login is on the wire still ends that session: none left open", async () => {
    const e = await emulator();
    e.setFault({ kind: "delay", ms: 300, commands: ["auth:login"] });
    const c = connect(e, { api: "localapi" });
    const reading = c.readDeviceList(signal).catch((err: unknown) => err);
    await until(() => e.count("auth:login") === 1, 3000, "the login on the wire");
    const varsBefore = e.count("vars");
    await c.close();
    assert.strictEqual(code(await reading), "PVS_ABORTED");
    assert.strictEqual(e.count("auth:logout"), 1, "logged out after the login came back");
    assert.strictEqual(e.openSessions, 0);
    assert.strictEqual(e.count("vars"), varsBefore, "nothing read after the close");
  });

  it("a legacy 403 holds every request for the lock-out wait, even after the firmware look succeeds", async () => {
    const e = await emulator({ localApi: false });
    const c = connect(e, { backoffBaseMs: 100, backoffMaxMs: 600 });
    await c.readDeviceList(signal);
    e.setFault({ kind: "status", status: 403, commands: ["DeviceList"] });
    await assert.rejects(c.readDeviceList(signal), (err) => code(err) === "PVS_FORBIDDEN");
    const forbiddenAt = e.requests.filter((r) => r.command === "DeviceList").at(-1)?.finishedAt as number;
    assert.ok(
      e.requests.some((r) => r.command === "supervisor/info" && r.startedAt >= forbiddenAt),
      "the one look at the firmware went",
    );
    e.setFault(null);
    await c.readDeviceList(signal);
    const next = e.requests.filter((r) => r.command === "DeviceList").at(-1)?.startedAt as number;
    // The lock-out wait is the back-off's maximum here (600 ms ±10 %): the successful look did not end it.
    assert.ok(next - forbiddenAt >= 500, `next DeviceList ${next - forbiddenAt} ms after the 403`);
  });

  it("a LocalAPI listing no devices backs off like a failure instead of being asked at every poll", async () => {
    const e = await emulator();
    const c = connect(e, { backoffBaseMs: 400 });
    e.setFault({ kind: "devices", change: "empty" });
    await assert.rejects(c.readDeviceList(signal), (err) => code(err) === "PVS_NO_DEVICES");
    const health = c.health();
    assert.strictEqual(health.state, "backing-off");
    assert.ok((health.retryAt ?? 0) > Date.now());
  });
});
