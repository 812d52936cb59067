// The emulator's publication delay: device data stamped on the 5-minute grid appears only that long after its
// stamp, and stays as published until the next stamp is due.
import assert from "assert";
import { Publication } from "../../src/emulator/publication";
import { SimulatedSite } from "../../src/emulator/site";
import { parseArgs } from "../../src/emulator/cli";

const NOON = Date.UTC(2026, 5, 21, 20, 0, 0); // solar noon at -117°

describe("emulator publication delay", () => {
  it("shows the stamp due `delay` after it, with the values as they were then", () => {
    let now = NOON + 100_000;
    const site = new SimulatedSite({
      inverters: 2,
      longitude: -117,
      serial: "ZT01234567890ABCDE",
      now: () => now,
      publicationDelayS: 265,
    });
    const inverter = () => site.deviceList().devices.find((d) => d.DEVICE_TYPE === "Inverter");
    const first = inverter();
    // 100 s after noon with a 265 s delay: the stamp in force is 11:55 (19:55 UTC).
    assert.strictEqual(first?.DATATIME, "2026,06,21,19,55,00");
    now += 60_000;
    assert.deepStrictEqual(inverter(), first, "no new values before the next publication");
    now = NOON + 265_000 + 1000;
    const next = inverter();
    assert.strictEqual(next?.DATATIME, "2026,06,21,20,00,00");
    assert.notDeepStrictEqual(next, first);
    // The supervisor's own record stays live.
    const pvs = site.deviceList().devices.find((d) => d.DEVICE_TYPE === "PVS");
    assert.strictEqual(pvs?.CURTIME, "2026,06,21,20,04,26");
  });

  it("keeps an older stamp of a device that stopped reporting", () => {
    const p = new Publication(265_000);
    const asleep = { DEVICE_TYPE: "Inverter", SERIAL: "E1", DATATIME: "2026,06,21,03,00,00" };
    const [shown] = p.view(NOON, [asleep]);
    assert.strictEqual(shown.DATATIME, "2026,06,21,03,00,00");
  });

  it("the command takes --publication-delay (default 265 s, 0 turns it off)", () => {
    assert.strictEqual(parseArgs([]).publicationDelayS, 265);
    assert.strictEqual(parseArgs(["--publication-delay", "0"]).publicationDelayS, 0);
    assert.throws(() => parseArgs(["--publication-delay", "-1"]), /--publication-delay needs a number/);
  });
});
