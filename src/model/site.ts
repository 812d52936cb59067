// Site power and energy, derived from the meters this site actually has and from what the consumption
// meter's CT measures. A value that cannot be known for this site is absent, with the reason in
// `unavailable`; nothing is guessed and DC power never stands in for AC. Figures are never impossible:
// consumption is never negative, and production is not 0 from stale device data while fresher data (the
// LocalAPI's `/sys/livedata/`) or the production meter says otherwise; `source` says which data was used.
import { isPeer } from "./cadence";
import { Device, DeviceList, totalInverterPowerKw } from "./device";
import { Check } from "./checks";
import { LiveData } from "./localapi-device-list";
import { plausibleKw, plausibleNumber } from "./plausible";
import { ConsumptionCt, CtMode } from "./site-ct";
import {
  counterKey,
  DayEnergy,
  EnergySources,
  IntervalEnergy,
  NEGATIVE_KW,
  Observation,
  SiteMemory,
} from "./site-memory";

export { consumptionCt, ctChecks } from "./site-ct";
export type { ConsumptionCt, CtMode } from "./site-ct";

export interface Site {
  production_kw?: number;
  production_kwh?: number;
  consumption_kw?: number;
  consumption_kwh?: number;
  /** Grid power, positive when importing, negative when exporting. */
  net_kw?: number;
  net_kwh?: number;
  import_kw?: number;
  export_kw?: number;
  import_kwh?: number;
  export_kwh?: number;
  /** Production used on site: production minus export. */
  self_consumption_kw?: number;
  /**
   * Where production comes from: the production meter, the sum of inverter AC output, or (LocalAPI, when the
   * device data is stale) `/sys/livedata/pv_p`.
   */
  productionSource: "production meter" | "inverters" | "livedata" | null;
  /** Which data the power figures come from, and when it was measured. */
  source: SiteSource;
  consumptionCt: ConsumptionCt;
  inverters: { known: number; reporting: number; ok: number; asleep: number; fault: number; missing: number };
  today: DayEnergy | null;
  yesterday: DayEnergy | null;
  /** For every value above that is absent: why it cannot be known for this site. */
  unavailable: { [field: string]: string };
}

export interface SiteSource {
  /**
   * "devices": the meters and inverters of this list (at their own stamp); "livedata": the LocalAPI's
   * `/sys/livedata/` (power, grid and site load together), used when the device data is stale.
   */
  power: "devices" | "livedata" | null;
  /** When the figures used were measured, ISO-8601 UTC: the newest device stamp, or `/sys/livedata/time`. */
  time: string | null;
  /** The newest data stamp among the meters and inverters (`DATATIME`, `msmtEps`). */
  devicesTime: string | null;
  /** `/sys/livedata/time` (LocalAPI); null on the legacy API. */
  liveTime: string | null;
  /** How far (s) the device data lags `/sys/livedata/time`: minutes on a real PVS (cadence.ts); null without both. */
  lagS: number | null;
  /** True when a figure comes from device data judged stale because nothing fresher was there. */
  stale: boolean;
}

const round = (n: number) => Math.round(n * 1e4) / 1e4;
/** A device's field, when it holds a possible value (see plausible.ts): 1e308 on a meter is no reading. */
const num = (d: Device | null | undefined, field: string) => plausibleNumber(field, d?.metrics[field]);

/**
 * A meter's import or export counter, unless it is the varserver's placeholder: there every meter has every leaf,
 * "0.000000" where it measures nothing (the 61846 capture's production meter; pypvs doc/varserver-variables-public-
 * pvs5.csv), so a 0 that the net counter contradicts (pos - neg far from net) is no reading.
 */
function counter(d: Device | null | undefined, field: "pos_ltea_3phsum_kwh" | "neg_ltea_3phsum_kwh"): number | null {
  const value = num(d, field);
  if (value !== 0) return value;
  const [pos, neg, net] = ["pos_ltea_3phsum_kwh", "neg_ltea_3phsum_kwh", "net_ltea_3phsum_kwh"].map((f) => num(d, f));
  return pos === null || neg === null || net === null || Math.abs(pos - neg - net) <= 0.1 ? value : null;
}

/** A production power with the noise a meter shows at night (a few watts negative) read as 0. */
const denoised = (p: number | null) => (p !== null && p < 0 && p > NEGATIVE_KW ? 0 : p);

