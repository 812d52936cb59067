// LocalAPI (varserver) variables -> the same normalized device list the legacy DeviceList gives. Devices are per-index
// leaves `/sys/devices/<class>/<N>/<field>` (the flat layout of build 61846), or one `/sys/devices/<N>/<class>/data`
// variable holding all of a device's fields as a JSON object (the nested layout of the vendor's build 61840
// documentation, SunStrong-Management/pypvs doc/LocalAPI.md "meter data" and "inverter data"); both are grouped per
// device and keyed by their serial (`sn`), and their camelCase fields are renamed to the legacy names (`p3phsumKw` →
// `p_3phsum_kw`) so that every downstream piece (site energy, checks, split, units) works unchanged. What the varserver
// does not report (STATE, meter subtype, firmware versions of inverters) stays absent: nothing is invented.
import { assess, Device, DeviceList, newDevice, withViews } from "./device";
import {
  classifyLowerCase,
  optionalIdentifier,
  optionalSerial,
  optionalString,
  parseDecimal,
  secretForms,
} from "./fields";
import { cleanIdentifier } from "./identifiers";
import { plausibleKw, plausibleLiveValue, plausiblePct } from "./plausible";
import { emptyStorage, StorageSummary } from "./ess-status";
import { Unknowns } from "./legacy-device-list";
import { maskSerial } from "./redact";
import { isJsonObject, JsonObject, setOwn } from "./safe-object";
import { parseEpochFlexible, parseIsoTime } from "./time";

/** A field's legacy name, and the factor from the varserver's value (fractions → percent). */
type FieldMap = readonly [name: string, factor?: number];

interface VarsClass {
  deviceType: string;
  fields: Readonly<Record<string, FieldMap>>;
}

const POWER = {
  p3phsumKw: ["p_3phsum_kw"],
  freqHz: ["freq_hz"],
  v1nV: ["v1n_v"],
  v2nV: ["v2n_v"],
} as const satisfies Record<string, FieldMap>;

/** The public varserver classes (pypvs' variable list) and how their fields map onto the legacy names. */
export const VARS_CLASSES: Readonly<Record<string, VarsClass>> = {
  inverter: {
    deviceType: "Inverter",
    fields: {
      ...POWER,
      i3phsumA: ["i_3phsum_a"],
      vln3phavgV: ["vln_3phavg_v"],
      ltea3phsumKwh: ["ltea_3phsum_kwh"],
      tHtsnkDegc: ["t_htsnk_degc"],
      pMppt1Kw: ["p_mppt1_kw"],
      vMppt1V: ["v_mppt1_v"],
      iMppt1A: ["i_mppt1_a"],
    },
  },
  meter: {
    deviceType: "Power Meter",
    fields: {
      ...POWER,
      ctSclFctr: ["ct_scl_fctr"],
      q3phsumKvar: ["q_3phsum_kvar"],
      s3phsumKva: ["s_3phsum_kva"],
      totPfRto: ["tot_pf_rto"],
      netLtea3phsumKwh: ["net_ltea_3phsum_kwh"],
      negLtea3phsumKwh: ["neg_ltea_3phsum_kwh"],
      posLtea3phsumKwh: ["pos_ltea_3phsum_kwh"],
      v12V: ["v12_v"],
      i1A: ["i1_a"],
      i2A: ["i2_a"],
      p1Kw: ["p1_kw"],
      p2Kw: ["p2_kw"],
      // The production meter's current: legacy `i_a`.
      i3phsumA: ["i_a"],
      vln3phavgV: ["vln_3phavg_v"],
      ltea3phsumKwh: ["ltea_3phsum_kwh"],
    },
  },
  ess: {
    deviceType: "Energy Storage System",
    fields: {
      ...POWER,
      socVal: ["soc_pct", 100],
      customerSocVal: ["customer_soc_pct", 100],
      sohVal: ["soh_pct", 100],
      negLtea3phsumKwh: ["neg_ltea_3phsum_kwh"],
      posLtea3phsumKwh: ["pos_ltea_3phsum_kwh"],
      vBattV: ["v_batt_v"],
      tInvtrDegc: ["t_invtr_degc"],
      chrgLimitPmaxKw: ["chrg_limit_pmax_kw"],
      dischrgLimPmaxKw: ["dischrg_lim_pmax_kw"],
      maxTBattCellDegc: ["max_t_batt_cell_degc"],
      minTBattCellDegc: ["min_t_batt_cell_degc"],
      maxVBattCellV: ["max_v_batt_cell_v"],
      minVBattCellV: ["min_v_batt_cell_v"],
    },
  },
  // The SunVault's MIDC (microgrid interconnect device): the legacy list's "HUB+".
  transfer_switch: {
    deviceType: "HUB+",
    fields: {
      v1nV: ["v1n_v"],
      v2nV: ["v2n_v"],
      tDegc: ["t_degc"],
      v1nGridV: ["v1n_grid_v"],
      v2nGridV: ["v2n_grid_v"],
      vSpplyV: ["v_spply_v"],
    },
  },
};

