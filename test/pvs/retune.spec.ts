// A connection takes another API setting or certificate pin while it runs (pvs-config nodes that share a
// PVS agree on them, and a deploy of modified nodes does not restart every node that holds the connection), counted
// at the emulator.
import assert from "assert";
import { PvsError } from "../../src/pvs/http/errors";
import { connectionHarness, until } from "../support/connections";

const codeOf = (err: unknown) => (err instanceof PvsError ? err.code : String(err));

describe("pvs/connection retune of the API setting and the pin", () => {
  const signal = new AbortController().signal;
  const harness = connectionHarness();

  it("another API setting: what was detected is read again under it, from the next reading on", async () => {
    const e = await harness.emulator();
    const c = harness.connect(e);
    await c.readDeviceList(signal);
    assert.strictEqual(c.info().api, "localapi");
    assert.strictEqual(e.count("DeviceList"), 0);
    c.retune({ api: "legacy" });
    assert.strictEqual(c.info().setting, "legacy");
    assert.strictEqual(c.info().api, null, "the detection under Detect is forgotten");
    // LocalAPI firmware locks the legacy DeviceList: the 403 shows that the forced API was asked.
    await assert.rejects(c.readDeviceList(signal), (err) => codeOf(err) === "PVS_FORBIDDEN");
    assert.strictEqual(e.count("DeviceList"), 1);
    assert.strictEqual(c.info().api, "legacy");
  });

  it("a setting changed while the detection is on the wire: its result is not used, the detection is made again", async () => {
    const e = await harness.emulator();
    e.setFault({ kind: "delay", ms: 300, commands: ["supervisor/info"] });
    const c = harness.connect(e);
    const reading = c.readDeviceList(signal);
    await until(() => e.inFlight > 0, 3000, "the detection on the wire");
    assert.strictEqual(e.count("supervisor/info"), 1, "the detection is on the wire");
    c.retune({ api: "legacy" });
    await assert.rejects(reading, (err) => codeOf(err) === "PVS_FORBIDDEN");
    assert.strictEqual(e.count("supervisor/info"), 2, "looked again under the forced API");
    assert.strictEqual(e.count("DeviceList"), 1, "read through the forced API, not the detected LocalAPI");
    assert.strictEqual(e.count("auth:login"), 0);
  });

  it("a pin: nothing more reaches a PVS that does not match it; the right one is tried at once (the hold was the pin's)", async () => {
    const e = await harness.emulator();
    const c = harness.connect(e, { backoffBaseMs: 5000 });
    await c.readDeviceList(signal);
    assert.strictEqual(e.count("auth:login"), 1);
    c.retune({ fingerprint: "AB:".repeat(31) + "AB" });
    const sent = e.requests.length;
    e.expireSessions();
    await assert.rejects(c.readDeviceList(signal), (err) => codeOf(err) === "PVS_CERT_MISMATCH");
    assert.strictEqual(e.requests.length, sent, "no request reached the PVS, no password either");
    assert.strictEqual(c.health().state, "backing-off", "a certificate that is not the pin holds the requests");
    c.retune({ fingerprint: e.certificateFingerprint });
    assert.strictEqual(c.health().state, "ok", "the hold the old pin caused is over");
    assert.strictEqual(c.info().pinned, e.certificateFingerprint);
    await c.readDeviceList(signal);
    assert.strictEqual(e.count("auth:login"), 2, "a new session, through the pinned certificate");
  });
});