/**
 * Consumption and grid power (or lifetime energy) from production and the consumption meter's reading, as its
 * CT is read: a net CT measures the grid (consumption = production + net), a gross CT the house load
 * (net = consumption − production). The one derivation of pvs-device-list and pvs-live.
 */
export function splitByCt(
  mode: CtMode | null,
  production: number | null,
  meter: number | null,
): { consumption: number | null; net: number | null } {
  if (meter === null || mode === null) return { consumption: null, net: null };
  if (mode === "net") return { net: meter, consumption: production === null ? null : production + meter };
  return { consumption: meter, net: production === null ? null : meter - production };
}

interface ProductionChoice {
  kw: number | null;
  source: Site["productionSource"];
  power: SiteSource["power"];
  stale: boolean;
}

/**
 * Where the production figure comes from: the fresh production meter; on a site without one, the fresh
 * inverters; else the livedata (newer than stale device data); else fresh inverters; else the production
 * meter's last reading (stale, and said so) rather than a 0 it does not show.
 */
function chooseProduction(list: DeviceList, live: LiveData | null): ProductionChoice {
  const p = list.meters.production;
  const meterKw = denoised(num(p, "p_3phsum_kw"));
  const inverterKw = totalInverterPowerKw(list);
  const freshInverters = list.inverters.some((i) => i.stale === false && typeof i.metrics.p_3phsum_kw === "number");
  if (p && p.stale !== true && meterKw !== null)
    return { kw: meterKw, source: "production meter", power: "devices", stale: false };
  if (!p && freshInverters) return { kw: inverterKw, source: "inverters", power: "devices", stale: false };
  const liveKw = denoised(plausibleKw(live?.pv_p_kw ?? null));
  if (liveKw !== null) return { kw: liveKw, source: "livedata", power: "livedata", stale: false };
  if (freshInverters) return { kw: inverterKw, source: "inverters", power: "devices", stale: false };
  if (meterKw !== null) return { kw: meterKw, source: "production meter", power: "devices", stale: true };
  return {
    kw: inverterKw,
    source: inverterKw !== null ? "inverters" : null,
    power: inverterKw !== null ? "devices" : null,
    stale: false,
  };
}

/** The newest stamp of the meters and inverters, ISO-8601 UTC. */
function newestDeviceTime(list: DeviceList): string | null {
  let newest: string | null = null;
  for (const d of list.devices)
    if (isPeer(d) && d.dataTime !== null && (newest === null || d.dataTime > newest)) newest = d.dataTime;
  return newest;
}

/** Which counters feed the day's energy, for this site's meters and CT. */
export function energySources(list: DeviceList, ct: ConsumptionCt): EnergySources {
  const p = list.meters.production;
  const c = list.meters.consumption;
  const useMeter = p !== null && p.serial !== null && num(p, "net_ltea_3phsum_kwh") !== null;
  return {
    interval(deltas): IntervalEnergy {
      const delta = (d: Device | null, field: string) =>
        d?.serial ? deltas.get(counterKey(d.serial, field)) : undefined;
      const out: IntervalEnergy = {};
      let production: number | undefined;
      if (useMeter) production = delta(p, "net_ltea_3phsum_kwh") ?? 0;
      else if (list.inverters.length > 0)
        production = list.inverters.reduce((sum, inv) => sum + (delta(inv, "ltea_3phsum_kwh") ?? 0), 0);
      if (production !== undefined) out.production_kwh = production;
      if (!c || ct.mode === null) return out;
      const net = delta(c, "net_ltea_3phsum_kwh") ?? 0;
      if (ct.mode === "gross") {
        out.consumption_kwh = net;
      } else {
        if (production !== undefined) out.consumption_kwh = production + net;
        if (counter(c, "pos_ltea_3phsum_kwh") !== null) out.import_kwh = delta(c, "pos_ltea_3phsum_kwh") ?? 0;
        if (counter(c, "neg_ltea_3phsum_kwh") !== null) out.export_kwh = delta(c, "neg_ltea_3phsum_kwh") ?? 0;
      }
      return out;
    },
  };
}

