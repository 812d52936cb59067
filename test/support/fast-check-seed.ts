// Property tests run with a fixed seed, so that a CI run is reproducible: a failure is the same failure
// on every run, not a coin toss. FC_SEED=<n> (or FC_SEED=random) explores other inputs locally.
import fc from "fast-check";

export function useFixedSeed(): void {
  let saved: ReturnType<typeof fc.readConfigureGlobal>;
  before(() => {
    saved = fc.readConfigureGlobal();
    const wanted = process.env.FC_SEED;
    if (wanted === "random") return;
    const seed = wanted !== undefined && Number.isInteger(Number(wanted)) ? Number(wanted) : 20261124;
    fc.configureGlobal({ ...saved, seed });
  });
  after(() => fc.configureGlobal(saved));
}
