// Simulated time for a test that only waits for a lifetime or a back-off to pass (a session's TTL, the breaker's
// retry time) while nothing is on the wire: the clock (Date) jumps instead of the test sleeping. Timers stay
// real, so the real HTTP of the test around the jump is untouched, and Date keeps moving with real time. The
// code under test and the emulator read time from Date for exactly this (src/emulator/localapi.ts, breaker.ts).
// Kept apart from simulated-time.ts, which loads the Node-RED test helper: unit tests start without it.
import sinon from "sinon";

/** Runs `test` on a clock that `skip(ms)` moves forward at once; the real clock is back afterwards. */
export async function withSimulatedDate<T>(test: (skip: (ms: number) => void) => Promise<T>): Promise<T> {
  const clock = sinon.useFakeTimers({
    now: Date.now(),
    toFake: ["Date"],
    shouldAdvanceTime: true,
    advanceTimeDelta: 5,
  });
  try {
    return await test((ms) => clock.tick(ms));
  } finally {
    clock.restore();
  }
}