/** Identity and timing leaves of every device; text leaves are carried as properties under their own names. */
const IDENTITY = new Set(["sn", "prodMdlNm", "msmtEps"]);
// `vldFldMsk`/`vldFld2Msk` (nested layout): bit masks of which fields are valid, not measurements.
const TEXT_FIELDS = new Set(["opMode", "midStEnum", "pvd1StEnum", "vldFldMsk", "vldFld2Msk"]);

const DEVICE_LEAF = /^\/sys\/devices\/([A-Za-z0-9_]+)\/(\d{1,4})\/([A-Za-z0-9_]+)$/;
const DEVICE_DATA = /^\/sys\/devices\/(\d{1,4})\/([A-Za-z0-9_]+)\/data$/;

/** `tInvtrDegc` → `t_invtr_degc`: the fallback name of a measurement this package has no mapping for. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** The site-level live data of the varserver (`/sys/livedata/`), in our unit-suffixed names. */
export interface LiveData {
  /** `/sys/livedata/time`, ISO-8601 UTC. */
  time: string | null;
  pv_p_kw: number | null;
  pv_en_kwh: number | null;
  /** Grid: positive = import, negative = export. */
  net_p_kw: number | null;
  net_en_kwh: number | null;
  site_load_p_kw: number | null;
  site_load_en_kwh: number | null;
  /** Battery: positive = discharge, negative = charge. */
  ess_p_kw: number | null;
  ess_en_kwh: number | null;
  /** State of charge, percent (the varserver sends a fraction). */
  soc_pct: number | null;
  backup_time_remaining_min: number | null;
  midstate: number | null;
}

const LIVE_FIELDS: ReadonlyArray<readonly [string, Exclude<keyof LiveData, "time">, number]> = [
  ["pv_p", "pv_p_kw", 1],
  ["pv_en", "pv_en_kwh", 1],
  ["net_p", "net_p_kw", 1],
  ["net_en", "net_en_kwh", 1],
  ["site_load_p", "site_load_p_kw", 1],
  ["site_load_en", "site_load_en_kwh", 1],
  ["ess_p", "ess_p_kw", 1],
  ["ess_en", "ess_en_kwh", 1],
  ["soc", "soc_pct", 100],
  ["backupTimeRemaining", "backup_time_remaining_min", 1],
  ["midstate", "midstate", 1],
];

function scaled(value: unknown, factor: number): number | null {
  const n = parseDecimal(value);
  return n === null ? null : factor === 1 ? n : Math.round(n * factor * 1e6) / 1e6;
}

/** A livedata value in its physical range (plausible.ts), else null: a soc of 5000 or a power of 1e308 is none. */
function liveValue(value: unknown, field: string, factor: number): number | null {
  const n = parseDecimal(value);
  const plausible = n === null ? null : plausibleLiveValue(field, n);
  return plausible === null ? null : scaled(plausible, factor);
}

export function normalizeLiveData(vars: JsonObject): LiveData | null {
  const prefix = "/sys/livedata/";
  if (!Object.keys(vars).some((k) => k.startsWith(prefix))) return null;
  const live = { time: parseEpochFlexible(vars[prefix + "time"]) } as LiveData;
  for (const [field, name, factor] of LIVE_FIELDS) live[name] = liveValue(vars[prefix + field], field, factor);
  return live;
}

