// The varserver's device leaves and how the firmware prints them. Leaf sets are the vendor's lists
// (SunStrong-Management/pypvs doc/varserver-variables-public-pvs6.csv and -pvs5.csv, test/fixtures/varserver),
// which match the real build 61846 capture (test/fixtures/corpus/ksmooove__SunPower-Monitoring/vars-*.json):
// every device of a class has every leaf of its class, in name order, zeros where the device measures nothing.

/** How a leaf is printed: `float` as C "%f" ("63685.988281"), `int` as "%d", `text` as it is. */
export type LeafKind = "float" | "int" | "text";

/**
 * A float variable as the firmware prints it: a 32-bit float through C "%f" (six decimals, so 63685.99 reads
 * "63685.988281" as in the 61846 capture), "nan" for a value it does not have (livedata `ess_p` on a PV-only unit).
 */
export function cFloat(n: number): string {
  return Number.isFinite(n) ? Math.fround(n).toFixed(6) : "nan";
}

/** An integer variable ("%d"): `ctSclFctr` "50", `tHtsnkDegc` "40" in the 61846 capture. */
export function cInt(n: number): string {
  return Number.isFinite(n) ? String(Math.trunc(n)) : "0";
}

/** A device leaf: its name, kind, and the legacy DeviceList fields it is read from (the first one present). */
export interface Leaf {
  leaf: string;
  kind: LeafKind;
  legacy: readonly string[];
}

const leaf = (name: string, kind: LeafKind, ...legacy: string[]): Leaf => ({ leaf: name, kind, legacy });

/**
 * `/sys/devices/meter/<N>/`: 19 leaves on every meter, production ones included (zeros for the legs and
 * import/export counters it does not measure, as the 61846 capture's production meter shows); no `i3phsumA`.
 */
export const METER_LEAVES: readonly Leaf[] = [
  leaf("ctSclFctr", "int", "ct_scl_fctr"),
  leaf("freqHz", "float", "freq_hz"),
  leaf("i1A", "float", "i1_a"),
  leaf("i2A", "float", "i2_a"),
  leaf("msmtEps", "text", "DATATIME"),
  leaf("negLtea3phsumKwh", "float", "neg_ltea_3phsum_kwh"),
  leaf("netLtea3phsumKwh", "float", "net_ltea_3phsum_kwh"),
  leaf("p1Kw", "float", "p1_kw"),
  leaf("p2Kw", "float", "p2_kw"),
  leaf("p3phsumKw", "float", "p_3phsum_kw"),
  leaf("posLtea3phsumKwh", "float", "pos_ltea_3phsum_kwh"),
  leaf("prodMdlNm", "text", "MODEL"),
  leaf("q3phsumKvar", "float", "q_3phsum_kvar"),
  leaf("s3phsumKva", "float", "s_3phsum_kva"),
  leaf("sn", "text", "SERIAL"),
  leaf("totPfRto", "float", "tot_pf_rto"),
  leaf("v12V", "float", "v12_v"),
  leaf("v1nV", "float", "v1n_v"),
  leaf("v2nV", "float", "v2n_v"),
];

/** `/sys/devices/inverter/<N>/`: 12 leaves; the 2019 field set's `p_mpptsum_kw` is the one MPPT's power. */
export const INVERTER_LEAVES: readonly Leaf[] = [
  leaf("freqHz", "float", "freq_hz"),
  leaf("i3phsumA", "float", "i_3phsum_a"),
  leaf("iMppt1A", "float", "i_mppt1_a"),
  leaf("ltea3phsumKwh", "float", "ltea_3phsum_kwh"),
  leaf("msmtEps", "text", "DATATIME"),
  leaf("p3phsumKw", "float", "p_3phsum_kw"),
  leaf("pMppt1Kw", "float", "p_mppt1_kw", "p_mpptsum_kw"),
  leaf("prodMdlNm", "text", "MODEL"),
  leaf("sn", "text", "SERIAL"),
  leaf("tHtsnkDegc", "int", "t_htsnk_degc"),
  leaf("vMppt1V", "float", "v_mppt1_v"),
  leaf("vln3phavgV", "float", "vln_3phavg_v"),
];

/** Kinds of the ESS and transfer-switch leaves (vendor pvs6 list: `sohVal` int16, the states str, the rest float). */
export const STORAGE_TEXT_LEAVES: ReadonlySet<string> = new Set([
  "sn",
  "prodMdlNm",
  "msmtEps",
  "opMode",
  "midStEnum",
  "pvd1StEnum",
]);
export const STORAGE_INT_LEAVES: ReadonlySet<string> = new Set(["sohVal"]);

/** A leaf value printed for its kind; unreadable numbers become the variable's default, 0. */
export function printLeaf(kind: LeafKind, value: string | number | boolean | undefined): string {
  if (kind === "text") return value === undefined ? "n/a" : String(value);
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  const safe = Number.isFinite(n) ? n : 0;
  return kind === "int" ? cInt(safe) : cFloat(safe);
}

/**
 * What a microinverter shows at night with no AC output, from the vendor's night example (pypvs doc/LocalAPI.md
 * "inverter data", 2025-06-28 03:35Z): counters kept, a little MPPT voltage and current, grid frequency and voltage.
 */
export function nightInverterFields(index: number, lifetimeKwh: number): Record<string, number> {
  const vdc = 13 + ((index * 7) % 6);
  const idc = 0.03 + 0.01 * (index % 2);
  return {
    freq_hz: 60.01,
    i_3phsum_a: 0,
    i_mppt1_a: idc,
    ltea_3phsum_kwh: lifetimeKwh,
    p_3phsum_kw: 0,
    p_mppt1_kw: (vdc * idc) / 1000,
    t_htsnk_degc: 24,
    v_mppt1_v: vdc,
    vln_3phavg_v: 249.5 + ((index * 13) % 7) * 0.05,
  };
}
