// What a Node-RED restart takes over from the connection before it: the legacy detection and the
// DeviceList ration's last start, nothing secret, so that a restart alone asks the PVS nothing the ration would not.
import assert from "assert";
import { PvsEmulator } from "../../src/emulator/server";
import { ConnectionOptions, PvsConnection } from "../../src/pvs/connection/connection";
import { MEMO_CLOCK_SKEW_MS, readMemory } from "../../src/pvs/connection/connection-memory";

describe("pvs/connection memory across a restart", () => {
  const signal = new AbortController().signal;
  let emulator: PvsEmulator;
  const connections: PvsConnection[] = [];
  const connect = (extra: Partial<ConnectionOptions> = {}) => {
    const c = new PvsConnection({
      api: "auto",
      protocol: "http",
      host: "127.0.0.1",
      port: emulator.port,
      localPort: emulator.httpsPort,
      timeoutMs: 3000,
      minSpacingMs: 0,
      deviceListEveryMs: 400,
      ...extra,
    });
    connections.push(c);
    return c;
  };
  beforeEach(async () => {
    emulator = new PvsEmulator({ inverters: 3 });
    await emulator.start();
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await emulator.stop();
  });

  it("a restarted connection neither detects again nor sends a DeviceList before the ration allows", async () => {
    const before = connect();
    await before.readDeviceList(signal);
    // as a context store keeps it
    const memory = JSON.parse(JSON.stringify(before.memory())) as { deviceListStartedAt: number };
    assert.ok(!JSON.stringify(memory).includes(emulator.site.serial.slice(-5)), "nothing secret in it");
    // When the client sent it (the ration counts from there): the emulator sees it a few ms later, more on a busy
    // machine, which made a difference of the emulator's two times fall short of the ration by a few ms.
    const lastList = memory.deviceListStartedAt;
    assert.ok(
      Math.abs(emulator.requests.filter((r) => r.command === "DeviceList")[0].startedAt - lastList) < 200,
      "the memory's DeviceList start is the one sent",
    );
    const after = connect();
    after.restore(memory);
    assert.deepStrictEqual([after.info().api, after.info().build], ["legacy", 61707]);
    await after.readDeviceList(signal);
    assert.strictEqual(emulator.count("supervisor/info"), 1, "no second detection");
    const next = emulator.requests.filter((r) => r.command === "DeviceList").at(-1)?.startedAt as number;
    assert.ok(next - lastList >= 400, `the ration held across the restart (${next - lastList} ms)`);
  });

  it("keeps a 403 lock-out's end, restored as a hold; one ended or later than the longest wait is ignored", async () => {
    const before = connect({ backoffBaseMs: 100, backoffMaxMs: 60_000 });
    await before.readDeviceList(signal);
    emulator.setFault({ kind: "status", status: 403, commands: ["DeviceList"] });
    await assert.rejects(before.readDeviceList(signal));
    const memory = JSON.parse(JSON.stringify(before.memory())) as { lockedOutUntil: number };
    assert.ok(memory.lockedOutUntil > Date.now() + 50_000, "the lock-out's end is kept (a minute ±10 %)");
    const after = connect({ backoffMaxMs: 60_000 });
    after.restore(memory);
    assert.deepStrictEqual(
      [after.health().state, after.health().retryAt, after.health().lastError?.code],
      ["backing-off", memory.lockedOutUntil, "PVS_FORBIDDEN"],
    );
    assert.strictEqual(after.memory()?.lockedOutUntil, memory.lockedOutUntil, "kept again by the restarted connection");
    for (const until of [Date.now() - 1, Date.now() + 61_000, Number.MAX_SAFE_INTEGER, "soon", null]) {
      const c = connect({ backoffMaxMs: 60_000 });
      c.restore({ ...memory, lockedOutUntil: until });
      assert.strictEqual(c.health().state, "ok", `ignored: ${String(until)}`);
    }
  });

  it("ignores a malformed memory, and keeps no LocalAPI detection (it needs the serial to log in)", async () => {
    const c = connect();
    for (const bad of [
      null,
      1,
      "x",
      { format: 2 },
      { format: 1, detection: { api: "localapi", detectedAt: 1 } },
      { format: 1, deviceListStartedAt: "soon" },
    ])
      c.restore(bad);
    assert.strictEqual(c.info().api, null);
    const local = new PvsEmulator({ inverters: 2, localApi: true });
    await local.start();
    try {
      const l = new PvsConnection({
        api: "auto",
        protocol: "http",
        host: "127.0.0.1",
        port: local.port,
        localPort: local.httpsPort,
        timeoutMs: 3000,
        minSpacingMs: 0,
      });
      connections.push(l);
      await l.readDeviceList(signal);
      assert.strictEqual(l.memory(), null);
    } finally {
      await local.stop();
    }
  });

  describe("a hostile stored memory (a context store is a file anyone may edit)", () => {
    const now = Date.now();
    const good = {
      format: 1,
      detection: { api: "legacy", model: "PVS6", build: 61707, version: "2021.9, Build 61707", detectedAt: now - 1000 },
      deviceListStartedAt: now - 2000,
      lockedOutUntil: null,
    };
    const later = now + MEMO_CLOCK_SKEW_MS + 60_000;
    const hostileTimes: unknown[] = [
      1e16,
      Number.MAX_VALUE,
      Number.MAX_SAFE_INTEGER,
      -1,
      -1e16,
      0,
      Date.UTC(2009, 11, 31),
      later,
      1.5e12 + 0.5,
      "1700000000000",
      true,
      [now],
      { at: now },
      null,
    ];

    it("keeps a sound memory whole", () => {
      assert.deepStrictEqual(readMemory(good, now), good);
    });

    it("drops every impossible time and every field of the wrong type, keeping the rest", () => {
      for (const t of hostileTimes) {
        const label = JSON.stringify(t) ?? String(t);
        const m = readMemory({ ...good, detection: { ...good.detection, detectedAt: t } }, now);
        assert.strictEqual(m?.detection, null, `detectedAt ${label}`);
        assert.strictEqual(m?.deviceListStartedAt, good.deviceListStartedAt, `the rest kept (${label})`);
        assert.strictEqual(readMemory({ ...good, deviceListStartedAt: t }, now)?.deviceListStartedAt, null, label);
        // (A lock-out's end lies ahead: one minute past the skew is a time it can have.)
        if (t !== later)
          assert.strictEqual(readMemory({ ...good, lockedOutUntil: t }, now)?.lockedOutUntil, null, label);
      }
      const junk = readMemory(
        {
          ...good,
          detection: { ...good.detection, model: { x: 1 }, build: 1e16, version: "x".repeat(65) },
        },
        now,
      );
      assert.deepStrictEqual(
        [junk?.detection?.model, junk?.detection?.build, junk?.detection?.version],
        [null, null, null],
      );
      for (const build of [-3, 0, 1.5, "61707", Number.MAX_VALUE])
        assert.strictEqual(
          readMemory({ ...good, detection: { ...good.detection, build } }, now)?.detection?.build,
          null,
        );
      assert.strictEqual(
        readMemory({ ...good, detection: { ...good.detection, model: "PVS\u00006" } }, now)?.detection?.model,
        null,
      );
      for (const detection of [[good.detection], "legacy", 1e16, { ...good.detection, api: ["legacy"] }])
        assert.strictEqual(readMemory({ ...good, detection }, now)?.detection, null, JSON.stringify(detection));
      for (const bad of [[good], { ...good, format: "1" }, { ...good, format: 1e16 }, undefined])
        assert.strictEqual(readMemory(bad, now), null);
    });

    it("a restored connection with any of them answers info() and reads the PVS (no Invalid time value)", async () => {
      for (const t of hostileTimes.filter((t) => t !== later)) {
        const c = connect();
        c.restore({
          ...good,
          detection: { ...good.detection, detectedAt: t },
          deviceListStartedAt: t,
          lockedOutUntil: t,
        });
        const info = c.info();
        assert.strictEqual(info.api, null, `nothing taken over from ${JSON.stringify(t) ?? String(t)}`);
        assert.strictEqual(info.detectedAt, null);
        assert.strictEqual(c.health().state, "ok");
        assert.strictEqual(c.memory(), null, "nothing impossible stored again");
      }
      const c = connect();
      c.restore({ ...good, detection: { ...good.detection, detectedAt: 1e16 } });
      const reading = await c.readDeviceList(signal);
      assert.strictEqual(reading.list.inverters.length, 3);
      assert.ok(Date.parse(c.info().detectedAt as string) <= Date.now(), "detected afresh");
    });
  });
});
