// Site power and energy, derived from the meters this site actually has and from what the consumption
// meter's CT measures. A value that cannot be known for this site is absent, with the reason in
// `unavailable`; nothing is guessed and DC power never stands in for AC.
import { Device, DeviceList, totalInverterPowerKw } from "./device";
import { Check } from "./checks";
import { counterKey, CtEvidence, DayEnergy, EnergySources, HIGH_SUN_KW, IntervalEnergy, NEGATIVE_KW, Observation, SiteMemory } from "./site-memory";

/** What the consumption CT measures: the grid connection (net, signed) or the house load (gross). */
export type CtMode = "net" | "gross";

export interface ConsumptionCt {
  /** The consumption meter's serial, or null when the site has none. */
  meter: string | null;
  /** The meter's `subtype` as the PVS reports it (NET_CONSUMPTION_LOADSIDE, GROSS_CONSUMPTION_LINESIDE, NOT_USED…). */
  declared: string | null;
  /** How this package reads the meter; null when it cannot tell. */
  mode: CtMode | null;
  /** "declared": from the subtype; "inferred": the subtype says nothing and the readings decided. */
  basis: "declared" | "inferred" | null;
}

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
  /** Where production comes from: the production meter, or the sum of inverter AC output. */
  productionSource: "production meter" | "inverters" | null;
  consumptionCt: ConsumptionCt;
  inverters: { known: number; reporting: number; ok: number; asleep: number; fault: number; missing: number };
  today: DayEnergy | null;
  yesterday: DayEnergy | null;
  /** For every value above that is absent: why it cannot be known for this site. */
  unavailable: { [field: string]: string };
}

const DECLARED_MODES: Readonly<Record<string, CtMode>> = {
  NET_CONSUMPTION_LOADSIDE: "net",
  GROSS_CONSUMPTION_LINESIDE: "gross",
};

/** Readings with high production before "never went negative" says something about the CT. */
const HIGH_SUN_READINGS = 10;
/** Negative readings before "went negative" is evidence of export and not a glitch. */
const NEGATIVE_READINGS = 3;
/** Export counter growth (kWh) that proves the meter sees export. */
const EXPORT_GROWTH_KWH = 0.5;

const round = (n: number) => Math.round(n * 1e4) / 1e4;
const num = (d: Device | null | undefined, field: string) => {
  const v = d?.metrics[field];
  return typeof v === "number" ? v : null;
};

function declaredSubtype(meter: Device | null): string | null {
  const s = meter?.properties.subtype;
  return typeof s === "string" && s.trim() !== "" ? s.trim().toUpperCase() : null;
}

/** Whether the consumption meter has been seen exporting: negative readings or a growing export counter. */
function exportSeen(ev: CtEvidence): boolean {
  return ev.negative >= NEGATIVE_READINGS || (ev.negFirst !== null && ev.negLast !== null && ev.negLast - ev.negFirst > EXPORT_GROWTH_KWH);
}

/** A lifetime export count a load-only CT could never have gathered (kWh, and share of the meter's lifetime). */
const LIFETIME_EXPORT_KWH = 10;

/** Decides how to read the consumption meter: the subtype when it says, else the evidence. */
export function consumptionCt(list: DeviceList, ev: CtEvidence): ConsumptionCt {
  const meter = list.meters.consumption;
  if (!meter) return { meter: null, declared: null, mode: null, basis: null };
  const declared = declaredSubtype(meter);
  const fromSubtype = declared !== null && Object.hasOwn(DECLARED_MODES, declared) ? DECLARED_MODES[declared] : null;
  if (fromSubtype) return { meter: meter.serial, declared, mode: fromSubtype, basis: "declared" };
  // A load-only CT never counts export: its export counter stays near zero while its lifetime grows.
  const neg = num(meter, "neg_ltea_3phsum_kwh");
  const net = num(meter, "net_ltea_3phsum_kwh");
  const exportedInItsLife = neg !== null && neg > LIFETIME_EXPORT_KWH && neg > Math.abs(net ?? 0) * 0.01;
  if (exportSeen(ev) || exportedInItsLife || (net ?? 0) < 0) return { meter: meter.serial, declared, mode: "net", basis: "inferred" };
  if (neg !== null && net !== null && net > 100 && neg < net * 0.01) return { meter: meter.serial, declared, mode: "gross", basis: "inferred" };
  return { meter: meter.serial, declared, mode: null, basis: null };
}

/** The production meter's power, with the noise a meter shows at night (a few watts negative) read as 0. */
function productionMeterKw(meter: Device | null): number | null {
  const p = num(meter, "p_3phsum_kw");
  if (p === null || meter?.stale === true) return null;
  return p < 0 && p > NEGATIVE_KW ? 0 : p;
}

