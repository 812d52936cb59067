// What moving a replay forward in time is for, in the real runtime (pvs-device-list against the replaying
// emulator over real HTTP(S)), on a real legacy capture (smcneece/ha-esunpower dl_cgi.json, 8 kW producing) and
// a LocalAPI recording of the emulator's own site: today's energy is the recorded power × the time moved, no
// device goes stale while every stamp moves, a device held still (replayHold) does, and the counter checks stay
// quiet on counters that moved consistently with the clock.
import assert from "assert";
import fs from "fs";
import path from "path";
import { NodeMessage } from "node-red";
import { Recording, RECORDING_FORMAT, recordingFromCapture } from "../../src/model/recording";
import { PvsEmulator } from "../../src/emulator/server";
import { siteVariables } from "../../src/emulator/vars";
import { DeviceListPayload } from "../../src/model/device-list-output";
import { helper, until } from "../support/node-red";
import { NODE_MODULES, testFlow } from "../support/flows";
import { inTimeZone } from "../support/time-zone";

type Msg = NodeMessage & { payload: DeviceListPayload };
const CORPUS = path.join(__dirname, "../fixtures/corpus");
const HOUR = 3_600_000;

/**
 * A recording, and the powers (kW) its own production and consumption meters show, read from it (not from the nodes).
 */
interface Case {
  recording: Recording;
  productionKw: number;
  consumptionMeterKw: number;
  /** An inverter's serial, to hold still. */
  inverter: string;
}

function legacyCase(): Case {
  const file = path.join(CORPUS, "smcneece__ha-esunpower/dl_cgi.json");
  const recording = recordingFromCapture(JSON.parse(fs.readFileSync(file, "utf8")) as unknown, "dl_cgi.json");
  const devices = (recording.legacy?.DeviceList as { devices: Array<Record<string, string>> }).devices;
  const kw = (type: string) => Number(devices.find((d) => d.TYPE === type)?.p_3phsum_kw);
  return {
    recording,
    productionKw: kw("PVS5-METER-P"),
    consumptionMeterKw: kw("PVS5-METER-C"),
    inverter: devices.find((d) => d.DEVICE_TYPE === "Inverter")?.SERIAL as string,
  };
}

function localApiCase(): Case {
  const site = new PvsEmulator({
    localApi: true,
    inverters: 3,
    longitude: -117,
    now: () => Date.UTC(2026, 5, 21, 19, 0, 0),
  });
  const vars = Object.fromEntries(siteVariables(site.site, site.site.snapshot()));
  const meter = (suffix: string) => {
    const dir = Object.keys(vars)
      .find((n) => /^\/sys\/devices\/meter\/\d+\/prodMdlNm$/.test(n) && vars[n].endsWith(suffix))
      ?.replace(/prodMdlNm$/, "");
    return Number(vars[`${dir}p3phsumKw`]);
  };
  return {
    recording: { format: RECORDING_FORMAT, legacy: { "supervisor/info": site.site.supervisorInfo() }, vars },
    productionKw: meter("p"),
    consumptionMeterKw: meter("c"),
    inverter: vars["/sys/devices/inverter/0/sn"],
  };
}

const CASES: Record<string, () => Case> = { legacy: legacyCase, localapi: localApiCase };

