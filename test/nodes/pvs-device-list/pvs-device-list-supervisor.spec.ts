// The supervisor figures read rarely, in the real runtime against an emulated LocalAPI PVS on a simulated clock:
// a device list polling every 60 s for an hour reads the system group at most twice, every message still carries
// the supervisor, exactly as last read and with the time of that reading; a reboot has them read at once.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../../src/emulator/server";
import { DeviceListPayload } from "../../../src/model/device-list-output";
import { helper, sendsOf } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";
import { advance, fakeClock, LOAD_MOVING_AT } from "../../support/simulated-time";

type Msg = NodeMessage & { payload: DeviceListPayload };

describe("pvs-device-list: the supervisor figures read rarely (real runtime, LocalAPI emulator, simulated clock)", function () {
  this.timeout(120_000);
  let emulator: PvsEmulator;
  let clock: sinon.SinonFakeTimers | null = null;
  /** The system group's reads at the emulator (its cache made, or read by id). */
  const systemReads = () => emulator.requests.filter((r) => r.command === "vars" && /nrpvssys/.test(r.query ?? ""));

  const start = async (comm = false) => {
    clock = fakeClock(LOAD_MOVING_AT);
    emulator = new PvsEmulator({ inverters: 4, localApi: true });
    await emulator.start();
    const nodes = [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 60 }];
    if (comm) nodes.push({ id: "comm", type: "pvs-comm", server: "cfg", interval: 60 });
    await helper.load(NODE_MODULES, testFlow(emulator, nodes));
    return sendsOf<Msg>("list");
  };

  afterEach(async () => {
    clock?.restore();
    clock = null;
    await helper.unload();
    await emulator.stop();
  });

  it("polling every 60 s for an hour reads the system group at most twice; each message shows that reading", async () => {
    const got = await start();
    const c = clock as sinon.SinonFakeTimers;
    await advance(c, emulator, { forMs: 60 * 60_000, idle: "next-timer" });
    assert.ok(got.length >= 12, `messages in the hour: ${got.length}`);
    assert.ok(systemReads().length >= 1 && systemReads().length <= 2, `system reads: ${systemReads().length}`);
    const supervisors = got.map((m) => m.payload.supervisor);
    assert.ok(
      supervisors.every((s) => s !== null),
      "every message carries the supervisor",
    );
    // The supervisor's time is its reading's: as many distinct times as readings, never a later one than the
    // message's own, and its age counted from it. Between readings its figures are the same, as read.
    const times = new Set(supervisors.map((s) => s?.dataTime));
    assert.strictEqual(times.size, systemReads().length, [...times].join(", "));
    for (const m of got) {
      const s = m.payload.supervisor;
      assert.ok(s?.dataTime && m.payload.time && Date.parse(s.dataTime) <= Date.parse(m.payload.time));
      const age = (Date.parse(m.payload.time ?? "") - Date.parse(s?.dataTime ?? "")) / 1000;
      assert.ok(Math.abs((s?.dataAgeS ?? NaN) - age) <= 1, `age ${s?.dataAgeS} against ${age}`);
      assert.strictEqual(s?.stale, false, "within the supervisor's age limit");
      const same = got.find((o) => o.payload.supervisor?.dataTime === s?.dataTime);
      assert.deepStrictEqual(s?.metrics, same?.payload.supervisor?.metrics, "the figures as read");
    }
    const aged = got.filter((m) => (m.payload.supervisor?.dataAgeS ?? 0) >= 60);
    assert.ok(aged.length >= 10, `messages showing an older supervisor reading: ${aged.length}`);
  });

  it("reads the system group again at once after a reboot (a firmware update reboots the PVS)", async () => {
    const got = await start();
    const c = clock as sinon.SinonFakeTimers;
    await advance(c, emulator, { forMs: 5 * 60_000, idle: "next-timer" });
    const reads = systemReads().length;
    const before = got.length;
    emulator.forgetCaches();
    helper.getNode("list").receive({ payload: "now" });
    await advance(c, emulator, { forMs: 10_000, until: () => got.length > before, what: "the reading asked for" });
    assert.ok(systemReads().length > reads, "the supervisor figures were read again in the same poll");
    assert.strictEqual(got[got.length - 1].payload.supervisor?.dataAgeS, 0);
  });

  it("with pvs-comm reading the system group on its own interval, the list shows that reading and its time", async () => {
    const got = await start(true);
    const c = clock as sinon.SinonFakeTimers;
    await advance(c, emulator, { forMs: 20 * 60_000, idle: "next-timer" });
    assert.ok(got.length >= 5, `messages: ${got.length}`);
    for (const m of got) {
      const s = m.payload.supervisor;
      assert.ok(s?.dataTime && m.payload.time, "every message carries the supervisor with a time");
      const age = (Date.parse(m.payload.time) - Date.parse(s.dataTime)) / 1000;
      assert.ok(age >= 0 && age <= 120, `the supervisor's time is comm's recent reading's: ${age} s old`);
    }
  });
});
