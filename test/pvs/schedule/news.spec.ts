// The schedule following the PVS's publications: pure decisions on stamps and read times.
import assert from "assert";
import { GRID_MS, NewsClock, PROBES_MS } from "../../../src/pvs/schedule/news";

const T0 = Date.UTC(2026, 5, 21, 12, 0, 0);

/** A PVS publishing each 5-minute stamp `delayMs` after it; what a read at `at` shows. */
function stampAt(at: number, delayMs: number): number {
  return Math.floor((at - delayMs) / GRID_MS) * GRID_MS;
}

/** Reads as the clock schedules them for `hours`; returns the read times and the ages of new values. */
function follow(delayMs: number, hours: number, firstAt = T0 + 100_000) {
  const clock = new NewsClock();
  let at = firstAt;
  const reads: number[] = [];
  const ages: number[] = [];
  while (at < firstAt + hours * 3600_000) {
    reads.push(at);
    const stamp = stampAt(at, delayMs);
    if (clock.note(stamp, at)) ages.push(at - (stamp + delayMs));
    at = clock.nextAt() ?? at + 120_000;
  }
  return { clock, reads, ages };
}

describe("NewsClock: reads follow the PVS's publications", () => {
  it("learns a publication delay of 265 s and then reads each new value once, within 30 s of it", () => {
    const { clock, reads, ages } = follow(265_000, 6);
    const lastHour = reads.filter((t) => t >= reads[reads.length - 1] - 3600_000);
    // 12 publications an hour: one read each once learned.
    assert.ok(lastHour.length <= 13, `reads in the last hour: ${lastHour.length}`);
    const late = ages.slice(-12);
    assert.ok(
      late.every((a) => a >= 0 && a <= 30_000),
      `ages ${late.join(",")}`,
    );
    const delay = clock.describe().publicationDelayS ?? 0;
    assert.ok(delay >= 265 && delay <= 295, `delay ${delay}`);
  });

  it("follows a delay of 502 s as well", () => {
    const { ages, reads } = follow(502_000, 6);
    assert.ok(ages.slice(-12).every((a) => a >= 0 && a <= 30_000));
    assert.ok(reads.filter((t) => t >= reads[reads.length - 1] - 3600_000).length <= 13);
  });

  it("probes a late change at +30 s and +60 s, then leaves it to the interval", () => {
    const clock = new NewsClock();
    clock.note(T0, T0 + 265_000);
    clock.note(T0 + GRID_MS, T0 + GRID_MS + 265_000); // learned: about 265 s
    const expected = clock.nextAt();
    assert.ok(expected !== null);
    // The change is late: the read at the expected time shows the old stamp.
    clock.note(T0 + GRID_MS, expected);
    assert.strictEqual(clock.nextAt(), expected + PROBES_MS[0]);
    clock.note(T0 + GRID_MS, expected + PROBES_MS[0]);
    assert.strictEqual(clock.nextAt(), expected + PROBES_MS[0] + PROBES_MS[1]);
    clock.note(T0 + GRID_MS, expected + PROBES_MS[0] + PROBES_MS[1]);
    assert.strictEqual(clock.nextAt(), null, "the probes ran out: the interval decides");
  });

  it("one read shared by several nodes is not a look and a look again", () => {
    const clock = new NewsClock();
    clock.note(T0, T0 + 265_000);
    clock.note(T0 + GRID_MS, T0 + GRID_MS + 265_000);
    const expected = clock.nextAt() ?? 0;
    clock.note(T0 + GRID_MS, expected);
    clock.note(T0 + GRID_MS, expected + 1000);
    assert.strictEqual(clock.nextAt(), expected + 1000 + PROBES_MS[0]);
  });

  it("stamps off the 5-minute grid, or data that stopped, give no schedule", () => {
    const clock = new NewsClock();
    assert.strictEqual(clock.note(T0 + 15_000, T0 + 20_000), false);
    assert.strictEqual(clock.nextAt(), null);
    // Inverters asleep: the stamp stays hours old; no probes.
    clock.note(T0, T0 + 3 * 3600_000);
    clock.note(T0, T0 + 3 * 3600_000 + 120_000);
    assert.strictEqual(clock.nextAt(), null);
  });

  it("a stamp far in the future (a wrong clock) is not news", () => {
    const clock = new NewsClock();
    assert.strictEqual(clock.note(T0 + 10 * 3600_000, T0), false);
  });
});