/** The inverter lifetime sum, holding the last good value of every inverter that is away or misreads. */
function inverterLifetimeKwh(list: DeviceList, memory: SiteMemory, missing: Observation["missing"]): number | null {
  const serials = new Set<string>();
  for (const inv of list.inverters) if (inv.serial) serials.add(inv.serial);
  for (const m of missing) if (m.category === "inverter") serials.add(m.serial);
  let sum = 0;
  let seen = false;
  for (const serial of serials) {
    const v = memory.lifetime(serial, "ltea_3phsum_kwh");
    if (v !== null) {
      sum += v;
      seen = true;
    }
  }
  return seen ? sum : null;
}

/** Sets a figure (rounded), or says why it is absent; a value that is no possible number is absent too. */
type Put = (field: keyof Site, value: number | null, reason: string) => void;

function putter(site: Site): Put {
  return (field, value, reason) => {
    const rounded = value === null ? NaN : round(value);
    if (!Number.isFinite(rounded)) site.unavailable[field] = reason;
    else (site as unknown as Record<string, number>)[field] = rounded;
  };
}

function siteSource(list: DeviceList, live: LiveData | null, choice: ProductionChoice): SiteSource {
  const devicesTime = newestDeviceTime(list);
  const liveTime = live?.time ?? null;
  return {
    power: choice.power,
    time: choice.power === "livedata" ? liveTime : choice.power === "devices" ? devicesTime : null,
    devicesTime,
    liveTime,
    lagS:
      devicesTime !== null && liveTime !== null
        ? Math.round((Date.parse(liveTime) - Date.parse(devicesTime)) / 1000)
        : null,
    stale: choice.stale,
  };
}

/**
 * The site figures of one answer. `live`: the LocalAPI's `/sys/livedata/` of the same reading; `checks`
 * receives what the figures had to correct (consumption that came out negative).
 */
export function deriveSite(
  list: DeviceList,
  memory: SiteMemory,
  obs: Observation,
  ct: ConsumptionCt,
  live: LiveData | null = null,
  checks: Check[] = [],
): Site {
  const choice = chooseProduction(list, live);
  const site: Site = {
    productionSource: choice.source,
    source: siteSource(list, live, choice),
    consumptionCt: ct,
    inverters: inverterCounts(list, obs),
    today: obs.today,
    yesterday: obs.yesterday,
    unavailable: {},
  };
  const put = putter(site);
  // Production: the production meter when there is one, else the inverters' AC output (see chooseProduction).
  const p = list.meters.production;
  put(
    "production_kw",
    choice.kw,
    p
      ? "the production meter's reading is missing, stale or impossible"
      : "no production meter and no inverter reports AC power",
  );
  const meterKwh =
    p?.serial && num(p, "net_ltea_3phsum_kwh") !== null ? memory.lifetime(p.serial, "net_ltea_3phsum_kwh") : null;
  const productionKwh = meterKwh ?? inverterLifetimeKwh(list, memory, obs.missing);
  put("production_kwh", productionKwh, "no production meter lifetime and no inverter lifetime counter");
  const why = powerFigures(site, put, { list, ct, choice, live, checks });
  energyFigures(put, list, memory, ct, productionKwh, why);
  for (const q of ["production_kwh", "consumption_kwh", "import_kwh", "export_kwh"] as const) {
    if (obs.today && obs.today[q] === undefined)
      site.unavailable[`today.${q}`] = site.unavailable[q] ?? "not measurable from this site's counters";
  }
  return site;
}

interface PowerInputs {
  list: DeviceList;
  ct: ConsumptionCt;
  choice: ProductionChoice;
  live: LiveData | null;
  checks: Check[];
}