/** What the LocalAPI answers hold, grouped as this package reads them. */
export interface VarsReading {
  devices: JsonObject;
  live: JsonObject;
  system: JsonObject;
  /** The system group's own time when it was read before the rest (it is read rarely); else the live time. */
  systemTime?: string | null;
}

export interface VarsDeviceList {
  list: DeviceList;
  unknowns: Unknowns;
  storage: StorageSummary | null;
  live: LiveData | null;
}

/**
 * Normalizes a LocalAPI reading. Values arrive as strings ("1.747903", "nan", "0x0b", "PVS6 ");
 * the supervisor's serial is masked as in the legacy list.
 */
export function normalizeVars(reading: VarsReading): VarsDeviceList {
  const unknowns: Unknowns = { deviceTypes: {}, fields: {} };
  const bump = (bag: { [k: string]: number }, key: string) =>
    setOwn(bag, key, (Object.hasOwn(bag, key) ? bag[key] : 0) + 1);
  const groups = deviceGroups(reading.devices);
  const live = normalizeLiveData(reading.live);
  const time = live?.time ?? null;
  const devices: Device[] = [];
  const supervisor = supervisorDevice(reading.system, reading.systemTime !== undefined ? reading.systemTime : time);
  if (supervisor) devices.push(supervisor);
  for (const { cls, leaves } of [...groups.values()].sort(byClassAndIndex)) {
    const known = Object.hasOwn(VARS_CLASSES, cls) ? VARS_CLASSES[cls] : null;
    if (!known) bump(unknowns.deviceTypes, `varserver:${cleanIdentifier(cls)}`);
    const device = varsDevice(cls, known, leaves, (field) =>
      bump(unknowns.fields, `${known?.deviceType ?? cls}.${field}`),
    );
    devices.push(device);
  }
  assess(time, devices, { livePvKw: live?.pv_p_kw });
  const list = withViews(time, devices);
  return { list, unknowns, storage: storageFromVars(list, live), live };
}

interface DeviceGroup {
  cls: string;
  index: number;
  leaves: JsonObject;
}

/**
 * The devices of a reading, from either layout. A nested device whose serial a flat one of its class also
 * has is the same device seen twice: the flat one is kept.
 */
function deviceGroups(vars: JsonObject): DeviceGroup[] {
  const flat = new Map<string, DeviceGroup>();
  const nested: DeviceGroup[] = [];
  for (const [name, value] of Object.entries(vars)) {
    const leaf = DEVICE_LEAF.exec(name);
    if (leaf) {
      const key = `${leaf[1]}/${leaf[2]}`;
      let group = flat.get(key);
      if (!group) flat.set(key, (group = { cls: leaf[1], index: Number(leaf[2]), leaves: {} }));
      setOwn(group.leaves, leaf[3], value);
      continue;
    }
    const data = DEVICE_DATA.exec(name);
    const fields = data ? dataObject(value) : null;
    if (data && fields) nested.push({ cls: data[2], index: Number(data[1]), leaves: fields });
  }
  const groups = [...flat.values()];
  const bySerial = new Map(groups.map((g) => [`${g.cls} ${optionalSerial(g.leaves.sn)}`, g]));
  for (const g of nested) {
    const twin =
      optionalSerial(g.leaves.sn) === null ? undefined : bySerial.get(`${g.cls} ${optionalSerial(g.leaves.sn)}`);
    if (!twin) groups.push(g);
    // The flat leaves win; what only the nested object has (its `vldFldMsk`) is kept, not dropped.
    else
      for (const [field, value] of Object.entries(g.leaves))
        if (!Object.hasOwn(twin.leaves, field)) setOwn(twin.leaves, field, value);
  }
  return groups;
}

