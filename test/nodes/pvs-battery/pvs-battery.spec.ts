// pvs-battery in the real Node-RED runtime against the emulated SunVault over HTTPS: nothing written without the
// owner's setting, bad values and a second write within 5 minutes refused before anything is sent, a write
// confirmed, one not taken, one changed back by the emulated cloud; no secret anywhere.
import assert from "assert";
import { NodeMessage } from "node-red";
import { CONTROL_MODE, MIN_CUSTOMER_SOC } from "../../../src/emulator/storage-control";
import { emulatorPerTest } from "../../support/emulator-per-test";
import { helper } from "../../support/node-red";
import { FlowNode, NODE_MODULES, testFlow } from "../../support/flows";
import { advance } from "../../support/simulated-time";

type Msg = NodeMessage & {
  payload: { outcome: string; writes: Array<Record<string, unknown>> };
  error?: { code?: string; message?: string };
};
const SERIAL = "ZT01234567890ABCDE";
const PASSWORD = SERIAL.slice(-5);

const batteryNode = (extra: Record<string, unknown> = {}): FlowNode => ({
  id: "battery",
  type: "pvs-battery",
  server: "cfg",
  watch: 10,
  ...extra,
});

function collect(id: string): Msg[] {
  const got: Msg[] = [];
  helper.getNode(id).on("input", (m: unknown) => got.push(m as Msg));
  return got;
}

