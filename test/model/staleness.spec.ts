// Staleness by the data's real cadence, on the real captures of test/fixtures/corpus.
import assert from "assert";
import { SiteMemory } from "../../src/model/site-memory";
import {
  analyzeLegacy,
  analyzeVars,
  capture,
  ksmooove,
  later,
  LegacyAnswer,
  legacyLater,
  legacyMs,
  n,
  Vars,
} from "./captures";
import { VarsReading } from "../../src/model/localapi-device-list";

const LIVE_TIME = "/sys/livedata/time";

/** The capture's own figures: the livedata time, and the device stamps (all the same boundary in this capture). */
function stampsOf(reading: VarsReading) {
  const liveS = n(reading.live[LIVE_TIME]);
  const stamps = Object.entries(reading.devices)
    .filter(([k]) => k.endsWith("/msmtEps"))
    .map(([, v]) => String(v));
  return { liveS, stamps, lagS: liveS - Date.parse(stamps[0]) / 1000 };
}

/** The same reading `s` seconds of PVS time later: the livedata time moved, the device stamps moved by `stampS`. */
function advanced(reading: VarsReading, s: number, stampS: number): VarsReading {
  const devices: Vars = { ...reading.devices };
  for (const k of Object.keys(devices)) if (k.endsWith("/msmtEps")) devices[k] = later(String(devices[k]), stampS);
  return { ...reading, devices, live: { ...reading.live, [LIVE_TIME]: String(n(reading.live[LIVE_TIME]) + s) } };
}

describe("model/staleness: LocalAPI device data judged by its 5-minute cadence (ksmooove build 61846)", () => {
  it("devices stamped minutes behind /sys/livedata/time are fresh: ages are the capture's lag, none stale, every inverter ok", () => {
    const reading = ksmooove();
    const { stamps, lagS } = stampsOf(reading);
    assert.ok(stamps.length > 40 && stamps.every((s) => s === stamps[0]), "one 5-minute boundary for all devices");
    assert.ok(lagS > 240, `the capture's lag: ${lagS} s`);
    const out = analyzeVars(SiteMemory.create(), reading);
    const measured = out.devices.filter((d) => d.category === "meter" || d.category === "inverter");
    assert.strictEqual(measured.length, stamps.length / 1);
    for (const d of measured) {
      assert.strictEqual(d.dataAgeS, lagS, d.serial ?? "");
      assert.strictEqual(d.stale, false, d.serial ?? "");
    }
    const inverterCount = Object.keys(reading.devices).filter((k) =>
      /^\/sys\/devices\/inverter\/\d+\/sn$/.test(k),
    ).length;
    assert.deepStrictEqual(out.site.inverters, {
      known: inverterCount,
      reporting: inverterCount,
      ok: inverterCount,
      asleep: 0,
      fault: 0,
      missing: 0,
    });
  });

  it("a lag over 500 s (as other real captures show) is still fresh: not judged against the wall clock", () => {
    const reading = advanced(ksmooove(), 300, 0); // the same data read 5 minutes later: lag 265 s + 300 s
    const { lagS } = stampsOf(reading);
    assert.ok(lagS > 500);
    const out = analyzeVars(SiteMemory.create(), reading);
    assert.ok(
      out.devices.filter((d) => d.category !== "supervisor").every((d) => d.stale === false && d.dataAgeS === lagS),
    );
    assert.strictEqual(out.site.inverters.ok, out.inverters.length);
  });

  it("a stamp that stops advancing is stale once it missed two refreshes (over 15 min of PVS time); the livedata then carries the site", () => {
    const memory = SiteMemory.create();
    const start = ksmooove();
    const outs = [analyzeVars(memory, start)];
    // Two polls in which the stamps advance as they should, then the device data freezes while livedata runs on.
    outs.push(analyzeVars(memory, advanced(start, 300, 300)));
    outs.push(analyzeVars(memory, advanced(start, 600, 600)));
    const frozen = (after: number) => analyzeVars(memory, advanced(start, 600 + after, 600));
    const at900 = frozen(900);
    assert.ok(
      outs.concat(at900).every((o) => o.devices.every((d) => d.stale !== true)),
      "not stale up to 900 s unchanged",
    );
    assert.strictEqual(at900.site.productionSource, "production meter");
    const at1200 = frozen(1200);
    const { lagS } = stampsOf(advanced(start, 600 + 1200, 600));
    assert.ok(lagS < 1500, `age ${lagS} s alone would not make it stale: the stopped stamp does`);
    const devices = at1200.devices.filter((d) => d.category !== "supervisor");
    assert.ok(
      devices.every((d) => d.stale === true),
      "every meter and inverter stale",
    );
    // The site figures come from the livedata, which says so, with its own numbers.
    const live = start.live;
    assert.strictEqual(at1200.site.productionSource, "livedata");
    assert.strictEqual(at1200.site.source.power, "livedata");
    assert.strictEqual(at1200.site.source.time, new Date((n(live[LIVE_TIME]) + 1800) * 1000).toISOString());
    assert.strictEqual(at1200.site.source.lagS, lagS);
    assert.strictEqual(at1200.site.production_kw, Math.round(n(live["/sys/livedata/pv_p"]) * 1e4) / 1e4);
    assert.strictEqual(at1200.site.net_kw, Math.round(n(live["/sys/livedata/net_p"]) * 1e4) / 1e4);
    assert.strictEqual(at1200.site.consumption_kw, Math.round(n(live["/sys/livedata/site_load_p"]) * 1e4) / 1e4);
    // The inverters are faults, not asleep: the livedata says the sun is up.
    assert.strictEqual(at1200.site.inverters.fault, at1200.inverters.length);
  });

  it("the stamps followed survive the context store (a redeploy does not restart the count)", () => {
    const memory = SiteMemory.create();
    const start = ksmooove();
    analyzeVars(memory, start);
    const restored = SiteMemory.fromJSON(JSON.parse(JSON.stringify(memory.toJSON())));
    assert.ok(
      analyzeVars(restored, advanced(start, 1200, 0))
        .devices.filter((d) => d.category === "meter")
        .every((d) => d.stale === true),
    );
  });

  it("a device more than one period behind its peers is stale (a fault in daylight); one period behind is not", () => {
    const reading = ksmooove();
    const stamp = String(reading.devices["/sys/devices/inverter/3/msmtEps"]);
    reading.devices["/sys/devices/inverter/3/msmtEps"] = later(stamp, -600);
    reading.devices["/sys/devices/inverter/4/msmtEps"] = later(stamp, -300);
    const out = analyzeVars(SiteMemory.create(), reading);
    const bySerial = new Map(out.devices.map((d) => [d.serial, d]));
    assert.strictEqual(bySerial.get("inverter-3")?.stale, true);
    assert.strictEqual(bySerial.get("inverter-3")?.condition, "fault");
    assert.strictEqual(bySerial.get("inverter-4")?.stale, false);
    assert.strictEqual(bySerial.get("inverter-4")?.condition, "ok");
  });
});