/** A nested `data` variable: a JSON object (`fmt=obj` as documented), or the same object as JSON text. */
function dataObject(value: unknown): JsonObject | null {
  if (isJsonObject(value)) return value;
  if (typeof value !== "string" || !value.trimStart().startsWith("{")) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return isJsonObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** The legacy list's order: meters, inverters, then storage and anything else, each by index. */
const CLASS_ORDER = ["meter", "inverter", "ess", "transfer_switch"];

function byClassAndIndex(a: { cls: string; index: number }, b: { cls: string; index: number }): number {
  const rank = (cls: string) => (CLASS_ORDER.includes(cls) ? CLASS_ORDER.indexOf(cls) : CLASS_ORDER.length);
  return rank(a.cls) - rank(b.cls) || (a.cls < b.cls ? -1 : a.cls > b.cls ? 1 : 0) || a.index - b.index;
}

function varsDevice(
  cls: string,
  known: VarsClass | null,
  leaves: JsonObject,
  unknownField: (field: string) => void,
): Device {
  const properties: JsonObject = {};
  const metrics: Device["metrics"] = {};
  for (const [field, value] of Object.entries(leaves)) {
    if (IDENTITY.has(field) || TEXT_FIELDS.has(field)) {
      setOwn(properties, field, typeof value === "string" ? value.trim() : value);
      continue;
    }
    const mapped = known && Object.hasOwn(known.fields, field) ? known.fields[field] : null;
    if (mapped) {
      setOwn(metrics, mapped[0], scaled(value, mapped[1] ?? 1));
      continue;
    }
    if (known) unknownField(field);
    const kind = classifyLowerCase(snakeCase(field), value);
    if ("metric" in kind) setOwn(metrics, snakeCase(field), kind.metric);
    else setOwn(properties, field, kind.property);
  }
  return newDevice({
    serial: optionalSerial(leaves.sn),
    deviceType: known?.deviceType ?? (cleanIdentifier(cls) || "unknown"),
    model: optionalIdentifier(leaves.prodMdlNm),
    state: null,
    dataTime: parseIsoTime(leaves.msmtEps),
    parent: null,
    properties,
    metrics,
  });
}

const INFO = "/sys/info/";

/** Supervisor health: identity from `/sys/info/`, CPU/RAM/flash use, uptime and flash wear. */
export function supervisorDevice(system: JsonObject, time: string | null): Device | null {
  if (Object.keys(system).length === 0) return null;
  const properties: JsonObject = {};
  const metrics: Device["metrics"] = {};
  for (const [name, value] of Object.entries(system)) {
    const short = name.slice(name.lastIndexOf("/") + 1);
    if (name === INFO + "serialnum") continue;
    if (name === INFO + "uptime") setOwn(metrics, "dl_uptime", parseDecimal(value));
    else if (["cpu_usage", "ram_usage", "flash_usage"].includes(short) && name.startsWith(INFO))
      setOwn(metrics, `${short}_pct`, parseDecimal(value));
    else if (name === "/sys/pvs/flashwear_type_b" || name === "/sys/pvs/usb_erase_count") {
      const kind = classifyLowerCase(short, value);
      setOwn(metrics, short, "metric" in kind ? kind.metric : null);
    } else setOwn(properties, short, typeof value === "string" ? value.trim() : value);
  }
  const serial = optionalSerial(system[INFO + "serialnum"]);
  const model = optionalIdentifier(system[INFO + "model"]);
  return newDevice({
    serial: serial === null ? null : maskSerial(serial),
    deviceType: "PVS",
    model: model ? `PV Supervisor ${model}` : null,
    state: null,
    dataTime: time,
    parent: null,
    properties,
    metrics,
  });
}

/** The storage summary from the varserver's ESS devices and live data (null on a site without storage). */
function storageFromVars(list: DeviceList, live: LiveData | null): StorageSummary | null {
  const ess = list.devices.filter((d) => d.deviceType === "Energy Storage System");
  if (ess.length === 0) return null;
  const summary = emptyStorage();
  const first = ess[0];
  summary.operatingMode = optionalString(first.properties.opMode);
  // A charge outside 0-100 % or a power of 1e308 is no reading (plausible.ts): left out of the mean.
  const mean = (name: string, plausible: (v: unknown) => number | null) => {
    const values = ess.map((d) => plausible(d.metrics[name])).filter((v): v is number => v !== null);
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
  };
  summary.customer_soc_pct = mean("customer_soc_pct", plausiblePct);
  summary.system_soc_pct = mean("soc_pct", plausiblePct) ?? live?.soc_pct ?? null;
  summary.power_kw = live?.ess_p_kw ?? mean("p_3phsum_kw", (v) => plausibleKw(v));
  return summary;
}

/** The strings of a LocalAPI reading that must never leave the package unmasked: the serial. */
export function varsSecrets(system: JsonObject): string[] {
  return secretForms(system[INFO + "serialnum"]);
}
