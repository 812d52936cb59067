// The emulated sun follows the local day of the machine by default (the emulator, its CLI and the demo), wherever
// it is.
import assert from "assert";
import { PvsEmulator } from "../../src/emulator/server";
import { localLongitude, SimulatedSite, sunFactor } from "../../src/emulator/site";
import { inTimeZone } from "../support/time-zone";

for (const tz of ["Asia/Tokyo", "Europe/Berlin", "Australia/Sydney", "America/Los_Angeles"]) {
  describe(`emulated sun in ${tz}`, () => {
    inTimeZone(tz);

    it("is high at local midday and down at local midnight, at the longitude of the machine's time zone", () => {
      const noon = new Date(2025, 5, 21, 12, 30).getTime(); // local time, in tz
      const midnight = new Date(2025, 5, 21, 0, 30).getTime();
      assert.ok(sunFactor(noon, localLongitude(noon)) > 0.8, "sun high at local midday");
      assert.strictEqual(sunFactor(midnight, localLongitude(midnight)), 0);
      const site = new SimulatedSite({ inverters: 4, longitude: localLongitude(noon), serial: "ZT0", now: () => noon });
      assert.ok(site.snapshot().pvKw > 0.8 * 4 * 0.34, `production at local midday: ${site.snapshot().pvKw} kW`);
    });

    it("is the emulator's own default: without a longitude, its site produces at local midday, not at midnight", () => {
      const noon = new Date(2025, 5, 21, 12, 30).getTime();
      const midnight = new Date(2025, 5, 21, 0, 30).getTime();
      const at = (now: number) => new PvsEmulator({ inverters: 4, now: () => now }).site.snapshot().pvKw;
      assert.ok(at(noon) > 0.8 * 4 * 0.34, `production at local midday: ${at(noon)} kW`);
      assert.strictEqual(at(midnight), 0);
    });
  });
}

describe("localLongitude", () => {
  inTimeZone("Pacific/Kiritimati"); // UTC+14: beyond 180 degrees east, so it is held at the date line

  it("stays a longitude", () => {
    assert.strictEqual(localLongitude(Date.UTC(2025, 0, 1)), 180);
  });
});