/** Consumption and grid power, per what the consumption CT measures; returns why they would be unknown. */
function powerFigures(site: Site, put: Put, { list, ct, choice, live, checks }: PowerInputs): string {
  const c = list.meters.consumption;
  const production = choice.kw;
  const cKw = c && c.stale !== true ? num(c, "p_3phsum_kw") : null;
  const noMeter = "the site has no consumption meter (CT)";
  const unknownCt = `the consumption meter's subtype (${ct.declared ?? "none"}) does not say whether its CT measures the grid connection or the house load, and its readings do not tell yet`;
  const fromLive = choice.power === "livedata" && c !== null;
  const why = !c
    ? noMeter
    : fromLive
      ? "the livedata does not report it"
      : ct.mode === null
        ? unknownCt
        : "the consumption meter's reading is missing, stale or impossible";
  // From the livedata, grid and site load come with the production of the same moment: the PVS's own figures.
  const split = fromLive
    ? { consumption: plausibleKw(live?.site_load_p_kw ?? null), net: plausibleKw(live?.net_p_kw ?? null) }
    : splitByCt(ct.mode, production, cKw);
  let consumption = split.consumption;
  const net = split.net;
  if (consumption !== null && consumption < 0) {
    // Production and grid of different moments (or a CT reading a little off): a house never feeds the grid.
    if (consumption < NEGATIVE_KW) checks.push(negativeConsumptionCheck(consumption, site.productionSource));
    consumption = 0;
  }
  put("consumption_kw", consumption, production === null && (cKw !== null || fromLive) ? "production is unknown" : why);
  put("net_kw", net, production === null && cKw !== null ? "production is unknown" : why);
  put("import_kw", net === null ? null : Math.max(0, net), site.unavailable.net_kw ?? why);
  put("export_kw", net === null ? null : Math.max(0, -net), site.unavailable.net_kw ?? why);
  put(
    "self_consumption_kw",
    production !== null && net !== null ? Math.max(0, production - Math.max(0, -net)) : null,
    site.unavailable.net_kw ?? site.unavailable.production_kw ?? why,
  );
  return why;
}

/** The lifetime energies, per what the consumption CT measures. */
function energyFigures(
  put: Put,
  list: DeviceList,
  memory: SiteMemory,
  ct: ConsumptionCt,
  productionKwh: number | null,
  why: string,
): void {
  const c = list.meters.consumption;
  const cNet = c?.serial ? memory.lifetime(c.serial, "net_ltea_3phsum_kwh") : null;
  const energy = splitByCt(ct.mode, productionKwh, cNet);
  const negative = "the lifetime counters disagree: production plus net energy is below zero";
  if (ct.mode === "net") {
    put("net_kwh", energy.net, "the consumption meter reports no lifetime net energy");
    put(
      "consumption_kwh",
      energy.consumption !== null && energy.consumption < 0 ? null : energy.consumption,
      energy.consumption !== null ? negative : "needs both the production and the net lifetime energy",
    );
    put(
      "import_kwh",
      c?.serial && counter(c, "pos_ltea_3phsum_kwh") !== null ? memory.lifetime(c.serial, "pos_ltea_3phsum_kwh") : null,
      "the consumption meter does not report pos_ltea_3phsum_kwh (PVS5 meters and older firmware do not)",
    );
    put(
      "export_kwh",
      c?.serial && counter(c, "neg_ltea_3phsum_kwh") !== null ? memory.lifetime(c.serial, "neg_ltea_3phsum_kwh") : null,
      "the consumption meter does not report neg_ltea_3phsum_kwh",
    );
  } else if (ct.mode === "gross") {
    put("consumption_kwh", energy.consumption, "the consumption meter reports no lifetime energy");
    put("net_kwh", energy.net, "needs both the consumption and the production lifetime energy");
    const gross =
      "a gross (house-load) consumption CT does not see the grid, so the PVS has no import or export counters on this site";
    put("import_kwh", null, gross);
    put("export_kwh", null, gross);
  } else {
    for (const f of ["consumption_kwh", "net_kwh", "import_kwh", "export_kwh"] as const) put(f, null, why);
  }
}

function negativeConsumptionCheck(kw: number, productionSource: Site["productionSource"]): Check {
  return {
    code: "SITE_CONSUMPTION_NEGATIVE",
    level: "info",
    key: "SITE_CONSUMPTION_NEGATIVE",
    message:
      `Consumption came out at ${kw.toFixed(2)} kW from production (${productionSource ?? "unknown"}) and the consumption meter; it is reported as 0. ` +
      "Production and the grid reading are of different moments, or part of the production is not reported (stale inverters).",
    details: { consumption_kw: Math.round(kw * 1e4) / 1e4, productionSource },
  };
}

function inverterCounts(list: DeviceList, obs: Observation): Site["inverters"] {
  const missing = obs.missing.filter((m) => m.category === "inverter").length;
  const count = (c: string) => list.inverters.filter((i) => i.condition === c).length;
  return {
    known: list.inverters.length + missing,
    reporting: list.inverters.length,
    ok: count("ok"),
    asleep: count("asleep"),
    fault: count("fault"),
    missing,
  };
}
