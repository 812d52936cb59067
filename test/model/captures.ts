// The real PVS answers of test/fixtures/corpus (see its PROVENANCE.md), and the model run on them as
// pvs-device-list runs it. Expected figures in the specs are computed from these payloads, never copied
// from the package's output.
import { readFileSync } from "fs";
import path from "path";
import { analyzeDeviceList, DeviceListPayload } from "../../src/model/device-list-output";
import { legacyUnknowns, normalizeDeviceList } from "../../src/model/legacy-device-list";
import { SiteMemory } from "../../src/model/site-memory";
import { normalizeVars, VarsReading } from "../../src/model/localapi-device-list";

export type Vars = Record<string, unknown>;
export type LegacyAnswer = { devices: Array<Record<string, unknown>> } & Record<string, unknown>;

const ROOT = path.join(__dirname, "../fixtures/corpus");

export function capture<T = Vars>(file: string): T {
  return JSON.parse(readFileSync(path.join(ROOT, file), "utf8")) as T;
}

export const KSMOOOVE = "ksmooove__SunPower-Monitoring";

/**
 * The build 61846 capture: meters and inverters (flat leaves), livedata, sw_rev. Every `sn` there is
 * SERIAL_REDACTED (the source's redaction); each is made distinct (`meter-0`, `inverter-12`) so that the
 * devices can be told apart, as PROVENANCE.md allows.
 */
export function ksmooove(): VarsReading {
  const devices: Vars = { ...capture(`${KSMOOOVE}/vars-meter.json`), ...capture(`${KSMOOOVE}/vars-inverter.json`) };
  for (const name of Object.keys(devices))
    if (name.endsWith("/sn")) devices[name] = name.split("/").slice(3, 5).join("-");
  return { devices, live: capture(`${KSMOOOVE}/vars-livedata.json`), system: capture(`${KSMOOOVE}/vars-sw-rev.json`) };
}

export function analyzeVars(memory: SiteMemory, reading: VarsReading): DeviceListPayload {
  const n = normalizeVars(reading);
  return analyzeDeviceList(n.list, {
    memory,
    unknowns: n.unknowns,
    storage: n.storage,
    live: n.live,
    now: 0,
    unitSystem: "pvs",
  });
}

export function analyzeLegacy(memory: SiteMemory, raw: LegacyAnswer): DeviceListPayload {
  const list = normalizeDeviceList(raw);
  return analyzeDeviceList(list, { memory, unknowns: legacyUnknowns(raw), storage: null, now: 0, unitSystem: "pvs" });
}

/** A number the PVS sent as text or as a number. */
export const n = (v: unknown): number => (typeof v === "number" ? v : Number(v));

/** An ISO stamp `s` seconds later. */
export const later = (iso: string, s: number) =>
  new Date(Date.parse(iso) + s * 1000).toISOString().replace(".000Z", "Z");

/** The legacy `YYYY,MM,DD,HH,MM,SS` stamp as epoch ms, and back, `s` seconds later. */
export const legacyMs = (stamp: unknown) => {
  const [y, mo, d, h, mi, se] = String(stamp).split(",").map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, se);
};
export function legacyLater(stamp: unknown, s: number): string {
  const t = new Date(legacyMs(stamp) + s * 1000);
  const p = (x: number) => String(x).padStart(2, "0");
  return `${t.getUTCFullYear()},${p(t.getUTCMonth() + 1)},${p(t.getUTCDate())},${p(t.getUTCHours())},${p(t.getUTCMinutes())},${p(t.getUTCSeconds())}`;
}

/** The same legacy answer `s` seconds later (every CURTIME and DATATIME moved), a new object. */
export function legacyShifted(raw: LegacyAnswer, s: number): LegacyAnswer {
  const out = structuredClone(raw);
  for (const d of out.devices)
    for (const f of ["CURTIME", "DATATIME"]) if (typeof d[f] === "string") d[f] = legacyLater(d[f], s);
  return out;
}

export const isProductionMeter = (d: Record<string, unknown>) =>
  d.DEVICE_TYPE === "Power Meter" && String(d.TYPE).endsWith("-P");
export const isConsumptionMeter = (d: Record<string, unknown>) =>
  d.DEVICE_TYPE === "Power Meter" && String(d.TYPE).endsWith("-C");
