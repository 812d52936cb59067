// Following a PVS to its new address (src/pvs/connection/follow.ts): the rule of when to search, the follower's
// decisions with a search that answers as told, and a connection that follows an emulator moved from 127.0.0.1 to
// 127.0.0.2 (both loopback on Linux). The search by real mDNS: test/nodes/pvs-config/follow.spec.ts.
import assert from "assert";
import { PvsEmulator } from "../../src/emulator/server";
import { Health } from "../../src/pvs/client/breaker";
import { PvsUnit } from "../../src/pvs/discovery/browse";
import { ConnectionOptions, PvsConnection } from "../../src/pvs/connection/connection";
import { readMemory } from "../../src/pvs/connection/connection-memory";
import { FOLLOW_DEFAULTS, Follower, FollowRule, PvsMove, serialDigest } from "../../src/pvs/connection/follow";
import { maskSerial } from "../../src/model/redact";
import { until } from "../support/wait";

const SERIAL = "ZT01234567890ABCDEF";
const OTHER = "ZT01234567890ABCDEE";
const down = (failuresInARow: number): Pick<Health, "failuresInARow" | "lastError"> => ({
  failuresInARow,
  lastError: { code: "PVS_UNREACHABLE", message: "no answer" },
});
const ok: Pick<Health, "failuresInARow" | "lastError"> = { failuresInARow: 0, lastError: null };

describe("pvs/connection follow: the rule of when to search (no network)", () => {
  const rule = () => new FollowRule({ ...FOLLOW_DEFAULTS });

  it("searches after 3 unreachable failures in a row, or after a minute unreachable, not before", () => {
    const r = rule();
    assert.strictEqual(r.due(down(1), 0), false);
    assert.strictEqual(r.due(down(2), 10_000), false);
    assert.strictEqual(r.due(down(3), 15_000), true, "three in a row");
    const slow = rule();
    assert.strictEqual(slow.due(down(1), 0), false);
    assert.strictEqual(slow.due(down(2), 59_999), false);
    assert.strictEqual(slow.due(down(2), 60_000), true, "a minute since the first failure");
  });

  it("never for failures of a PVS that is there (a timeout, an HTTP error, a refused login)", () => {
    for (const code of ["PVS_TIMEOUT", "PVS_HTTP_ERROR", "PVS_LOGIN_REFUSED", "PVS_CIRCUIT_OPEN"] as const) {
      const r = rule();
      for (let i = 1; i <= 10; i++)
        assert.strictEqual(r.due({ failuresInARow: i, lastError: { code, message: "" } }, i * 60_000), false, code);
    }
  });

  it("at most once per minute, doubling while nothing is found up to 30 minutes; from the start once answered", () => {
    const r = rule();
    let now = 0;
    assert.ok(r.due(down(3), now));
    const gaps: number[] = [];
    let last = now;
    r.browsed(now, false);
    for (let failures = 4; gaps.length < 7; failures++) {
      now += 5_000;
      if (!r.due(down(failures), now)) continue;
      gaps.push(now - last);
      last = now;
      r.browsed(now, false);
    }
    assert.deepStrictEqual(
      gaps.map((g) => Math.ceil(g / 60_000)),
      [2, 4, 8, 16, 30, 30, 30],
      "minutes between searches",
    );
    assert.strictEqual(r.due(ok, now + 1), false);
    assert.strictEqual(r.due(down(3), now + 2), false, "a search was just made");
    assert.strictEqual(r.due(down(3), last + 60_000), true, "the first step again after the PVS answered");
  });

  it("compares the whole serial, case-blind, by its digest", () => {
    assert.strictEqual(serialDigest(SERIAL), serialDigest(SERIAL.toLowerCase()));
    assert.strictEqual(serialDigest(SERIAL), serialDigest(` ${SERIAL}\n`));
    assert.notStrictEqual(serialDigest(SERIAL), serialDigest(OTHER));
    assert.notStrictEqual(serialDigest(SERIAL), serialDigest(SERIAL.slice(0, -1)));
    assert.doesNotMatch(serialDigest(SERIAL), new RegExp(SERIAL.slice(-5), "i"));
  });
});

