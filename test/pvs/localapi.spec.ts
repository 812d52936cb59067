// The LocalAPI path end to end against the emulator over real HTTPS: detection, the shared session,
// caches, certificate pinning, hanging variables, and the same normalized devices as the legacy API.
import assert from "assert";
import { connectionHarness } from "../support/connections";
import { rejection } from "../support/rejection";
import { withSimulatedDate } from "../support/simulated-date";
import { Device } from "../../src/model/device";

const SERIAL = "ZT01234567890ABCDE";

describe("pvs/connection: the LocalAPI against the emulator over HTTPS", () => {
  const { emulator, connect } = connectionHarness();
  const signal = new AbortController().signal;

  describe("detection", () => {
    it("finds the LocalAPI on a new-firmware PVS6 from supervisor/info's BUILD", async () => {
      const e = await emulator();
      const c = connect(e);
      const reading = await c.readDeviceList(signal);
      assert.strictEqual(reading.api, "localapi");
      assert.deepStrictEqual([c.info().api, c.info().model, c.info().build], ["localapi", "PVS6", 61846]);
      assert.strictEqual(c.info().serial, "ZT01234567890*****", "shown masked");
      assert.strictEqual(e.count("DeviceList"), 0, "the locked legacy list is not even tried");
    });

    it("finds the LocalAPI on a new-firmware PVS5, whose supervisor/info has no BUILD", async () => {
      const e = await emulator({ model: "PVS5" });
      const c = connect(e);
      await c.readDeviceList(signal);
      assert.deepStrictEqual([c.info().api, c.info().model, c.info().build], ["localapi", "PVS5", 5412]);
    });

    it("stays on the legacy API for old firmware", async () => {
      const e = await emulator({ localApi: false });
      const c = connect(e);
      const reading = await c.readDeviceList(signal);
      assert.strictEqual(reading.api, "legacy");
      assert.deepStrictEqual([c.info().api, c.info().build], ["legacy", 61707]);
      assert.strictEqual(e.count("auth:login"), 0);
    });

    it("follows a firmware update: the locked DeviceList makes it look again and read the LocalAPI in the same poll", async () => {
      const e = await emulator({ localApi: false });
      const c = connect(e);
      assert.strictEqual((await c.readDeviceList(signal)).api, "legacy");
      e.setLocalApi(true);
      const reading = await c.readDeviceList(signal);
      assert.strictEqual(reading.api, "localapi");
      assert.strictEqual(c.info().build, 61846);
      assert.strictEqual(reading.list.inverters.length, 3);
    });

    it("on an old firmware's 403 lock-out, the LocalAPI probe's absence does not count as a PVS failure", async () => {
      const e = await emulator({ localApi: false });
      e.setFault({ kind: "status", status: 403, commands: ["DeviceList", "supervisor/info"] });
      const c = connect(e, { backoffBaseMs: 10, backoffMaxMs: 200 });
      assert.strictEqual((await rejection(c.readDeviceList(signal))).code, "PVS_FORBIDDEN");
      assert.ok(e.count("vars") >= 1, "the LocalAPI was probed");
      const health = c.health();
      assert.strictEqual(health.lastError?.code, "PVS_FORBIDDEN", "the lock-out is what the user sees");
      assert.strictEqual(health.failuresInARow, 3, "supervisor/info, DeviceList, the fresh look: not the probes");
    });

    it("a fixed API setting is used as set", async () => {
      const e = await emulator();
      const c = connect(e, { api: "legacy" });
      const err = await rejection(c.readDeviceList(signal));
      assert.strictEqual(err.code, "PVS_FORBIDDEN");
      assert.strictEqual(c.info().api, "legacy");
    });
  });

  describe("session", () => {
    it("logs in once for many polls and shares the session", async () => {
      const e = await emulator();
      const c = connect(e);
      for (let i = 0; i < 5; i++) await c.readDeviceList(signal);
      await c.readComm(signal);
      assert.strictEqual(e.count("auth:login"), 1);
    });

    it("recovers from a session that expired mid-run with one new login (401 and 500)", async () => {
      for (const status of [401, 500] as const) {
        const e = await emulator({ expiredSessionStatus: status });
        const c = connect(e);
        await c.readDeviceList(signal);
        e.expireSessions();
        const reading = await c.readDeviceList(signal);
        assert.strictEqual(reading.list.inverters.length, 3);
        assert.strictEqual(e.count("auth:login"), 2, `HTTP ${status}`);
      }
    });

    it("renews the session before its lifetime ends, without a failed request", () =>
      withSimulatedDate(async (skip) => {
        const e = await emulator({ sessionTtlS: 0.25 });
        const c = connect(e, { renewAfterMs: 150 });
        await c.readDeviceList(signal);
        skip(300); // past the renewal time and the session's lifetime
        await c.readDeviceList(signal);
        assert.strictEqual(e.count("auth:login"), 2);
        // Every variable read carried a live session: the renewal came before the PVS would have refused it.
        const reads = e.requests.filter((r) => r.command === "vars" && r.authenticated !== undefined);
        assert.ok(
          // 3 + 2: the second poll reuses the supervisor figures (read at most every 30 minutes)
          reads.length >= 5 && reads.every((r) => r.authenticated === true),
          JSON.stringify(reads.map((r) => r.authenticated)),
        );
      }));

    it("a wrong password: a clear error and no retry storm", async () => {
      const e = await emulator();
      const c = connect(e, { password: "WRONG" });
      const first = await rejection(c.readDeviceList(signal));
      assert.strictEqual(first.code, "PVS_LOGIN_REFUSED");
      assert.match(first.message, /login refused: check the serial\/password/);
      for (let i = 0; i < 5; i++)
        assert.strictEqual((await rejection(c.readDeviceList(signal))).code, "PVS_LOGIN_REFUSED");
      assert.strictEqual(e.count("auth:login"), 1, "the refused password is not tried again at once");
    });

    it("the password the user set is used instead of the serial", async () => {
      const e = await emulator();
      const c = connect(e, { password: SERIAL.slice(-5) });
      await c.readDeviceList(signal);
      assert.strictEqual(e.count("auth:login"), 1);
    });

    it("logs out when closed", async () => {
      const e = await emulator();
      const c = connect(e);
      await c.readDeviceList(signal);
      await c.close();
      assert.strictEqual(e.count("auth:logout"), 1);
      assert.strictEqual(e.openSessions, 0);
    });

    it("with the API fixed to LocalAPI, an outage long enough to open the breaker does not lose the serial (the password)", () =>
      withSimulatedDate(async (skip) => {
        const e = await emulator();
        const c = connect(e, { api: "localapi", backoffBaseMs: 50, backoffMaxMs: 400 });
        await c.readDeviceList(signal);
        e.setFault({ kind: "reset" });
        for (let i = 0; i < 3; i++)
          assert.strictEqual((await rejection(c.readDeviceList(signal))).code, "PVS_UNREACHABLE");
        assert.strictEqual((await rejection(c.readDeviceList(signal))).code, "PVS_CIRCUIT_OPEN");
        e.setFault(null);
        e.expireSessions(); // the PVS rebooted
        skip(500); // the breaker's retry time passes
        const reading = await c.readDeviceList(signal);
        assert.strictEqual(reading.list.inverters.length, 3, "reads again at once, logged in with the serial it knew");
        assert.strictEqual(c.info().serial, "ZT01234567890*****");
      }));

    it("logs out when closed while the session is due for renewal (older than renewAfter, not yet expired)", () =>
      withSimulatedDate(async (skip) => {
        const e = await emulator();
        // Long enough that a slow, loaded machine does not renew during the read itself (a renewal keeps the old
        // session until it expires, which this test would count).
        const c = connect(e, { renewAfterMs: 1000 });
        await c.readDeviceList(signal);
        skip(1100); // past renewAfter
        await c.close();
        assert.strictEqual(e.count("auth:logout"), 1);
        assert.strictEqual(e.openSessions, 0, "no session left on the PVS");
      }));
  });

  describe("queries", () => {
    it("creates each cache once and then reads it by id; creates it again when the PVS forgot it", async () => {
      const e = await emulator();
      const c = connect(e);
      await c.readDeviceList(signal);
      const creates = () =>
        e.requests.filter((r) => r.command === "vars" && /(^|&)(match|name)=/.test(r.query ?? "")).length;
      assert.strictEqual(creates(), 3, "devices, livedata, system");
      await c.readDeviceList(signal);
      await c.readDeviceList(signal);
      assert.strictEqual(creates(), 3, "later polls re-read the caches");
      assert.strictEqual(e.count("vars"), 3 + 4, "devices and livedata; the supervisor figures are read rarely");
      e.forgetCaches();
      const reading = await c.readDeviceList(signal);
      assert.strictEqual(reading.list.inverters.length, 3);
      // A forgotten cache is a reboot: the supervisor figures (its firmware too) are read again at once.
      assert.strictEqual(creates(), 6, "each forgotten cache answered 400 once and was created again");
      assert.strictEqual(e.count("vars"), 3 + 4 + 6);
    });

    it("gives every request its own timeout: a hanging flash-wear variable is left out from then on", async () => {
      const e = await emulator();
      e.hangVars = ["/sys/pvs/flashwear_type_b"];
      const c = connect(e, { localApiTimeoutMs: 300 });
      const reading = await c.readDeviceList(signal);
      assert.strictEqual(reading.list.supervisor?.metrics.flashwear_type_b, undefined);
      assert.strictEqual(typeof reading.list.supervisor?.metrics.cpu_usage_pct, "number");
      await c.readDeviceList(signal);
    });

    it("a site without storage has no storage devices and no storage summary", async () => {
      const e = await emulator();
      const reading = await connect(e).readDeviceList(signal);
      assert.strictEqual(reading.storage, null);
      assert.ok(!reading.list.devices.some((d) => d.category === "storage"));
    });

    it("reads the SunVault: ESS and transfer switch devices, state of charge and backup time", async () => {
      const e = await emulator({ storage: true });
      const reading = await connect(e).readDeviceList(signal);
      const ess = reading.list.devices.find((d) => d.deviceType === "Energy Storage System") as Device;
      assert.ok(ess, "ESS device");
      assert.ok(
        (ess.metrics.soc_pct as number) > 0 && (ess.metrics.soc_pct as number) <= 100,
        "percent, not a fraction",
      );
      assert.ok(reading.list.devices.some((d) => d.deviceType === "HUB+"));
      assert.strictEqual(typeof reading.storage?.system_soc_pct, "number");
      assert.strictEqual(typeof reading.live?.backup_time_remaining_min, "number");
    });

    it("reads the network variables into the same shape as Get_Comm", async () => {
      for (const model of ["PVS6", "PVS5"] as const) {
        const e = await emulator({ model });
        const { api, payload } = await connect(e).readComm(signal);
        assert.strictEqual(api, "localapi");
        assert.ok(payload.interfaces.length >= 4, model);
        assert.strictEqual(payload.system.interface, model === "PVS6" ? "wan0" : "wan");
        assert.strictEqual(payload.primary?.connected, true);
        assert.strictEqual(payload.primary?.kind, "ethernet");
        assert.ok(!JSON.stringify(payload).includes("wpa"), "no Wi-Fi key");
      }
    });
  });

  describe("TLS", () => {
    it("records the certificate's fingerprint and accepts it when pinned", async () => {
      const e = await emulator();
      const c = connect(e, { fingerprint: e.certificateFingerprint });
      await c.readDeviceList(signal);
      assert.strictEqual(c.info().certificate, e.certificateFingerprint);
    });

    it("refuses a different certificate than the pinned one, before any password is sent", async () => {
      const e = await emulator();
      const pinned = e.certificateFingerprint;
      e.regenerateCertificate();
      const c = connect(e, { api: "localapi", fingerprint: pinned });
      const err = await rejection(c.readDeviceList(signal));
      assert.strictEqual(err.code, "PVS_CERT_MISMATCH");
      assert.match(err.message, /not the pinned one/);
      assert.strictEqual(e.count("auth:login"), 0, "no login reached the server");
      assert.strictEqual(e.count("vars"), 0);
    });
  });

  it("normalizes the same site to the same devices on both APIs (serials, values, units)", async () => {
    const now = Date.UTC(2026, 5, 21, 19, 0, 0); // midday at longitude -117
    const legacy = await emulator({ localApi: false, longitude: -117, now: () => now, inverters: 5 });
    const fresh = await emulator({ localApi: true, longitude: -117, now: () => now, inverters: 5 });
    const a = await connect(legacy).readDeviceList(signal);
    const b = await connect(fresh).readDeviceList(signal);
    const bySerial = (devices: Device[]) =>
      new Map(devices.filter((d) => d.category === "meter" || d.category === "inverter").map((d) => [d.serial, d]));
    const left = bySerial(a.list.devices);
    const right = bySerial(b.list.devices);
    assert.deepStrictEqual([...right.keys()].sort(), [...left.keys()].sort(), "same serials");
    assert.strictEqual(right.size, 7);
    for (const [serial, d] of right) {
      const l = left.get(serial) as Device;
      assert.strictEqual(d.deviceType, l.deviceType, String(serial));
      // The LocalAPI publishes the same data on a 5-minute stamp, minutes late (see src/emulator/vars.ts).
      const lag = Date.parse(String(l.dataTime)) - Date.parse(String(d.dataTime));
      assert.ok(
        lag >= 0 && lag < 540_000 && Date.parse(String(d.dataTime)) % 300_000 === 0,
        `${serial} data time ${d.dataTime} against ${l.dataTime}`,
      );
      const names = Object.keys(d.metrics);
      assert.ok(names.length >= 9, `${serial} has its measurements`);
      // The varserver prints a 32-bit float with "%f" (60.0035 → "60.003502"): equal within float32 precision.
      // A LocalAPI meter has all 19 leaves of a real one, zeros where this meter measures nothing (per-leg
      // currents of a production meter), which its legacy record leaves out.
      for (const name of names) {
        const [r, s] = [d.metrics[name], l.metrics[name]];
        if (s === undefined && d.category === "meter" && r === 0) continue;
        if (typeof r !== "number" || typeof s !== "number") assert.strictEqual(r, s, `${serial} ${name}`);
        else assert.ok(Math.abs(r - s) <= Math.abs(s) * 2 ** -23 + 1e-6, `${serial} ${name}: ${r} vs ${s}`);
      }
    }
    assert.strictEqual(b.list.meters.production?.serial, a.list.meters.production?.serial);
    assert.strictEqual(b.list.meters.consumption?.serial, a.list.meters.consumption?.serial);
    assert.strictEqual(b.list.inverters.filter((i) => i.condition === "ok").length, 5);
  });
});
