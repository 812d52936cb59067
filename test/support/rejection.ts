import assert from "assert";
import { PvsError } from "../../src/pvs/http/errors";

/** The PvsError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(p: Promise<unknown>): Promise<PvsError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PvsError, `expected a PvsError, got ${String(err)}`);
    return err;
  }
  throw new Error("expected the request to fail");
}
