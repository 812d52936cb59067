// What the consumption meter's CT measures (the grid connection or the house load), from its declared subtype or,
// when that says nothing, from what its readings showed (the evidence the site memory gathers); and the
// installer's checks when the readings contradict the configuration.
import { Device, DeviceList } from "./device";
import { Check } from "./checks";
import { plausibleNumber } from "./plausible";
import { CtEvidence, HIGH_SUN_KW, NEGATIVE_KW } from "./site-memory";

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

/** A meter's field, when it holds a possible value (see plausible.ts). */
const num = (d: Device | null | undefined, field: string) => plausibleNumber(field, d?.metrics[field]);

function declaredSubtype(meter: Device | null): string | null {
  const s = meter?.properties.subtype;
  return typeof s === "string" && s.trim() !== "" ? s.trim().toUpperCase() : null;
}

/** Whether the consumption meter has been seen exporting: negative readings or a growing export counter. */
function exportSeen(ev: CtEvidence): boolean {
  return (
    ev.negative >= NEGATIVE_READINGS ||
    (ev.negFirst !== null && ev.negLast !== null && ev.negLast - ev.negFirst > EXPORT_GROWTH_KWH)
  );
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
  if (exportSeen(ev) || exportedInItsLife || (net ?? 0) < 0)
    return { meter: meter.serial, declared, mode: "net", basis: "inferred" };
  if (neg !== null && net !== null && net > 100 && neg < net * 0.01)
    return { meter: meter.serial, declared, mode: "gross", basis: "inferred" };
  return { meter: meter.serial, declared, mode: null, basis: null };
}

/** The installer's view of the CTs: evidence that a CT is placed or configured differently than the PVS says. */
export function ctChecks(list: DeviceList, ct: ConsumptionCt, ev: CtEvidence): Check[] {
  const checks: Check[] = [];
  const serial = ct.meter ?? "?";
  const kw = (n: number | null) => (n === null ? "?" : `${n.toFixed(2)} kW`);
  if (
    ct.basis === "declared" &&
    ct.mode === "net" &&
    ev.highSun >= HIGH_SUN_READINGS &&
    ev.highSunImporting === ev.highSun &&
    !exportSeen(ev)
  ) {
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
      details: {
        declared: ct.declared,
        readings: ev.highSun,
        lowest_kw: ev.lowestDuringHighSun,
        highestProduction_kw: ev.highestProduction,
        exportCounter_kwh: ev.negLast,
      },
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
        (ct.mode === "net"
          ? "it shows export (negative readings, or an export counter a load-only CT could not have), so it is read as a net (grid) meter."
          : "its export counter stays at zero while its lifetime grows, so it is read as a gross (house-load) meter."),
    });
  }
  if (list.meters.consumption && ct.mode === null) {
    checks.push({
      code: "CT_MODE_UNKNOWN",
      level: "info",
      key: "CT_MODE_UNKNOWN",
      message: `Consumption, grid import and export are not reported yet: ${serial}: ${"subtype " + (ct.declared ?? "none")} does not say what the CT measures and no export has been seen.`,
    });
  }
  return checks;
}