describe("replay advanced in time: day energy, staleness and counter checks (real runtime)", function () {
  this.timeout(20000);
  let emulator: PvsEmulator | null = null;
  // Local days are the Node-RED host's: fixed here, so that no step of these tests crosses a local midnight.
  inTimeZone("America/Los_Angeles");
  afterEach(async () => {
    await helper.unload();
    await emulator?.stop();
    emulator = null;
  });

  /** Starts the replay and a pvs-device-list on it; returns a poll that resolves with the next payload. */
  async function replay(recording: Recording, replayHold?: string[]): Promise<() => Promise<DeviceListPayload>> {
    emulator = new PvsEmulator({ replay: recording, replayHold });
    await emulator.start();
    await helper.load(
      NODE_MODULES,
      testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 0 }]),
    );
    const got: Msg[] = [];
    helper.getNode("out").on("input", (m: unknown) => got.push(m as Msg));
    return async () => {
      const n = got.length + 1;
      helper.getNode("list").receive({});
      await until(() => got.length === n, 6000, `list ${n}`);
      return got[n - 1].payload;
    };
  }

  const peers = (p: DeviceListPayload) => p.devices.filter((d) => d.category === "meter" || d.category === "inverter");
  const close = (a: number | undefined, b: number, what: string) =>
    assert.ok(a !== undefined && Math.abs(a - b) < 1e-3, `${what}: ${a} ≠ ${b}`);

  for (const [api, make] of Object.entries(CASES)) {
    it(`${api}: an hour moved between two polls is the recorded meter power × 1 h in today's energy (production, consumption, export)`, async () => {
      const { recording, productionKw, consumptionMeterKw } = make();
      assert.ok(
        productionKw > 1 && consumptionMeterKw < 0,
        `a producing, exporting capture (${productionKw}, ${consumptionMeterKw} kW)`,
      );
      const poll = await replay(recording);
      const first = await poll();
      assert.deepStrictEqual(
        [first.site.today?.production_kwh, first.site.today?.complete],
        [0, false],
        "the first answer of the day: nothing counted yet, the day's start not seen",
      );
      emulator?.advanceReplay(HOUR);
      const later = await poll();
      const today = later.site.today;
      assert.strictEqual(today?.date, first.site.today?.date, "the same local day");
      // A net consumption CT: consumption = production + net; import and export are the meter's signed power's parts.
      close(today?.production_kwh, productionKw, "production today");
      close(today?.consumption_kwh, productionKw + consumptionMeterKw, "consumption today");
      close(today?.export_kwh, -consumptionMeterKw, "export today");
      close(today?.import_kwh, 0, "import today");
      close((later.site.production_kwh ?? 0) - (first.site.production_kwh ?? 0), productionKw, "lifetime production");
      assert.deepStrictEqual(
        later.checks.filter((c) => c.code.startsWith("COUNTER_")),
        [],
        "counters that moved with the clock raise no counter check",
      );
    });

    it(`${api}: moved on consistently for 3 hours, no device is stale; a device held still (replayHold) is, and only it`, async () => {
      const { recording, inverter } = make();
      const poll = await replay(recording);
      for (let step = 0; step <= 3; step++) {
        if (step > 0) emulator?.advanceReplay(HOUR);
        const payload = await poll();
        const stale = peers(payload).filter((d) => d.stale !== false);
        assert.deepStrictEqual(
          stale.map((d) => d.serial),
          [],
          `after ${step} h, every meter and inverter fresh`,
        );
      }
      await helper.unload();
      await emulator?.stop();

      const pollHeld = await replay(recording, [inverter]);
      const first = await pollHeld();
      assert.strictEqual(
        first.inverters.find((d) => d.serial === inverter)?.stale,
        false,
        "as recorded, the held inverter is fresh",
      );
      emulator?.advanceReplay(HOUR);
      const later = await pollHeld();
      const held = later.inverters.find((d) => d.serial === inverter);
      assert.ok(held, "the held inverter is still listed");
      assert.strictEqual(held.stale, true, "an hour behind its peers and the answer: stale");
      assert.strictEqual(
        held.dataTime,
        first.inverters.find((d) => d.serial === inverter)?.dataTime,
        "its stamp did not move",
      );
      assert.ok((held.dataAgeS ?? 0) >= 3600, `its data an hour old (${held.dataAgeS} s)`);
      assert.strictEqual(held.condition, "fault", "stale in daylight: not producing while its peers are");
      assert.deepStrictEqual(
        peers(later)
          .filter((d) => d.stale !== false)
          .map((d) => d.serial),
        [inverter],
        "the others moved on and are fresh",
      );
    });
  }

  it("legacy: 12 hours moved in 1-hour polls on an 8 kW capture: lifetime production grows by power × time and no counter check fires", async () => {
    // The counter checks (COUNTER_JUMP, _ROLLBACK, _RESET, _ZERO; site-memory.ts) fire on a reading that does not fit
    // the time between two answers; a consistent advance moves each counter by its power × the very time the answer's
    // clock moved, so any of them firing here means the advance (or the checks) broke.
    const { recording, productionKw } = legacyCase();
    const poll = await replay(recording);
    const first = await poll();
    let last = first;
    for (let hour = 1; hour <= 12; hour++) {
      emulator?.advanceReplay(HOUR);
      last = await poll();
      assert.deepStrictEqual(
        last.checks.filter((c) => c.code.startsWith("COUNTER_")).map((c) => c.message),
        [],
        `hour ${hour}`,
      );
    }
    close((last.site.production_kwh ?? 0) - (first.site.production_kwh ?? 0), 12 * productionKw, "12 h of production");
    close(
      last.inverters.reduce((sum, d) => sum + (d.metrics.ltea_3phsum_kwh as number), 0) -
        first.inverters.reduce((sum, d) => sum + (d.metrics.ltea_3phsum_kwh as number), 0),
      12 * first.inverters.reduce((sum, d) => sum + (d.metrics.p_3phsum_kw as number), 0),
      "12 h of every inverter's power",
    );
  });
});
