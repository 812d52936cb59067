// The certificate fingerprint rule (src/model/fingerprint.ts): the pin the runtime, the editor and the TLS check
// all read the same way.
import assert from "assert";
import { normalizeFingerprint, pinnedFingerprint } from "../../src/model/fingerprint";
import { parseSettings } from "../../nodes/pvs-config/connection-settings";

const HEX = "ab".repeat(32);
const CANONICAL = Array(32).fill("AB").join(":");

describe("certificate fingerprint rule", () => {
  it("normalises any spelling of a SHA-256 fingerprint to Node's fingerprint256 form", () => {
    for (const text of [HEX, HEX.toUpperCase(), CANONICAL, CANONICAL.toLowerCase(), CANONICAL.replace(/:/g, " ")])
      assert.strictEqual(normalizeFingerprint(text), CANONICAL, text);
  });

  it("refuses what is not 64 hex digits", () => {
    for (const text of ["", "ab".repeat(31), "ab".repeat(33), "zz".repeat(32), "SHA256:" + HEX])
      assert.strictEqual(normalizeFingerprint(text), null, text);
  });

  it("a pin setting: blank is no pin, a bad one is invalid, and the runtime refuses it", () => {
    assert.strictEqual(pinnedFingerprint(""), null);
    assert.strictEqual(pinnedFingerprint("  "), null);
    assert.strictEqual(pinnedFingerprint(undefined), null);
    assert.strictEqual(pinnedFingerprint(` ${HEX} `), CANONICAL);
    assert.strictEqual(pinnedFingerprint("not a fingerprint"), "invalid");
    assert.strictEqual(parseSettings({ host: "192.168.1.50", fingerprint: HEX }, null).options?.fingerprint, CANONICAL);
    const bad = parseSettings({ host: "192.168.1.50", fingerprint: "abc" }, null);
    assert.strictEqual(bad.options, null);
    assert.match(bad.problems.join(), /not a SHA-256 fingerprint/);
  });
});