describe("pvs-battery (real Node-RED runtime, emulated SunVault)", function () {
  this.timeout(30000);
  // The site follows the simulated clock too, so that the emulated cloud's revert comes within the watch.
  const { emulator, clock } = emulatorPerTest(
    { inverters: 2, localApi: true, storage: true, now: () => Date.now() },
    { clock: true },
  );
  const writes = () => emulator.requests.filter((r) => r.command === "vars:set");
  const mode = () => emulator.storage.modeAt(Date.now());

  async function deploy(allow: boolean, extra: Record<string, unknown> = {}) {
    await helper.load(NODE_MODULES, testFlow(emulator, [batteryNode(extra)], { allowBatteryControl: allow }));
    return { out: collect("out"), caught: collect("caught") };
  }
  /** Sends `payload` and lets the node work (real I/O, the simulated clock stepping) until `done` holds. */
  async function send(payload: unknown, done: () => boolean, what: string, forMs = 60_000) {
    helper.getNode("battery").receive({ payload });
    await advance(clock, emulator, { until: done, forMs, what, idle: 500 });
  }

  it("writes nothing unless the PVS allows battery control (PVS_CONTROL_OFF)", async () => {
    const { caught } = await deploy(false);
    await send({ mode: "BACKUP_ONLY" }, () => caught.length === 1, "the refusal");
    assert.strictEqual(caught[0].error?.code, "PVS_CONTROL_OFF");
    assert.strictEqual(writes().length, 0, "nothing sent");
    assert.strictEqual(emulator.count("auth:login"), 0, "not even a login");
    assert.strictEqual(mode(), "SELF_CONSUMPTION");
  });

  it("refuses bad values before anything is sent (PVS_BAD_VALUE)", async () => {
    const { caught } = await deploy(true);
    const bad = [
      { mode: "TARIFF_OPTIMIZER" },
      { mode: "STANDBY" },
      { reserve: 101 },
      { reserve: -5 },
      { reserve: 12.5 },
      { reserve: "lots" },
      { mode: "BACKUP_ONLY", reserve: 200 },
      { setting: "/sys/telemetryws/enable", value: 1 },
      "BACKUP_ONLY",
      {},
    ];
    for (const [i, payload] of bad.entries())
      await send(payload, () => caught.length === i + 1, `refusal of ${JSON.stringify(payload)}`);
    assert.deepStrictEqual(
      caught.map((m) => m.error?.code),
      bad.map(() => "PVS_BAD_VALUE"),
    );
    assert.strictEqual(writes().length, 0, "nothing sent");
    assert.strictEqual(mode(), "SELF_CONSUMPTION");
  });

  it("confirms a write: read back, still so at the end of the watch; a second write within 5 minutes is refused", async () => {
    const { out, caught } = await deploy(true);
    await send({ mode: "backup-only", reserve: "30 %" }, () => writes().length === 2, "the two writes");
    assert.deepStrictEqual(
      writes().map((w) => w.query),
      [`set=${CONTROL_MODE}=BACKUP_ONLY`, `set=${MIN_CUSTOMER_SOC}=0.30`],
    );
    assert.strictEqual(mode(), "BACKUP_ONLY");
    await send({ mode: "SELF_CONSUMPTION" }, () => caught.length === 1, "the second write's refusal", 5000);
    assert.strictEqual(caught[0].error?.code, "PVS_WRITE_TOO_SOON");
    assert.strictEqual(writes().length, 2, "the refused write was not sent");
    await advance(clock, emulator, { until: () => out.length === 1, forMs: 11 * 60_000, what: "the verdict" });
    assert.strictEqual(out[0].payload.outcome, "confirmed");
    assert.deepStrictEqual(
      out[0].payload.writes.map((w) => [w.setting, w.written, w.reported]),
      [
        ["mode", "BACKUP_ONLY", "BACKUP_ONLY"],
        ["reserve", "0.30", "0.300000"],
      ],
    );
    assert.strictEqual(out[0].topic, "pvs/battery");
    // After 5 minutes the same setting may be written again.
    await send({ mode: "SELF_CONSUMPTION" }, () => writes().length === 3, "a write after 5 minutes");
    assert.strictEqual(caught.length, 1);
  });

  it("one write per setting per 5 minutes per PVS, whichever node asks", async () => {
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [batteryNode(), batteryNode({ id: "other" })], { allowBatteryControl: true }),
    );
    const caught = collect("caught");
    await send({ mode: "BACKUP_ONLY" }, () => writes().length === 1, "the first node's write");
    helper.getNode("other").receive({ payload: { mode: "SELF_CONSUMPTION", reserve: 20 } });
    await advance(clock, emulator, { until: () => caught.length === 1, forMs: 5000, what: "the refusal", idle: 500 });
    assert.strictEqual(caught[0].error?.code, "PVS_WRITE_TOO_SOON");
    assert.strictEqual(writes().length, 1, "neither of the second node's writes was sent");
  });

  it("says not-taken when the PVS answers the write but keeps its old value", async () => {
    emulator.storage.ignoreWrites = true;
    const { out } = await deploy(true);
    await send({ mode: "ENERGY_ARBITRAGE" }, () => out.length === 1, "the verdict");
    assert.strictEqual(out[0].payload.outcome, "not-taken");
    assert.strictEqual(out[0].payload.writes[0].reported, "SELF_CONSUMPTION");
    assert.strictEqual(writes().length, 1);
  });

  it("says reverted when the emulated cloud puts the old mode back while watched", async () => {
    emulator.storage.cloudRevertAfterMs = 3 * 60_000;
    const { out } = await deploy(true);
    await send({ mode: "time-of-use" }, () => writes().length === 1, "the write");
    assert.strictEqual(mode(), "ENERGY_ARBITRAGE");
    await advance(clock, emulator, { until: () => out.length === 1, forMs: 11 * 60_000, what: "the verdict" });
    assert.strictEqual(out[0].payload.outcome, "reverted");
    assert.strictEqual(out[0].payload.writes[0].reported, "SELF_CONSUMPTION");
  });

  it("a redeploy during the watch ends it: no late message, no read after close", async () => {
    const { out } = await deploy(true);
    await send({ mode: "BACKUP_ONLY" }, () => writes().length === 1, "the write");
    const reads = emulator.count("vars");
    await helper.unload();
    await clock.tickAsync(11 * 60_000);
    assert.strictEqual(out.length, 0);
    assert.strictEqual(emulator.count("vars"), reads, "the watch's timer was cleared");
  });

  it("refuses on a legacy PVS (PVS_NOT_SUPPORTED) and sends nothing", async () => {
    emulator.setLocalApi(false);
    const { caught } = await deploy(true);
    await send({ mode: "BACKUP_ONLY" }, () => caught.length === 1, "the refusal");
    assert.strictEqual(caught[0].error?.code, "PVS_NOT_SUPPORTED");
    assert.strictEqual(writes().length, 0);
  });

  it("no secret in any log line, status, message or error", async () => {
    const log = helper.log();
    const { out, caught } = await deploy(true);
    await send({ reserve: 40 }, () => writes().length === 1, "the write");
    await send({ reserve: 50 }, () => caught.length === 1, "the refusal");
    await advance(clock, emulator, { until: () => out.length === 1, forMs: 11 * 60_000, what: "the verdict" });
    const statuses = (helper.getNode("battery").status as unknown as { args: unknown[][] }).args;
    const everything = JSON.stringify({ out, caught, log: log.args, statuses });
    const basic = Buffer.from(`ssm_owner:${PASSWORD}`).toString("base64");
    for (const secret of [SERIAL, basic, "session="]) assert.ok(!everything.includes(secret), `found ${secret}`);
    assert.ok(!new RegExp(`[^*]${PASSWORD}`).test(everything.replace(/\*{5}/g, "")), "the password appears nowhere");
  });
});
