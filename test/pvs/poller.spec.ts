// The poller's beat: aligned to a phase, so that every node of one PVS polls at the same instant.
import assert from "assert";
import sinon from "sinon";
import { phaseOf, Poller } from "../../src/pvs/client/poller";

describe("Poller", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ["setTimeout", "clearTimeout", "Date"] })));
  afterEach(() => clock.restore());

  /** Start times of the runs of a poller started at `startAt`, over `forMs`. */
  async function runs(
    intervalMs: number,
    phase: number,
    startAt: number,
    forMs: number,
    taskMs = 0,
  ): Promise<number[]> {
    await clock.tickAsync(startAt - Date.now());
    const starts: number[] = [];
    const poller = new Poller(
      intervalMs,
      async () => {
        starts.push(Date.now());
        if (taskMs) await new Promise((resolve) => setTimeout(resolve, taskMs));
      },
      phase,
    );
    poller.start();
    await clock.tickAsync(forMs);
    poller.stop();
    return starts;
  }

  it("runs at once, then on the beats of its phase", async () => {
    // Phase 7,000 ms on a 60 s interval: beats at ...,1,027,000, 1,087,000, ...
    assert.deepStrictEqual(await runs(60_000, 7_000, 1_000_000, 200_000), [1_000_000, 1_087_000, 1_147_000]);
  });

  it("never runs again within half an interval of the first run", async () => {
    // Started 5 s before a beat: that beat is skipped, the next one taken.
    assert.deepStrictEqual(await runs(60_000, 7_000, 1_022_000, 100_000), [1_022_000, 1_087_000]);
  });

  it("keeps to the DeviceList ration: a beat before it is skipped, so no run waits for it", async () => {
    // 120 s interval and ration, phase 96 s after the deploy: the beat at +96 s would wait 24 s for the ration on
    // every run (a node at "polling…" for 24 s each time). With the ration as the least gap: 0, +216 s, +336 s.
    const starts: number[] = [];
    const poller = new Poller(
      120_000,
      async () => void starts.push(Date.now() - 1_000_000),
      1_096_000,
      () => 120_000,
    );
    poller.start();
    await clock.tickAsync(400_000);
    poller.stop();
    assert.deepStrictEqual(starts, [0, 216_000, 336_000]);
  });

  it("two pollers with one phase, started at different times, share every beat after their first run", async () => {
    const a: number[] = [];
    const b: number[] = [];
    const pa = new Poller(30_000, async () => void a.push(Date.now()), 12_345);
    pa.start();
    await clock.tickAsync(17_000);
    const pb = new Poller(60_000, async () => void b.push(Date.now()), 12_345);
    pb.start();
    await clock.tickAsync(300_000);
    pa.stop();
    pb.stop();
    for (const t of b.slice(1)) assert.ok(a.includes(t), `b's run at ${t} is on one of a's beats`);
    assert.ok(b.length >= 5);
  });

  it("keeps its beat after a run longer than the interval", async () => {
    const starts = await runs(10_000, 0, 1_000_000, 60_000, 25_000);
    // Runs of 25 s: the next beat after each end, never a run at once.
    assert.deepStrictEqual(starts, [1_000_000, 1_030_000, 1_060_000]);
  });

  it("keeps its beat when timing the next run throws or yields no number, and reports the throw", async () => {
    // What the ration is read from threw (PvsConnection.info on a stored memory's impossible date): the exception
    // escaped from the timer, an uncaught exception that stopped Node-RED at every start.
    const errors: unknown[] = [];
    const starts: number[] = [];
    const poller = new Poller(
      10_000,
      async () => void starts.push(Date.now() - 1_000_000),
      0,
      () => {
        throw new RangeError("Invalid time value");
      },
      (err) => errors.push(err),
    );
    poller.start();
    await clock.tickAsync(35_000);
    poller.stop();
    assert.deepStrictEqual(starts, [0, 10_000, 20_000, 30_000], "on the beat, the ration left out");
    assert.ok(errors.length === 4 && errors.every((e) => e instanceof RangeError), "each throw reported");
    for (const gap of [NaN, Infinity, -5]) {
      const runs: number[] = [];
      const p = new Poller(
        10_000,
        async () => void runs.push(Date.now()),
        0,
        () => gap,
      );
      p.start();
      // Runs at +0 s (started 5 s before a beat), +5 s and +15 s.
      await clock.tickAsync(24_000);
      p.stop();
      assert.strictEqual(runs.length, 3, `a least gap of ${gap}: on the beat, no run at once after another`);
    }
  });

  it("a task that throws is reported and the beat goes on; a reporter that throws stops nothing", async () => {
    const errors: unknown[] = [];
    let n = 0;
    const poller = new Poller(
      10_000,
      async () => {
        n++;
        throw new Error("boom");
      },
      0,
      () => 0,
      (err) => {
        errors.push(err);
        throw new Error("the reporter too");
      },
    );
    poller.start();
    await clock.tickAsync(25_000);
    poller.stop();
    assert.strictEqual(n, 3);
    assert.strictEqual(errors.length, 3);
  });

  it("a stable phase per key, spread over the interval", () => {
    assert.strictEqual(phaseOf("cfg"), phaseOf("cfg"));
    const phases = new Set([...Array(100)].map((_, i) => Math.floor((phaseOf(`pvs-config-${i}`) % 10_000) / 1000)));
    assert.ok(phases.size >= 8, `100 ids fall in ${phases.size} of 10 one-second slots`);
  });
});
