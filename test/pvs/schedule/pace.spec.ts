// The pace of one PVS: easing off while it struggles and coming back, the night watch and the wake-up, and the
// user's interval as the longest gap.
import assert from "assert";
import { Device } from "../../../src/model/device";
import { Pace } from "../../../src/pvs/schedule/pace";
import { RECOVER_MS, Strain } from "../../../src/pvs/schedule/strain";
import { NightWatch, WATCH_MS } from "../../../src/pvs/schedule/night";

const T0 = Date.UTC(2026, 5, 21, 12, 0, 0);

function inverter(kw: number, dataTime: string | null): Device {
  return {
    serial: "E001",
    deviceType: "Inverter",
    category: "inverter",
    model: null,
    state: "working",
    dataTime,
    dataAgeS: null,
    stale: null,
    condition: "ok",
    parent: null,
    properties: {},
    metrics: { p_3phsum_kw: kw },
  };
}

describe("Strain: the pace eases off for a struggling PVS and comes back gradually", () => {
  it("answers x5 its usual double the gaps; calm halves them again, step by step", () => {
    const s = new Strain();
    for (let i = 0; i < 20; i++) s.note(300, "ok", T0 + i * 1000);
    assert.strictEqual(s.usualMs(), 300);
    assert.strictEqual(s.factorAt(T0 + 20_000), 1);
    s.note(1500, "ok", T0 + 30_000);
    assert.strictEqual(s.factorAt(T0 + 30_000), 2);
    s.note(1500, "ok", T0 + 100_000);
    assert.strictEqual(s.factorAt(T0 + 100_000), 4);
    assert.strictEqual(s.usualMs(), 300, "slow answers do not become the usual at once");
    assert.strictEqual(s.factorAt(T0 + 100_000 + RECOVER_MS), 2);
    assert.strictEqual(s.factorAt(T0 + 100_000 + 2 * RECOVER_MS), 1);
  });

  it("timeouts, resets and 5xx count as strain; a usual answer time alone does not", () => {
    const s = new Strain();
    s.note(20_000, "struggling", T0);
    assert.strictEqual(s.factorAt(T0), 2);
    const calm = new Strain();
    for (let i = 0; i < 50; i++) calm.note(300 + (i % 3) * 50, "ok", T0 + i * 60_000);
    assert.strictEqual(calm.factorAt(T0 + 50 * 60_000), 1);
  });

  it("stretches the next read of every node of the PVS", () => {
    const pace = new Pace();
    pace.noteAnswer(5000, "struggling", T0);
    assert.strictEqual(pace.nextReadAt(null, T0, T0 + 60_000, T0), T0 + 120_000);
    assert.strictEqual(pace.summary(T0).state, "eased");
  });
});

describe("NightWatch: rest at night", () => {
  it("drops to one read per 30 minutes once nothing was produced for a while, wakes at the estimated sunrise", () => {
    const w = new NightWatch();
    const evening = T0 + 8 * 3600_000;
    w.note(true, evening - 60_000);
    w.note(false, evening);
    assert.strictEqual(w.asleep(evening + 5 * 60_000), false, "one cloud is not a night");
    w.note(false, evening + 25 * 60_000);
    assert.strictEqual(w.asleep(evening + 25 * 60_000), true);
    assert.strictEqual(w.nextAt(evening + 25 * 60_000), evening + 25 * 60_000 + WATCH_MS);
    // Production comes back at dawn: that time of day, less 10 minutes, is the next wake-up.
    const dawn = evening + 10 * 3600_000;
    w.note(true, dawn);
    assert.strictEqual(w.asleep(dawn), false);
    w.note(false, dawn + 14 * 3600_000);
    const late = dawn + 23.7 * 3600_000;
    assert.strictEqual(w.nextAt(late), dawn + 24 * 3600_000 - 10 * 60_000, "the sunrise comes before the watch");
  });

  it("the pace keeps device reads to the watch at night, past the user's interval", () => {
    const pace = new Pace();
    pace.noteDevices([inverter(0, null)], T0);
    pace.noteDevices([inverter(0, null)], T0 + 21 * 60_000);
    const last = T0 + 21 * 60_000;
    assert.strictEqual(pace.nextReadAt("devices", last, last + 120_000, last), last + WATCH_MS);
    assert.strictEqual(pace.summary(last).state, "night");
    // Network figures (no news group) keep the user's interval.
    assert.strictEqual(pace.nextReadAt(null, last, last + 120_000, last), last + 120_000);
  });
});

describe("Pace: the interval is the longest gap", () => {
  it("reads at the expected publication when it comes before the interval's beat, else at the beat", () => {
    const pace = new Pace();
    const stamp = (t: number) => new Date(t).toISOString();
    pace.noteDevices([inverter(1, stamp(T0))], T0 + 265_000);
    pace.noteDevices([inverter(1, stamp(T0 + 300_000))], T0 + 565_000);
    const last = T0 + 565_000;
    const news = pace.nextReadAt("devices", last, last + 900_000, last);
    assert.ok(news > last && news < last + 330_000, `news at +${(news - last) / 1000} s`);
    assert.strictEqual(pace.nextReadAt("devices", last, last + 60_000, last), last + 60_000, "an old flow's 60 s");
  });
});
