// Waiting for real I/O in tests, without loading Node-RED (the unit specs use these too).

// Kept before any test fakes the clock, so waiting for real I/O still works under sinon fake timers.
const realSetTimeout = globalThis.setTimeout;

/** Waits for real I/O and Node-RED's setImmediate message delivery. */
export function settle(ms = 0): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}

/** Resolves when `predicate` holds, polling with real timers; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 4000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await settle(10);
  }
}
