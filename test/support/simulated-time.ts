// Simulated time for tests that run the real runtime against the emulator over real HTTP on a fake clock:
// while a request is on the wire, time moves in small steps so that real I/O keeps pace (and a hang meets
// its deadline); while nothing is, it moves in big steps.
import sinon from "sinon";
import { PvsEmulator } from "../../src/emulator/server";
import { LOAD_WAVE_MS } from "../../src/emulator/site";
import { helper, settle } from "./node-red";

/** The longitude the tests' fixed moments are chosen for (the emulator's default is this machine's time zone's). */
export const SITE_LONGITUDE = -117;

/**
 * A moment near solar noon (at SITE_LONGITUDE) where the emulated load's wave crosses zero, so
 * it moves fastest (~0.24 W/s). The emulator, like the PVS, sends a telemetry frame only when a value changed; at
 * night at the wave's crest few do (3 in 30 s), so tests that count frames run here, whatever the hour CI runs at.
 */
export const LOAD_MOVING_AT = (() => {
  const halfWave = Math.PI * LOAD_WAVE_MS;
  return Math.round(Math.floor(Date.UTC(2025, 5, 21, 19, 48) / halfWave) * halfWave);
})();

/**
 * A clock for the emulated site that runs in real time from LOAD_MOVING_AT: for tests on the wall clock whose
 * assertions need the sun up and the load moving (frames, panels producing), whatever the hour CI runs at.
 */
export function siteClockNearNoon(): () => number {
  // Use with longitude SITE_LONGITUDE.
  const offsetMs = LOAD_MOVING_AT - Date.now();
  return () => Date.now() + offsetMs;
}

/**
 * The emulator's longitude at which it is solar noon now (the emulated sun hangs on the site's longitude): for a
 * real-time test whose panels must produce while the site's time stamps stay today's, as a dashboard chart
 * drops points older than a day.
 */
export function longitudeAtNoonNow(): number {
  const d = new Date();
  const utcHour = d.getUTCHours() + d.getUTCMinutes() / 60;
  return (((((12 - utcHour) * 15 + 180) % 360) + 360) % 360) - 180;
}

/**
 * Fakes the clock the polling, back-off and session logic read (Date) and wait on (setTimeout), from `now` (a
 * restart resumes at the simulated time the run before it reached).
 */
export function fakeClock(now = Date.now()): sinon.SinonFakeTimers {
  return sinon.useFakeTimers({ now, toFake: ["setTimeout", "clearTimeout", "Date"] });
}

/**
 * True while a request to the PVS is on the wire, seen from the client of pvs-config `configId` or from the emulator.
 */
export function onTheWire(emulator: PvsEmulator, configId = "cfg"): boolean {
  const cfg = helper.getNode(configId) as unknown as { pvs: { client: { requestInFlight: boolean } } | null } | null;
  return emulator.inFlight > 0 || cfg?.pvs?.client.requestInFlight === true;
}

export interface AdvanceOptions {
  /** Stop as soon as this holds (checked after real I/O has had its turn). */
  until?: () => boolean;
  /** Simulated time at most; with `what`, not reaching `until` by then fails the test. */
  forMs: number;
  what?: string;
  /** Step while nothing is on the wire: ms, or "next-timer" to jump to the next timer (fast; may pass `forMs`). */
  idle?: number | "next-timer";
}

export async function advance(
  clock: sinon.SinonFakeTimers,
  emulator: PvsEmulator,
  options: AdvanceOptions,
): Promise<void> {
  const { until = () => false, forMs, what, idle = 1000 } = options;
  const end = Date.now() + forMs;
  while (!until()) {
    if (Date.now() >= end) {
      if (what) throw new Error(`${what}: not within ${forMs / 1000} simulated seconds`);
      return;
    }
    if (onTheWire(emulator)) {
      await clock.tickAsync(100);
      await settle(3);
      continue;
    }
    // An outcome may still be on its way to the helper nodes (setImmediate hops): let it land first.
    await settle(1);
    if (until()) return;
    if (idle === "next-timer") await clock.nextAsync();
    else await clock.tickAsync(Math.min(idle, end - Date.now()));
    await settle(1);
  }
}