describe("pvs/connection follow: the follower's decisions (a search that answers as told)", () => {
  const unit = (serial: string, addresses: string[]): PvsUnit & { full: string } => ({
    model: "PVS6",
    name: "PVS6",
    host: "pvs.local",
    addresses,
    port: 80,
    serial: maskSerial(serial),
    full: serial,
  });
  function follower(found: Array<PvsUnit & { full: string }>, enabled = true, serial: string | null = SERIAL) {
    const searches: number[] = [];
    const moves: PvsMove[] = [];
    let failures = 0;
    const redirected: string[] = [];
    const f = new Follower(
      {
        health: () =>
          failures === 0 ? { ...ok, state: "ok", retryAt: null } : { ...down(failures), state: "open", retryAt: null },
        serial: () => serial,
        enabled: () => enabled,
        redirect: (host) => redirected.push(host),
      },
      "192.168.1.20",
      {
        afterFailures: 2,
        browseEveryMs: 0,
        // As findPvsWhere: only a unit whose full serial matches.
        find: (matches) => {
          searches.push(Date.now());
          return Promise.resolve(found.find((u) => matches(u.full)) ?? null);
        },
      },
    );
    f.onMove((m) => moves.push(m));
    const fail = async (n: number) => {
      for (let i = 0; i < n; i++) {
        failures++;
        f.check();
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    return { f, searches, moves, redirected, fail, answer: () => (failures = 0) };
  }

  it("moves to the address where the same serial answers, once, and says from where to where", async () => {
    const t = follower([unit(OTHER, ["192.168.1.40"]), unit(SERIAL, ["192.168.1.33", "fe80::1"])]);
    await t.fail(1);
    assert.strictEqual(t.searches.length, 0, "one failure is no reason");
    await t.fail(1);
    assert.deepStrictEqual(t.moves, [{ from: "192.168.1.20", to: "192.168.1.33", reason: "found" }]);
    assert.deepStrictEqual(t.redirected, ["192.168.1.33"]);
    assert.strictEqual(t.f.target, "192.168.1.33");
    assert.strictEqual(t.f.configured, "192.168.1.20", "the configured host is kept");
    assert.deepStrictEqual(t.f.memory(), { serialDigest: serialDigest(SERIAL), followedHost: "192.168.1.33" });
  });

  it("never adopts a PVS of another serial; searching nothing while off, or while its serial is unknown", async () => {
    const other = follower([unit(OTHER, ["192.168.1.40"]), unit(SERIAL.slice(0, -1), ["192.168.1.41"])]);
    await other.fail(6);
    assert.ok(other.searches.length >= 1);
    assert.deepStrictEqual([other.moves, other.f.target], [[], "192.168.1.20"]);
    const off = follower([unit(SERIAL, ["192.168.1.33"])], false);
    await off.fail(6);
    assert.deepStrictEqual([off.searches.length, off.moves, off.f.memory()], [0, [], null]);
    const unknown = follower([unit(SERIAL, ["192.168.1.33"])], true, null);
    await unknown.fail(6);
    assert.deepStrictEqual([unknown.searches.length, unknown.moves], [0, []]);
  });

  it("stays when the PVS is still announced at its address; goes back to the configured host when found nowhere", async () => {
    const here = follower([unit(SERIAL, ["192.168.1.20"])]);
    await here.fail(3);
    assert.deepStrictEqual(here.moves, []);
    const found: Array<PvsUnit & { full: string }> = [unit(SERIAL, ["192.168.1.33"])];
    const t = follower(found);
    await t.fail(2);
    found.length = 0;
    t.answer();
    await t.fail(2);
    assert.deepStrictEqual(
      t.moves.map((m) => [m.from, m.to, m.reason]),
      [
        ["192.168.1.20", "192.168.1.33", "found"],
        ["192.168.1.33", "192.168.1.20", "back"],
      ],
    );
  });

  it("a restart tries the followed address, and leaves it when another serial answers there", () => {
    let serial: string | null = null;
    const moves: PvsMove[] = [];
    const f = new Follower(
      {
        health: () => ({ ...ok, state: "ok", retryAt: null }),
        serial: () => serial,
        enabled: () => true,
        redirect: () => undefined,
      },
      "pvs6.local",
    );
    f.onMove((m) => moves.push(m));
    f.restore({ serialDigest: serialDigest(SERIAL), followedHost: "192.168.1.33" });
    assert.strictEqual(f.target, "192.168.1.33");
    assert.strictEqual(f.serialDigest(), serialDigest(SERIAL), "the digest is known before the PVS answered");
    serial = OTHER;
    f.identified();
    assert.deepStrictEqual(
      moves.map((m) => [m.from, m.to, m.reason]),
      [
        ["pvs6.local", "192.168.1.33", "restored"],
        ["192.168.1.33", "pvs6.local", "back"],
      ],
    );
  });

  it("turned off: back to the configured host at once", async () => {
    let enabled = true;
    const moves: PvsMove[] = [];
    const f = new Follower(
      {
        health: () => ({ ...ok, state: "ok", retryAt: null }),
        serial: () => SERIAL,
        enabled: () => enabled,
        redirect: () => undefined,
      },
      "192.168.1.20",
    );
    f.onMove((m) => moves.push(m));
    f.restore({ serialDigest: serialDigest(SERIAL), followedHost: "192.168.1.33" });
    enabled = false;
    f.turnedOff();
    assert.strictEqual(f.target, "192.168.1.20");
    assert.deepStrictEqual(moves.at(-1), { from: "192.168.1.33", to: "192.168.1.20", reason: "back" });
  });

  it("believes a stored digest and followed address only in their shape: 64 hex digits, an IP address", () => {
    const base = { format: 1, detection: null, deviceListStartedAt: null };
    const good = readMemory({ ...base, serialDigest: serialDigest(SERIAL), followedHost: "192.168.1.33" });
    assert.deepStrictEqual([good?.serialDigest, good?.followedHost], [serialDigest(SERIAL), "192.168.1.33"]);
    for (const [digest, host] of [
      [SERIAL, "evil.example.com"],
      ["A".repeat(64), "192.168.1.333"],
      [1, ["192.168.1.33"]],
      [null, "http://192.168.1.33/"],
    ]) {
      const m = readMemory({ ...base, serialDigest: digest, followedHost: host });
      assert.deepStrictEqual([m?.serialDigest, m?.followedHost], [null, null], JSON.stringify([digest, host]));
    }
  });
});

describe("pvs/connection follow: a connection follows an emulator from 127.0.0.1 to 127.0.0.2", function () {
  this.timeout(30_000);
  const signal = new AbortController().signal;
  let emulator: PvsEmulator;
  let connection: PvsConnection | null = null;
  afterEach(async () => {
    await connection?.close();
    connection = null;
    await emulator.stop();
  });

  /** Reads until the connection moved (each failure feeds the rule), then once more; at most 20 tries. */
  async function readUntilMoved(c: PvsConnection): Promise<void> {
    for (let i = 0; i < 20 && c.host === "127.0.0.1"; i++) {
      await c.readDeviceList(signal).catch(() => undefined);
      await until(() => c.host !== "127.0.0.1", 300).catch(() => undefined);
    }
  }

  function connect(extra: Partial<ConnectionOptions>): PvsConnection {
    return new PvsConnection({
      api: "auto",
      protocol: "http",
      host: "127.0.0.1",
      port: emulator.port,
      localPort: emulator.httpsPort,
      timeoutMs: 3000,
      minSpacingMs: 0,
      backoffBaseMs: 50,
      backoffMaxMs: 100,
      follow: true,
      followTuning: {
        // Past the three failures after which the detection forgets the PVS: not its serial, still.
        afterFailures: 5,
        browseEveryMs: 100,
        // What mDNS would answer: the emulator's serial at its new address.
        find: (matches) =>
          Promise.resolve(
            matches(emulator.site.serial)
              ? { model: "PVS6", name: "PVS6", host: "pvs.local", addresses: ["127.0.0.2"], port: 80, serial: "masked" }
              : null,
          ),
      },
      ...extra,
    });
  }

  it("legacy: the next reading comes from the new address, the move heard once, kept in the memory", async () => {
    emulator = new PvsEmulator({ inverters: 2 });
    await emulator.start();
    connection = connect({});
    const moves: PvsMove[] = [];
    connection.onMove((m) => moves.push(m));
    await connection.readDeviceList(signal);
    await emulator.moveTo("127.0.0.2");
    const before = emulator.count("DeviceList");
    await readUntilMoved(connection);
    const reading = await connection.readDeviceList(signal);
    assert.strictEqual(reading.list.inverters.length, 2);
    assert.strictEqual(emulator.count("DeviceList"), before + 1, "answered at 127.0.0.2");
    assert.deepStrictEqual(moves, [{ from: "127.0.0.1", to: "127.0.0.2", reason: "found" }]);
    assert.strictEqual(connection.health().state, "ok");
    const memory = JSON.stringify(connection.memory());
    assert.match(memory, /"followedHost":"127\.0\.0\.2"/);
    assert.ok(!memory.includes(emulator.site.serial.slice(-5)), "no serial, no password in the memory");
  });

  it("a restart tries the address the PVS was followed to, kept in the memory", async () => {
    emulator = new PvsEmulator({ inverters: 2, host: "127.0.0.2" });
    await emulator.start();
    // Host 127.0.0.1: nothing listens there on the emulator's port.
    connection = connect({});
    const digest = serialDigest(emulator.site.serial);
    connection.restore({
      format: 1,
      detection: null,
      deviceListStartedAt: null,
      serialDigest: digest,
      followedHost: "127.0.0.2",
    });
    assert.deepStrictEqual([connection.host, connection.followedTo], ["127.0.0.2", "127.0.0.2"]);
    const reading = await connection.readDeviceList(signal);
    assert.strictEqual(reading.list.inverters.length, 2);
    assert.strictEqual(emulator.count("DeviceList"), 1);
    connection.retune({ follow: false });
    assert.deepStrictEqual(
      [connection.host, connection.followedTo, connection.memory()?.followedHost],
      ["127.0.0.1", null, undefined],
    );
  });

  it("LocalAPI with a pinned certificate: a fresh login at the new address, the pin still checked", async () => {
    emulator = new PvsEmulator({ inverters: 2, localApi: true });
    await emulator.start();
    connection = connect({ api: "localapi", fingerprint: emulator.certificateFingerprint });
    await connection.readDeviceList(signal);
    const logins = emulator.count("auth:login");
    await emulator.moveTo("127.0.0.2");
    await readUntilMoved(connection);
    assert.strictEqual(connection.host, "127.0.0.2");
    await connection.readDeviceList(signal);
    assert.strictEqual(emulator.count("auth:login"), logins + 1, "the old address's session dropped, a new login");
    connection.retune({ fingerprint: "AB:".repeat(31) + "AB" });
    await assert.rejects(connection.readDeviceList(signal), { code: "PVS_CERT_MISMATCH" });
  });

  it("with the legacy API fixed, an unreachable PVS is asked supervisor/info alone, never the LocalAPI", async () => {
    emulator = new PvsEmulator({ inverters: 1, localApi: true });
    await emulator.start();
    // The dl_cgi port points where nothing listens (a port just freed); the LocalAPI port is the emulator's.
    const gone = new PvsEmulator({});
    const port = await gone.start();
    await gone.stop();
    connection = connect({ api: "legacy", port, follow: false });
    await assert.rejects(connection.readDeviceList(signal), { code: "PVS_UNREACHABLE" });
    assert.strictEqual(emulator.count(), 0, JSON.stringify(emulator.requests.map((r) => r.command)));
  });
});
