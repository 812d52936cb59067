// The back-off, the circuit breaker and the request budget as plain modules (the runtime tests are in
// test/nodes/protection.spec.ts and faults.spec.ts).
import assert from "assert";
import { Breaker } from "../../src/pvs/client/breaker";
import { RequestLog } from "../../src/pvs/client/budget";
import { PvsError, PvsErrorCode } from "../../src/pvs/http/errors";

const err = (code: PvsErrorCode, statusCode?: number) => new PvsError(code, `failed with ${code}`, statusCode);

describe("pvs/breaker", () => {
  it("doubles the back-off per failure in a row, with ±10 % jitter, up to the maximum", () => {
    for (const r of [0, 0.5, 0.999]) {
      const b = new Breaker({ baseMs: 5000, maxMs: 300_000, openAfter: 3, random: () => r });
      const waits = Array.from({ length: 8 }, () => b.failure(err("PVS_TIMEOUT"), 0));
      const nominal = [5000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000];
      waits.forEach((w, i) => assert.ok(w >= nominal[i] * 0.9 && w <= nominal[i] * 1.1, `failure ${i + 1}: ${w} ms`));
    }
  });

  it("a reading failed as a whole backs off more each time, although the requests between succeed", () => {
    const b = new Breaker({ baseMs: 5000, maxMs: 300_000, openAfter: 3, random: () => 0.5 });
    const waits = Array.from({ length: 4 }, () => {
      b.success(); // the reading's own requests were answered
      return b.readingFailure(err("PVS_NO_DEVICES"), 0);
    });
    assert.deepStrictEqual(waits, [5000, 10_000, 20_000, 40_000]);
    b.readingSuccess();
    b.success();
    assert.strictEqual(
      b.readingFailure(err("PVS_NO_DEVICES"), 0),
      5000,
      "a whole reading succeeded: from the first step again",
    );
  });

  it("opens after the third failure in a row, only until the back-off has passed, and closes on success", () => {
    const b = new Breaker({ baseMs: 1000, maxMs: 60_000, openAfter: 3, random: () => 0.5 });
    b.failure(err("PVS_UNREACHABLE"), 0);
    b.failure(err("PVS_UNREACHABLE"), 0);
    assert.strictEqual(b.isOpen(0), false, "two failures: still asking (after the back-off)");
    assert.strictEqual(b.health(0).state, "backing-off");
    const wait = b.failure(err("PVS_UNREACHABLE"), 0);
    assert.strictEqual(b.isOpen(0), true);
    assert.strictEqual(b.isOpen(wait - 1), true);
    assert.strictEqual(b.isOpen(wait), false, "the probe goes through once the back-off has passed");
    const open = b.openError("pvs:80", 0);
    assert.strictEqual(open.code, "PVS_CIRCUIT_OPEN");
    assert.strictEqual(open.reason, "PVS_UNREACHABLE");
    assert.strictEqual(open.retryAt, wait);
    assert.match(open.message, /3 failures in a row/);
    b.success();
    assert.deepStrictEqual(b.health(0), { state: "ok", failuresInARow: 0, retryAt: null, lastError: null });
  });

  it("backs an old firmware's 403 lock-out off from a minute, and waits the longest for a refused password or a changed certificate", () => {
    const lockout = new Breaker({ baseMs: 5000, maxMs: 300_000, openAfter: 3, random: () => 0.5 });
    assert.strictEqual(lockout.failure(err("PVS_FORBIDDEN", 403), 0), 60_000);
    assert.strictEqual(lockout.failure(err("PVS_FORBIDDEN", 403), 0), 120_000);
    for (const code of ["PVS_LOGIN_REFUSED", "PVS_CERT_MISMATCH", "PVS_NO_PASSWORD"] as const) {
      const b = new Breaker({ baseMs: 5000, maxMs: 300_000, openAfter: 3, random: () => 0.5 });
      assert.strictEqual(b.failure(err(code), 0), 300_000, code);
    }
  });
});

describe("pvs/budget", () => {
  it("counts the last hour's exchanges by kind, with their durations, and forgets older ones", () => {
    const log = new RequestLog();
    log.add("DeviceList", 9000, true, 0);
    log.add("supervisor/info", 100, true, 1000);
    log.add("DeviceList", 12_000, false, 120_000);
    assert.deepStrictEqual(log.summary(130_000), {
      windowS: 3600,
      requests: 3,
      failed: 1,
      byKind: { DeviceList: 2, "supervisor/info": 1 },
      durationMs: { average: 7033, max: 12_000 },
      lastAt: new Date(120_000).toISOString(),
    });
    const later = log.summary(3600_000 + 1500);
    assert.deepStrictEqual(later.byKind, { DeviceList: 1 }, "the first two left the window");
    assert.deepStrictEqual(log.summary(10 * 3600_000), {
      windowS: 3600,
      requests: 0,
      failed: 0,
      byKind: {},
      durationMs: null,
      lastAt: null,
    });
  });

  it("stays the same size whatever the request rate: counts by the minute", () => {
    const log = new RequestLog();
    for (let i = 0; i < 100_000; i++) log.add("vars", 1, true, i * 72); // two hours, 14 requests a second
    assert.ok(log.size <= 61, `${log.size} minutes held`);
    const last = log.summary(100_000 * 72);
    assert.ok(last.requests >= 50_000 - 900 && last.requests <= 50_000, `${last.requests} in the last hour`);
  });
});
