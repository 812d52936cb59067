// The setup most node specs share: before each test a fresh PvsEmulator started on free ports (and a fake clock if
// asked), after it the deployed flow unloaded from the helper runtime, the clock restored and the emulator stopped.
// Importing ./node-red inits the runtime (Node-RED 5, or 4.1 with PVS_NODE_RED=node-red-4).
import sinon from "sinon";
import { EmulatorOptions, PvsEmulator } from "../../src/emulator/server";
import { helper } from "./node-red";
import { fakeClock, SITE_LONGITUDE } from "./simulated-time";

export interface EmulatorPerTest {
  /** The running test's emulator. */
  emulator: PvsEmulator;
  /** The running test's fake clock (only with `{ clock: true }`). */
  clock: sinon.SinonFakeTimers;
}

/**
 * Registers the beforeEach/afterEach pair in the calling describe block. `emulator` and `clock` stand for the
 * running test's instances (each test gets new ones), so a spec can destructure them once at the top:
 * `const { emulator } = emulatorPerTest({ inverters: 3 });`. The clock is faked after the emulator has started
 * and restored before the flow is unloaded, as the specs did by hand.
 */
export function emulatorPerTest(options: EmulatorOptions = {}, setup: { clock?: boolean } = {}): EmulatorPerTest {
  let emulator: PvsEmulator | null = null;
  let clock: sinon.SinonFakeTimers | null = null;
  beforeEach(async () => {
    // The fake clock starts at a fixed moment of SITE_LONGITUDE's day: the emulated sun must be that site's too.
    emulator = new PvsEmulator(setup.clock ? { longitude: SITE_LONGITUDE, ...options } : options);
    await emulator.start();
    if (setup.clock) clock = fakeClock();
  });
  afterEach(async () => {
    clock?.restore();
    clock = null;
    await helper.unload();
    await emulator?.stop();
    emulator = null;
  });
  return {
    emulator: live("emulator", () => emulator),
    clock: live("clock (emulatorPerTest(…, { clock: true }))", () => clock),
  };
}

/**
 * A stand-in that forwards every read, write and call to what `get` returns at that moment: the test's instance,
 * created in beforeEach, after the describe block has been run. Outside a test it throws rather than act on nothing.
 */
function live<T extends object>(what: string, get: () => T | null): T {
  const target = (): T => {
    const t = get();
    if (!t) throw new Error(`the ${what} exists only while a test runs`);
    return t;
  };
  return new Proxy({} as T, {
    get(_, key) {
      const t = target();
      const value: unknown = Reflect.get(t, key, t);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
    set: (_, key, value) => Reflect.set(target(), key, value),
    has: (_, key) => Reflect.has(target(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
  });
}
