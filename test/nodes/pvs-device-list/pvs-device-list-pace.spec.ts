// The device list read at the PVS's pace, in the real runtime against an emulated LocalAPI PVS that publishes
// its device values 265 s after each 5-minute stamp without saying so, on a simulated clock: reads follow the
// publications, "poll now" still reads at once, an old flow's interval stays the longest gap, and the status shows
// the scheduler's real next read.
import assert from "assert";
import sinon from "sinon";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../../src/emulator/server";
import { DeviceListPayload } from "../../../src/model/device-list-output";
import { deploy, helper, sendsOf } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";
import { advance, fakeClock, LOAD_MOVING_AT, SITE_LONGITUDE } from "../../support/simulated-time";

type Msg = NodeMessage & { payload: DeviceListPayload };
const DELAY_MS = 265_000;

/** The newest inverter stamp of a message (epoch ms). */
function stampOf(m: Msg): number {
  return Math.max(...m.payload.inverters.map((d) => (d.dataTime ? Date.parse(d.dataTime) : 0)));
}

describe("pvs-device-list at the PVS's pace (real runtime, LocalAPI emulator, simulated clock)", function () {
  this.timeout(120_000);
  let emulator: PvsEmulator;
  let clock: sinon.SinonFakeTimers | null = null;

  const start = async (interval: number) => {
    clock = fakeClock(LOAD_MOVING_AT);
    emulator = new PvsEmulator({
      inverters: 4,
      localApi: true,
      publicationDelayS: DELAY_MS / 1000,
      longitude: SITE_LONGITUDE,
    });
    await emulator.start();
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval }]),
    );
    return sendsOf<Msg>("list");
  };

  afterEach(async () => {
    clock?.restore();
    clock = null;
    await helper.unload();
    await emulator.stop();
  });

  it("learns the publication delay, then reads each new value once, soon after it appears", async () => {
    const got = await start(900);
    const c = clock as sinon.SinonFakeTimers;
    await advance(c, emulator, { forMs: 40 * 60_000, idle: "next-timer" });
    const learnedAt = Date.now();
    const from = got.length;
    await advance(c, emulator, { forMs: 60 * 60_000, idle: "next-timer" });
    const hour = got.slice(from);
    const stamps = new Set(hour.map(stampOf));
    // 12 publications an hour: about one read each (a probe now and then), not the 4-30 of a fixed beat.
    assert.ok(hour.length >= 11 && hour.length <= 14, `reads in the hour after ${learnedAt}: ${hour.length}`);
    assert.ok(stamps.size >= 11, `new stamps read: ${stamps.size}`);
    const ages = hour
      .filter((m, i) => i === 0 || stampOf(m) !== stampOf(hour[i - 1]))
      .map((m) => (m.at - (stampOf(m) + DELAY_MS)) / 1000)
      .sort((a, b) => a - b);
    assert.ok(ages[Math.floor(ages.length / 2)] <= 30, `ages at the flow (s): ${ages.join(", ")}`);
  });

  it("nodes deployed at different moments still read together: one request for all of them", async () => {
    clock = fakeClock(LOAD_MOVING_AT);
    emulator = new PvsEmulator({
      inverters: 4,
      localApi: true,
      publicationDelayS: DELAY_MS / 1000,
      longitude: SITE_LONGITUDE,
    });
    await emulator.start();
    const c = clock;
    const lists = (k: number) =>
      Array.from({ length: k }, (_, i) => ({ id: `list${i}`, type: "pvs-device-list", server: "cfg", interval: 60 }));
    await helper.load(NODE_MODULES, testFlow(emulator, lists(1)));
    for (let k = 2; k <= 5; k++) {
      await advance(c, emulator, { forMs: 7_000 * k + 3_000 }); // as a user adds nodes, at odd moments
      await deploy(testFlow(emulator, lists(k)), "nodes");
    }
    await advance(c, emulator, { forMs: 5 * 60_000 });
    const since = Date.now();
    await advance(c, emulator, { forMs: 20 * 60_000 });
    const reads = emulator.requests.filter((r) => r.startedAt >= since && r.query?.includes("nrpvsdev")).length;
    // 20 minutes at 60 s: 20 beats and 4 publications between them; five nodes each on its own time: about 100.
    assert.ok(reads >= 18 && reads <= 26, `device reads of five nodes in 20 min: ${reads}`);
  });

  it("poll now still reads at once, and the status shows the scheduler's next read", async () => {
    const got = await start(900);
    const c = clock as sinon.SinonFakeTimers;
    await advance(c, emulator, { forMs: 20 * 60_000, idle: "next-timer" });
    const before = got.length;
    const vars = emulator.count("vars");
    const asked = Date.now();
    helper.getNode("list").receive({ payload: "now" });
    await advance(c, emulator, { forMs: 10_000, until: () => got.length > before, what: "the reading asked for" });
    assert.ok(got[got.length - 1].at - asked < 5000, "at once");
    assert.ok(emulator.count("vars") > vars, "read from the PVS, not an old answer");
    // The LocalAPI status shows the last reading and the next read (as the legacy one does), and that next read
    // is the scheduler's: the next publication's, well before the 900 s interval.
    const last = () =>
      (helper.getNode("list").status as unknown as sinon.SinonSpy).lastCall.args[0] as { text: string };
    await advance(c, emulator, { forMs: 60_000, until: () => /\d\d:\d\d · \S*status\.next$/.test(last().text) });
    assert.match(last().text, /\d\d:\d\d · \S*status\.next$/);
    const cfg = helper.getNode("cfg") as unknown as {
      pvs: { client: { pace: { summary(): { devices: { nextRead: string | null } } } } };
    };
    const next = cfg.pvs.client.pace.summary().devices.nextRead;
    assert.ok(next, "a next read is planned");
    assert.ok(Date.parse(next) - Date.now() < 330_000, "the next read is the next publication's, not the interval's");
  });

  it("an old flow's interval of 60 s stays the longest gap between readings", async () => {
    const got = await start(60);
    await advance(clock as sinon.SinonFakeTimers, emulator, { forMs: 20 * 60_000, idle: "next-timer" });
    const gaps = got.slice(1).map((m, i) => m.at - got[i].at);
    assert.ok(got.length >= 20, `${got.length} readings in 20 minutes`);
    assert.ok(Math.max(...gaps) <= 61_000, `longest gap ${Math.max(...gaps)} ms`);
  });
});