/** Which counters feed the day's energy, for this site's meters and CT. */
export function energySources(list: DeviceList, ct: ConsumptionCt): EnergySources {
  const p = list.meters.production;
  const c = list.meters.consumption;
  const useMeter = p !== null && p.serial !== null && num(p, "net_ltea_3phsum_kwh") !== null;
  return {
    interval(deltas): IntervalEnergy {
      const delta = (d: Device | null, field: string) => (d?.serial ? deltas.get(counterKey(d.serial, field)) : undefined);
      const out: IntervalEnergy = {};
      let production: number | undefined;
      if (useMeter) production = delta(p, "net_ltea_3phsum_kwh") ?? 0;
      else if (list.inverters.length > 0) production = list.inverters.reduce((sum, inv) => sum + (delta(inv, "ltea_3phsum_kwh") ?? 0), 0);
      if (production !== undefined) out.production_kwh = production;
      if (!c || ct.mode === null) return out;
      const net = delta(c, "net_ltea_3phsum_kwh") ?? 0;
      if (ct.mode === "gross") {
        out.consumption_kwh = net;
      } else {
        if (production !== undefined) out.consumption_kwh = production + net;
        if (num(c, "pos_ltea_3phsum_kwh") !== null) out.import_kwh = delta(c, "pos_ltea_3phsum_kwh") ?? 0;
        if (num(c, "neg_ltea_3phsum_kwh") !== null) out.export_kwh = delta(c, "neg_ltea_3phsum_kwh") ?? 0;
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

export function deriveSite(list: DeviceList, memory: SiteMemory, obs: Observation, ct: ConsumptionCt): Site {
  const p = list.meters.production;
  const c = list.meters.consumption;
  const site: Site = {
    productionSource: null,
    consumptionCt: ct,
    inverters: inverterCounts(list, obs),
    today: obs.today,
    yesterday: obs.yesterday,
    unavailable: {},
  };
  const put = (field: keyof Site, value: number | null, reason: string) => {
    if (value === null || !Number.isFinite(value)) site.unavailable[field] = reason;
    else (site as unknown as Record<string, number>)[field] = round(value);
  };

  // Production: the production meter when there is one, else the inverters' AC output.
  const meterKw = productionMeterKw(p);
  const inverterKw = totalInverterPowerKw(list);
  const production = meterKw ?? inverterKw;
  site.productionSource = meterKw !== null ? "production meter" : inverterKw !== null ? "inverters" : null;
  put("production_kw", production, p ? "the production meter's reading is missing or stale" : "no production meter and no inverter reports AC power");
  const meterKwh = p?.serial ? (num(p, "net_ltea_3phsum_kwh") !== null ? memory.lifetime(p.serial, "net_ltea_3phsum_kwh") : null) : null;
  const productionKwh = meterKwh ?? inverterLifetimeKwh(list, memory, obs.missing);
  put("production_kwh", productionKwh, "no production meter lifetime and no inverter lifetime counter");

  // Consumption and grid, per what the consumption CT measures.
  const cKw = c && c.stale !== true ? num(c, "p_3phsum_kw") : null;
  const noMeter = "the site has no consumption meter (CT)";
  const unknownCt = `the consumption meter's subtype (${ct.declared ?? "none"}) does not say whether its CT measures the grid connection or the house load, and its readings do not tell yet`;
  const why = !c ? noMeter : ct.mode === null ? unknownCt : "the consumption meter's reading is missing or stale";
  let consumption: number | null = null;
  let net: number | null = null;
  if (ct.mode === "net" && cKw !== null) {
    net = cKw;
    consumption = production === null ? null : production + cKw;
  } else if (ct.mode === "gross" && cKw !== null) {
    consumption = cKw;
    net = production === null ? null : cKw - production;
  }
  put("consumption_kw", consumption, production === null && cKw !== null ? "production is unknown" : why);
  put("net_kw", net, production === null && cKw !== null ? "production is unknown" : why);
  put("import_kw", net === null ? null : Math.max(0, net), site.unavailable.net_kw ?? why);
  put("export_kw", net === null ? null : Math.max(0, -net), site.unavailable.net_kw ?? why);
  put("self_consumption_kw", production !== null && net !== null ? Math.max(0, production - Math.max(0, -net)) : null, site.unavailable.net_kw ?? site.unavailable.production_kw ?? why);

  const cNet = c?.serial ? memory.lifetime(c.serial, "net_ltea_3phsum_kwh") : null;
  if (ct.mode === "net") {
    put("net_kwh", cNet, "the consumption meter reports no lifetime net energy");
    put("consumption_kwh", cNet !== null && productionKwh !== null ? productionKwh + cNet : null, "needs both the production and the net lifetime energy");
    put("import_kwh", c?.serial && num(c, "pos_ltea_3phsum_kwh") !== null ? memory.lifetime(c.serial, "pos_ltea_3phsum_kwh") : null, "the consumption meter does not report pos_ltea_3phsum_kwh (PVS5 meters and older firmware do not)");
    put("export_kwh", c?.serial && num(c, "neg_ltea_3phsum_kwh") !== null ? memory.lifetime(c.serial, "neg_ltea_3phsum_kwh") : null, "the consumption meter does not report neg_ltea_3phsum_kwh");
  } else if (ct.mode === "gross") {
    put("consumption_kwh", cNet, "the consumption meter reports no lifetime energy");
    put("net_kwh", cNet !== null && productionKwh !== null ? cNet - productionKwh : null, "needs both the consumption and the production lifetime energy");
    const gross = "a gross (house-load) consumption CT does not see the grid, so the PVS has no import or export counters on this site";
    put("import_kwh", null, gross);
    put("export_kwh", null, gross);
  } else {
    for (const f of ["consumption_kwh", "net_kwh", "import_kwh", "export_kwh"] as const) put(f, null, why);
  }
  for (const q of ["production_kwh", "consumption_kwh", "import_kwh", "export_kwh"] as const) {
    if (obs.today && obs.today[q] === undefined) site.unavailable[`today.${q}`] = site.unavailable[q] ?? "not measurable from this site's counters";
  }
  return site;
}

function inverterCounts(list: DeviceList, obs: Observation): Site["inverters"] {
  const missing = obs.missing.filter((m) => m.category === "inverter").length;
  const count = (c: string) => list.inverters.filter((i) => i.condition === c).length;
  return { known: list.inverters.length + missing, reporting: list.inverters.length, ok: count("ok"), asleep: count("asleep"), fault: count("fault"), missing };
}

/** The installer's view of the CTs: evidence that a CT is placed or configured differently than the PVS says. */
export function ctChecks(list: DeviceList, ct: ConsumptionCt, ev: CtEvidence): Check[] {
  const checks: Check[] = [];
  const serial = ct.meter ?? "?";
  const kw = (n: number | null) => (n === null ? "?" : `${n.toFixed(2)} kW`);
  if (ct.basis === "declared" && ct.mode === "net" && ev.highSun >= HIGH_SUN_READINGS && ev.highSunImporting === ev.highSun && !exportSeen(ev)) {
    const neg = ev.negLast === null ? "" : ` and its export counter (neg_ltea_3phsum_kwh) stayed at ${ev.negLast} kWh`;
    checks.push({
      code: "CT_NET_NEVER_EXPORTS",
      level: "warning",
      key: "CT_NET_NEVER_EXPORTS",
      message:
        `The consumption meter ${serial} is configured as ${ct.declared} (a CT on the grid connection, negative when exporting), ` +
        `but in ${ev.highSun} readings with production of ${HIGH_SUN_KW} kW or more (up to ${kw(ev.highestProduction)}) it always imported (never below ${kw(ev.lowestDuringHighSun)})${neg}. ` +
        "Either the CT measures the house load only (gross, line side) or this home never exports. If the panels often out-produce the house, " +
        "the CT placement or the PVS's meter configuration is wrong, and consumption derived from it (here and in the PVS's own figures) counts solar twice.",
      details: { declared: ct.declared, readings: ev.highSun, lowest_kw: ev.lowestDuringHighSun, highestProduction_kw: ev.highestProduction, exportCounter_kwh: ev.negLast },
    });
  }
  if (ct.basis === "declared" && ct.mode === "gross" && ev.negative >= NEGATIVE_READINGS) {
    checks.push({
      code: "CT_GROSS_SEES_EXPORT",
      level: "warning",
      key: "CT_GROSS_SEES_EXPORT",
      message:
        `The consumption meter ${serial} is configured as ${ct.declared} (a CT on the house load, never negative), ` +
        `but it read below ${NEGATIVE_KW} kW ${ev.negative} times (lowest ${kw(ev.lowestConsumptionMeter)}). A load-only CT cannot see export: ` +
        "the CT is probably on the grid connection (net) or installed reversed. Consumption here is still computed as configured; check the CT.",
      details: { declared: ct.declared, negativeReadings: ev.negative, lowest_kw: ev.lowestConsumptionMeter },
    });
  }
  if (ev.productionNegative >= NEGATIVE_READINGS) {
    checks.push({
      code: "CT_PRODUCTION_NEGATIVE",
      level: "warning",
      key: "CT_PRODUCTION_NEGATIVE",
      message:
        `The production meter ${list.meters.production?.serial ?? "?"} read below ${NEGATIVE_KW} kW ${ev.productionNegative} times (lowest ${kw(ev.lowestProductionMeter)}). ` +
        "A production CT reads at most a few watts negative at night; this looks like a CT installed reversed or on the wrong conductor.",
      details: { negativeReadings: ev.productionNegative, lowest_kw: ev.lowestProductionMeter },
    });
  }
  if (list.meters.consumption && ct.basis === "inferred") {
    checks.push({
      code: "CT_MODE_INFERRED",
      level: "info",
      key: `CT_MODE_INFERRED:${ct.mode}`,
      message:
        `The consumption meter ${serial} does not declare what its CT measures (subtype ${ct.declared ?? "none"}); ` +
        (ct.mode === "net" ? "it shows export (negative readings, or an export counter a load-only CT could not have), so it is read as a net (grid) meter." : "its export counter stays at zero while its lifetime grows, so it is read as a gross (house-load) meter."),
    });
  }
  if (list.meters.consumption && ct.mode === null) {
    checks.push({ code: "CT_MODE_UNKNOWN", level: "info", key: "CT_MODE_UNKNOWN", message: `Consumption, grid import and export are not reported yet: ${serial}: ${"subtype " + (ct.declared ?? "none")} does not say what the CT measures and no export has been seen.` });
  }
  return checks;
}
