// The complete pvs-device-list payload: one answer's devices, plus what the site memory adds (missing devices,
// checked counters, today's energy, CT evidence), the site figures, the checks and the unit table.
import { Check, counterChecks, identityChecks, missingChecks, unknownChecks } from "./checks";
import { assess, DeviceList, distinctDevices, withViews } from "./device";
import { StorageSummary } from "./ess-status";
import { Unknowns } from "./legacy-device-list";
import { setOwn } from "./safe-object";
import { consumptionCt, ctChecks, deriveSite, energySources, Site } from "./site";
import { DayEnergy, MissingDevice, SiteMemory } from "./site-memory";
import { metricsToSi, scale, siName, Unit, unitOf, unitsFor, UnitSystem } from "./units";
import { LiveData } from "./localapi-device-list";

export interface DeviceListPayload extends DeviceList {
  /** Devices seen in earlier answers that this one lacks (night-time restarts, sunrise), with their held counters. */
  missing: MissingDevice[];
  /** The SunVault summary when the site has storage, else null. */
  storage: StorageSummary | null;
  site: Site;
  /**
   * The LocalAPI's own site totals (`/sys/livedata/`: power, lifetime energy, state of charge); null on the legacy API.
   */
  live: LiveData | null;
  checks: Check[];
  /** "pvs": the PVS's kW/kWh; "si": W/Wh (names change with the unit: `p_3phsum_kw` → `p_3phsum_w`). */
  unitSystem: UnitSystem;
  /** The unit of every metric name used in this payload (devices, site, storage). */
  units: { [name: string]: Unit | null };
}

export interface AnalysisInput {
  memory: SiteMemory;
  unknowns: Unknowns;
  storage: StorageSummary | null;
  live?: LiveData | null;
  /** Used when the answer carries no time of its own. */
  now: number;
  unitSystem: UnitSystem;
}

export function analyzeDeviceList(reported: DeviceList, input: AnalysisInput): DeviceListPayload {
  const { memory } = input;
  const { list, duplicates, withoutSerial } = distinctDevices(reported);
  // A stamp that stopped advancing from poll to poll makes its device stale: judged again with that knowledge.
  const stopped = memory.stoppedStamps(list, input.now);
  if (stopped.size > 0) assess(list.time, list.devices, { stopped, livePvKw: input.live?.pv_p_kw });
  // The interval's energy is split by the CT judgement made before this answer; the output uses the updated one.
  const before = consumptionCt(list, memory.evidence);
  const obs = memory.observe(list, energySources(list, before), input.now);
  const ct = consumptionCt(list, obs.ct);
  const siteNotes: Check[] = [];
  const site = deriveSite(list, memory, obs, ct, input.live ?? null, siteNotes);
  const checks = [
    ...identityChecks(duplicates, withoutSerial),
    ...unknownChecks(input.unknowns),
    ...ctChecks(list, ct, obs.ct),
    ...counterChecks(obs.counterEvents, list.time),
    ...missingChecks(obs.missing),
    ...storageChecks(input.storage),
    ...siteNotes,
  ];
  const payload: DeviceListPayload = {
    ...list,
    missing: obs.missing,
    storage: input.storage,
    site,
    live: input.live ?? null,
    checks,
    unitSystem: "pvs",
    units: {},
  };
  const out = input.unitSystem === "si" ? toSi(payload) : payload;
  out.units = unitsFor(metricNames(out));
  return out;
}

function storageChecks(storage: StorageSummary | null): Check[] {
  if (!storage?.error) return [];
  return [
    {
      code: "STORAGE_STATUS_FAILED",
      level: "warning",
      key: `STORAGE_STATUS_FAILED:${storage.error.code}`,
      message: `The SunVault status report could not be read (${storage.error.message}); the device list is sent without storage measurements.`,
      details: { ...storage.error },
    },
  ];
}

/** Names of the measurements in a summary object: its numbers, and its nulls that stand for a missing measurement. */
const numericKeys = (o: object) =>
  Object.entries(o)
    .filter(([k, v]) => typeof v === "number" || (v === null && unitOf(k) !== null))
    .map(([k]) => k);

function metricNames(p: DeviceListPayload): string[] {
  const names: string[] = [];
  for (const d of p.devices) names.push(...Object.keys(d.metrics));
  for (const m of p.missing) names.push(...Object.keys(m.held));
  names.push(...numericKeys(p.site));
  if (p.live) names.push(...numericKeys(p.live));
  for (const day of [p.site.today, p.site.yesterday]) if (day) names.push(...numericKeys(day));
  if (p.storage) {
    names.push(...numericKeys(p.storage));
    for (const u of p.storage.unmatched) names.push(...Object.keys(u.metrics));
  }
  return names;
}

/** A copy of an object whose numeric fields carry SI base units (`_kw` → `_w`, value × 1000). */
function numbersToSi<T extends object>(o: T): T {
  const out = {} as T;
  for (const [key, value] of Object.entries(o)) {
    if (typeof value === "number" || (value === null && unitOf(key) !== null)) {
      const { name, factor } = siName(key);
      setOwn(out as Record<string, unknown>, name, typeof value === "number" ? scale(value, factor) : value);
    } else {
      setOwn(out as Record<string, unknown>, key, value);
    }
  }
  return out;
}

function dayToSi(day: DayEnergy | null): DayEnergy | null {
  return day ? numbersToSi(day) : null;
}

/** The same payload in W/Wh/var/VA: new objects throughout, views rebuilt on the converted devices. */
export function toSi(p: DeviceListPayload): DeviceListPayload {
  const devices = p.devices.map((d) => ({ ...d, metrics: metricsToSi(d.metrics) }));
  const unavailable: Site["unavailable"] = {};
  for (const [key, reason] of Object.entries(p.site.unavailable)) {
    const dot = key.lastIndexOf(".");
    setOwn(unavailable, key.slice(0, dot + 1) + siName(key.slice(dot + 1)).name, reason);
  }
  const site: Site = {
    ...numbersToSi(p.site),
    today: dayToSi(p.site.today),
    yesterday: dayToSi(p.site.yesterday),
    unavailable,
  };
  const storage = p.storage
    ? {
        ...numbersToSi(p.storage),
        unmatched: p.storage.unmatched.map((u) => ({ ...u, metrics: metricsToSi(u.metrics) })),
      }
    : null;
  const missing = p.missing.map((m) => ({ ...m, held: metricsToSi(m.held) }));
  const live = p.live ? numbersToSi(p.live) : null;
  return { ...withViews(p.time, devices), missing, storage, site, live, checks: p.checks, unitSystem: "si", units: {} };
}
