// The backup state from real captures (a SunVault site's livedata, legacy SunVault lists and report) and the one
// event per change it gives.
import assert from "assert";
import { readFileSync } from "fs";
import path from "path";
import { backupFromDevices, backupFromLive } from "../../src/model/backup-readings";
import { BackupReading, backupStatus, BackupTracker, minutesText } from "../../src/model/backup-state";
import { mergeEssStatus } from "../../src/model/ess-status";
import { normalizeDeviceList } from "../../src/model/legacy-device-list";
import { liveFromVars } from "../../src/model/live";
import { JsonObject } from "../../src/model/safe-object";
import { fixture } from "../fixtures/load";

const corpus = (file: string) =>
  JSON.parse(readFileSync(path.join(__dirname, "../fixtures/corpus", file), "utf8")) as JsonObject;

const reading = (r: Partial<BackupReading>): BackupReading => ({
  mid: null,
  gridVoltages: [],
  gridKw: null,
  loadKw: null,
  batteryKw: null,
  backupMinutes: null,
  ...r,
});

describe("backup state", () => {
  it("a SunVault site's livedata (midstate 2, importing from the grid): on the grid, with its minutes", () => {
    const live = liveFromVars(corpus("SunStrong-Management__pypvs/LocalAPI-vars-match-livedata-obj-1.json"));
    const s = backupStatus(backupFromLive(live));
    assert.deepStrictEqual(
      { state: s?.state, basis: s?.basis, mid: s?.mid, minutes: s?.backupMinutes },
      { state: "on-grid", basis: "mid-state", mid: 2, minutes: 570 },
    );
  });

  it("a PV-only PVS6 (midstate 0): no transfer switch, nothing to tell", () => {
    const live = liveFromVars(corpus("ksmooove__SunPower-Monitoring/vars-livedata.json"));
    assert.strictEqual(backupStatus(backupFromLive(live)), null);
  });

  it("legacy SunVault lists: the report's CLOSED contactor, the PV disconnect relay's grid voltages", () => {
    const list = normalizeDeviceList(fixture("sunvault-device-list"));
    mergeEssStatus(list, fixture("sunvault-ess-status"));
    assert.strictEqual(backupStatus(backupFromDevices(list.devices, null))?.state, "on-grid");
    const relayOnly = normalizeDeviceList(corpus("cmalek__sungazer/DeviceList.json"));
    const relay = backupStatus(backupFromDevices(relayOnly.devices, null));
    assert.deepStrictEqual([relay?.state, relay?.basis], ["on-grid", "grid-voltage"]);
    const raw = corpus("cmalek__sungazer/DeviceList.json") as { devices: Array<Record<string, unknown>> };
    for (const d of raw.devices) if (d.DEVICE_TYPE === "PV Disconnect") Object.assign(d, { v1n_grid_v: "0.2" });
    for (const d of raw.devices) if (d.DEVICE_TYPE === "PV Disconnect") Object.assign(d, { v2n_grid_v: "0.0" });
    const dead = backupStatus(backupFromDevices(normalizeDeviceList(raw).devices, null));
    assert.deepStrictEqual([dead?.state, dead?.basis], ["backup", "grid-voltage"]);
  });

  it("a state no source explains is unknown, with its raw value, unless the grid meter shows an island", () => {
    assert.deepStrictEqual(backupStatus(reading({ mid: 7, gridKw: 0.8, loadKw: 1.2 })), {
      state: "unknown",
      basis: "none",
      mid: 7,
      batteryKw: null,
      backupMinutes: null,
    });
    assert.strictEqual(backupStatus(reading({ mid: "MID_STATE_WEIRD", gridVoltages: [121, 120] }))?.state, "unknown");
    assert.strictEqual(backupStatus(reading({ mid: 7, gridKw: 0, loadKw: 1.2 }))?.state, "backup");
    assert.strictEqual(backupStatus(reading({ mid: "MID_STATE_OPEN", gridVoltages: [121, 120] }))?.state, "backup");
    assert.strictEqual(backupStatus(reading({ mid: "CLOSED", gridVoltages: [0, 0] }))?.basis, "grid-voltage");
    // An impossible voltage is no reading.
    assert.strictEqual(backupStatus(reading({ gridVoltages: [Infinity, -5, 1e9] })), null);
  });

  it("one event per change: outage with the minutes left, grid-back with how long it lasted", () => {
    const tracker = new BackupTracker();
    const t0 = Date.parse("2026-07-01T18:00:00Z");
    const on = backupStatus(reading({ mid: 2 }));
    const off = backupStatus(reading({ mid: "MID_STATE_OPEN", backupMinutes: 190 }));
    assert.strictEqual(tracker.update(on, t0), null, "on the grid from the start: no news");
    const outage = tracker.update(off, t0 + 60_000);
    assert.deepStrictEqual(
      [outage?.event, outage?.since, outage?.backupMinutes],
      ["outage", "2026-07-01T18:01:00.000Z", 190],
    );
    assert.strictEqual(tracker.update(off, t0 + 120_000), null);
    const back = tracker.update(on, t0 + 60_000 + 95 * 60_000);
    assert.deepStrictEqual(
      [back?.event, back?.previousSince, back?.outageMinutes],
      ["grid-back", "2026-07-01T18:01:00.000Z", 95],
    );
    assert.strictEqual(new BackupTracker().update(off, t0)?.event, "outage", "deployed during an outage");
    assert.strictEqual(minutesText(190), "3 h 10 min");
  });
});
