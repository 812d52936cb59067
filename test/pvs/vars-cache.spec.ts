// The LocalAPI device cache as the firmware keeps it (tjmonk/fcgi_vars: a named cache only grows, VARCACHE_AddUnique;
// an answer lists what the cache holds): devices that appear after the cache was made reach the output only when the
// `match=` selection is sent again with the cache id, every 15 minutes, or sooner when a known serial goes missing
// (src/pvs/localapi/vars-groups.ts DEVICE_CACHE_RESEND_MS, DEVICE_CACHE_RECHECK_MS). Against the strict emulator over
// real HTTPS, on a simulated Date.
import assert from "assert";
import { connectionHarness } from "../support/connections";
import { withSimulatedDate } from "../support/simulated-date";
import { LegacyDevice } from "../../src/emulator/site";

const MINUTE = 60_000;
const RESEND = "match=/sys/devices/&fmt=obj&cache=nrpvsdev";
const CACHED = "fmt=obj&cache=nrpvsdev";

describe("pvs/vars: the device cache picks up devices that appear later", () => {
  const { emulator, connect } = connectionHarness();
  const signal = new AbortController().signal;
  /** The device queries sent from request `from` on (the ones that read the device cache). */
  const deviceQueries = (e: { requests: Array<{ command: string; query?: string }> }, from: number) =>
    e.requests
      .slice(from)
      .filter((r) => r.command === "vars" && (r.query ?? "").includes("cache=nrpvsdev"))
      .map((r) => r.query);
  const serials = (list: { inverters: Array<{ serial: string | null }> }) => list.inverters.map((d) => d.serial).sort();

  it("an inverter that appears after the cache was made joins the output at the 15-minute re-send of match= with cache=", () =>
    withSimulatedDate(async (skip) => {
      const e = await emulator({ model: "PVS6", inverters: 3 });
      // The third inverter is not there yet (asleep before sunrise, or installed later).
      let hidden: string | null = null;
      e.editDeviceList = ({ devices }) => {
        const inverters = devices.filter((d) => d.DEVICE_TYPE === "Inverter");
        hidden = String(inverters[2].SERIAL);
        devices.splice(devices.indexOf(inverters[2]), 1);
      };
      const c = connect(e);
      const first = await c.readDeviceList(signal);
      assert.strictEqual(first.list.inverters.length, 2);
      assert.deepStrictEqual(deviceQueries(e, 0), [RESEND], "the cache was made with the selection");

      e.editDeviceList = null; // it appears
      let from = e.requests.length;
      skip(14 * MINUTE);
      const cached = await c.readDeviceList(signal);
      assert.strictEqual(cached.list.inverters.length, 2, "the cache does not hold the new inverter's variables");
      assert.deepStrictEqual(deviceQueries(e, from), [CACHED], "within 15 minutes the cache is read by id");

      from = e.requests.length;
      skip(1 * MINUTE + 1000);
      const resent = await c.readDeviceList(signal);
      assert.deepStrictEqual(
        deviceQueries(e, from),
        [RESEND],
        "after 15 minutes the selection goes again, with the cache id",
      );
      assert.strictEqual(resent.list.inverters.length, 3);
      assert.ok(hidden !== null && serials(resent.list).includes(hidden), "the new inverter is in the output");

      // The other nodes polling on the same beat share the re-sent selection's answer, as they share a cache read.
      from = e.requests.length;
      skip(1000);
      const shared = await c.readDeviceList(signal, { shareWithinMs: 2000 });
      assert.deepStrictEqual(
        deviceQueries(e, from),
        [],
        "a read that may share an answer of the last 2 s asks nothing",
      );
      assert.strictEqual(shared.list.inverters.length, 3);

      from = e.requests.length;
      const after = await c.readDeviceList(signal);
      assert.deepStrictEqual(deviceQueries(e, from), [CACHED], "then the grown cache is read by id again");
      assert.strictEqual(after.list.inverters.length, 3, "and keeps the new inverter");
    }));

  it("a known serial missing from the cache's answer sends the selection again sooner (after 5 minutes, not 15)", () =>
    withSimulatedDate(async (skip) => {
      const e = await emulator({ model: "PVS6", inverters: 3 });
      const c = connect(e);
      const first = await c.readDeviceList(signal);
      const known = serials(first.list);
      assert.strictEqual(known.length, 3);

      // The PVS renumbers its devices: a newly found inverter takes index 0, the others move up one, so the last
      // known inverter's variables are now at an index the cache never held.
      const added = "E00122000000000";
      e.editDeviceList = ({ devices }) => {
        const inverters = devices.filter((d) => d.DEVICE_TYPE === "Inverter");
        const copy: LegacyDevice = { ...inverters[0], SERIAL: added };
        devices.splice(devices.indexOf(inverters[0]), 0, copy);
      };
      let from = e.requests.length;
      skip(1 * MINUTE);
      const early = await c.readDeviceList(signal);
      const missing = known.filter((s) => !serials(early.list).includes(s));
      assert.strictEqual(missing.length, 1, `one known serial is missing: ${serials(early.list).join(", ")}`);
      assert.deepStrictEqual(deviceQueries(e, from), [CACHED]);

      from = e.requests.length;
      await c.readDeviceList(signal);
      assert.deepStrictEqual(
        deviceQueries(e, from),
        [CACHED],
        "within 5 minutes of making the cache, a missing serial does not re-send",
      );

      from = e.requests.length;
      skip(4 * MINUTE + 1000);
      const noticed = await c.readDeviceList(signal);
      assert.deepStrictEqual(deviceQueries(e, from), [CACHED], "this read finds the serial still missing…");
      assert.ok(!serials(noticed.list).includes(missing[0]));

      from = e.requests.length;
      const rechecked = await c.readDeviceList(signal);
      assert.deepStrictEqual(
        deviceQueries(e, from),
        [RESEND],
        "…so the next one sends the selection again, 5 minutes in",
      );
      assert.deepStrictEqual(
        serials(rechecked.list),
        [...known, added].sort(),
        "every inverter is back, with the new one",
      );
    }));
});