describe("model/staleness: a stamp from the future is not a peer to keep up with", () => {
  it("one inverter stamped an hour after /sys/livedata/time does not make the others stale", () => {
    const reading = ksmooove();
    reading.devices["/sys/devices/inverter/0/msmtEps"] = later(
      String(reading.devices["/sys/devices/inverter/0/msmtEps"]),
      3600,
    );
    const out = analyzeVars(SiteMemory.create(), reading);
    assert.ok(
      out.devices
        .filter((d) => d.serial !== "inverter-0" && d.category !== "supervisor")
        .every((d) => d.stale === false),
    );
  });
});

describe("model/staleness: legacy DATATIME against the same answer's CURTIME", () => {
  for (const file of [
    "smcneece__ha-esunpower/dl_cgi.json",
    "cmalek__sungazer/DeviceList.json",
    "ginoledesma__sunpower-pvs-exporter/notes-DeviceList.json",
  ]) {
    it(`${file}: every meter and inverter fresh, ages from the payload`, () => {
      const raw = capture<LegacyAnswer>(file);
      const out = analyzeLegacy(SiteMemory.create(), raw);
      const curtime = legacyMs(raw.devices[0].CURTIME);
      const pv = raw.devices.filter((d) => d.DEVICE_TYPE === "Power Meter" || d.DEVICE_TYPE === "Inverter");
      for (const d of pv) {
        const device = out.devices.find((x) => x.serial === d.SERIAL)!;
        assert.strictEqual(device.dataAgeS, Math.round((curtime - legacyMs(d.DATATIME)) / 1000), String(d.SERIAL));
        assert.strictEqual(device.stale, false, String(d.SERIAL));
      }
    });
  }

  it("an inverter whose DATATIME stays put while CURTIME moves on is stale after 300 s, as before", () => {
    const raw = capture<LegacyAnswer>("smcneece__ha-esunpower/dl_cgi.json");
    const memory = SiteMemory.create();
    analyzeLegacy(memory, raw);
    const next = structuredClone(raw);
    for (const d of next.devices) {
      d.CURTIME = legacyLater(d.CURTIME, 400);
      if (d.SERIAL !== "EFAKE001") d.DATATIME = legacyLater(d.DATATIME, 400);
    }
    const out = analyzeLegacy(memory, next);
    assert.strictEqual(out.devices.find((d) => d.serial === "EFAKE001")?.stale, true);
    assert.strictEqual(out.devices.find((d) => d.serial === "EFAKE001")?.condition, "fault");
    assert.strictEqual(out.devices.find((d) => d.serial === "EFAKE002")?.stale, false);
  });
});
