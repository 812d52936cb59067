// The legacy dl_cgi answers of the simulated site: DeviceList's supervisor, meter and inverter records in the
// seed's shape (strings for numbers, UTC "YYYY,MM,DD,HH,MM,SS" stamps, UPPERCASE identity fields), Get_Comm and
// supervisor/info. Formats only: the site (site.ts) supplies the numbers.
import type { CtPlacement, NightMode } from "./site";
import { COPROCESSOR_VERSIONS, FirmwareIdentity, firmwareBuild, fwver, hardwareVersion } from "./firmware";

export type LegacyDevice = Record<string, string | number | boolean>;

/** What the records show of the unit: its model, firmware, serial, consumption CT and night habits. */
export interface LegacyProfile extends FirmwareIdentity {
  serial: string;
  consumptionCt: CtPlacement;
  /** The subtype the PVS claims for the consumption meter; null: none reported (old PVS5 meters). */
  subtype: string | null;
  night: NightMode;
}

/** One inverter at one instant: its index, when its data was taken, the sun, its rating and its energy so far. */
export interface InverterReading {
  index: number;
  dataT: number;
  /** Fraction of peak output (0 at night). */
  f: number;
  peakKw: number;
  lifetimeKwh: number;
}

const INVERTER_EFFICIENCY = 0.965;

/** Numbers go out as strings with a few decimals, as the PVS sends them. */
export function num(n: number, decimals: number): string {
  return String(Number(n.toFixed(decimals)));
}

export function floorTo(t: number, ms: number): number {
  return Math.floor(t / ms) * ms;
}

/** The legacy stamp: "YYYY,MM,DD,HH,MM,SS" in UTC. */
export function pvsTime(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, "0");
  const date = `${d.getUTCFullYear()},${p(d.getUTCMonth() + 1)},${p(d.getUTCDate())}`;
  return `${date},${p(d.getUTCHours())},${p(d.getUTCMinutes())},${p(d.getUTCSeconds())}`;
}

export function supervisorDevice(unit: LegacyProfile, t: number, uptimeS: number, cpuLoad: number): LegacyDevice {
  return {
    CURTIME: pvsTime(t),
    DATATIME: pvsTime(floorTo(t, 5 * 60_000)),
    DETAIL: "detail",
    DEVICE_TYPE: "PVS",
    HWVER: hardwareVersion(unit.model, unit.firmware),
    MODEL: `PV Supervisor ${unit.model}`,
    SERIAL: unit.serial,
    STATE: "working",
    STATEDESCR: "Working",
    SWVER: firmwareBuild(unit).swver,
    dl_comm_err: "270",
    dl_cpu_load: num(cpuLoad, 2),
    dl_err_count: "0",
    dl_flash_avail: "86825",
    dl_mem_used: "41320",
    dl_scan_time: "0",
    dl_skipped_scans: "0",
    dl_untransmitted: "57",
    dl_uptime: String(Math.floor(uptimeS)),
    panid: 1234567890,
  };
}

function meterBase(unit: LegacyProfile, kind: "p" | "c", t: number, ct: number): LegacyDevice {
  const serial = `${unit.model}M01234567${kind}`;
  return {
    CAL0: String(ct),
    CURTIME: pvsTime(t),
    DATATIME: pvsTime(floorTo(t, 15_000)),
    DESCR: `Power Meter ${serial}`,
    DEVICE_TYPE: "Power Meter",
    // The meter bus since build 61707 (krbaker/hass-sunpower#81; corpus smcneece__ha-esunpower/dl_cgi.json, 61839).
    ...(unit.firmware === "2024" ? { interface: "mime" } : {}),
    ISDETAIL: true,
    MODEL: `${unit.model}M0400${kind}`,
    OPERATION: "noop",
    PORT: "",
    SERIAL: serial,
    STATE: "working",
    STATEDESCR: "Working",
    SWVER: unit.model === "PVS5" ? "17" : "3000",
    TYPE: kind === "p" ? "PVS5-METER-P" : "PVS5-METER-C",
    ct_scl_fctr: String(ct),
    freq_hz: num(60 + 0.03 * Math.sin(t / 97_000), 4),
    origin: "data_logger",
  };
}

function powerFields(kw: number, pf: number): LegacyDevice {
  const kva = Math.abs(kw / pf);
  const kvar = Math.sign(kw || 1) * Math.sqrt(Math.max(0, kva * kva - kw * kw));
  return {
    p_3phsum_kw: num(kw, 4),
    q_3phsum_kvar: num(kvar, 4),
    s_3phsum_kva: num(kva, 4),
    tot_pf_rto: num(Math.sign(kw || 1) * Math.abs(pf), 4),
  };
}

export function productionMeter(unit: LegacyProfile, t: number, kw: number, kwh: number): LegacyDevice {
  const meter: LegacyDevice = {
    ...meterBase(unit, "p", t, 50),
    ...powerFields(kw, 0.99),
    net_ltea_3phsum_kwh: num(kwh, 2),
  };
  if (unit.firmware === "2024") {
    const v12 = 240 + 2 * Math.sin(t / 300_000);
    Object.assign(meter, {
      i_a: num((Math.abs(kw) * 1000) / v12, 2),
      v12_v: num(v12, 2),
      subtype: "GROSS_PRODUCTION_SITE",
      production_subtype_enum: "GROSS_PRODUCTION_SITE",
    });
  }
  return meter;
}

/**
 * `pos` counts forward, `neg` backward (a gross CT: the house load, and almost nothing back). The 2019 build 4150
 * meter has no subtype and no backward counter, only the net one (test/fixtures/corpus ginoledesma__sunpower-pvs-
 * exporter/notes-DeviceList.json, device_list.json; site.ts declares no subtype there unless asked); clients tell
 * the meter by TYPE PVS5-METER-C and the MODEL's "c".
 */
export function consumptionMeter(unit: LegacyProfile, t: number, kw: number, pos: number, neg: number): LegacyDevice {
  const meter: LegacyDevice = {
    // CT scale 100 on every real consumption meter (builds 4150 and 61839 in test/fixtures/corpus).
    ...meterBase(unit, "c", t, 100),
    ...powerFields(kw, unit.consumptionCt === "gross" ? 0.92 : 0.88),
    net_ltea_3phsum_kwh: num(pos - neg, 2),
  };
  if (unit.firmware !== "2019" || unit.model === "PVS5") meter.neg_ltea_3phsum_kwh = num(neg, 2);
  if (unit.subtype !== null) Object.assign(meter, { subtype: unit.subtype, consumption_subtype_enum: unit.subtype });
  if (unit.firmware === "2024") {
    const v1 = 121 + Math.sin(t / 200_000);
    const v2 = 120.5 + Math.sin(t / 260_000);
    const p1 = kw * 0.55;
    const p2 = kw - p1;
    Object.assign(meter, {
      pos_ltea_3phsum_kwh: num(pos, 2),
      i1_a: num((Math.abs(p1) * 1000) / v1, 2),
      i2_a: num((Math.abs(p2) * 1000) / v2, 2),
      p1_kw: num(p1, 4),
      p2_kw: num(p2, 4),
      v1n_v: num(v1, 2),
      v2n_v: num(v2, 2),
      v12_v: num(v1 + v2, 2),
    });
  }
  return meter;
}

function inverterSerial(unit: LegacyProfile, i: number): string {
  return unit.model === "PVS5" ? String(450051912002100 + i) : `E00${String(122000000001 + i).padStart(12, "0")}`;
}

export function inverterDevice(unit: LegacyProfile, t: number, reading: InverterReading): LegacyDevice {
  const { index: i, dataT, f } = reading;
  const serial = inverterSerial(unit, i);
  const modern = unit.firmware === "2024";
  const identity: LegacyDevice = {
    CURTIME: pvsTime(t),
    DESCR: `Inverter ${serial}`,
    DEVICE_TYPE: "Inverter",
    ISDETAIL: true,
    MODEL: modern ? "AC_Module_Type_H" : "AC_Module_Type_E",
    OPERATION: "noop",
    PORT: "",
    SERIAL: serial,
    STATE: f > 0 ? "working" : "error",
    STATEDESCR: f > 0 ? "Working" : "Error",
    TYPE: "SOLARBRIDGE",
    origin: "data_logger",
  };
  if (f === 0 && unit.night === "no-data") return identity;
  const ac = reading.peakKw * f;
  const dc = ac / INVERTER_EFFICIENCY;
  const vdc = f > 0 ? 52 + 4 * f : 0;
  const vac = 244 + ((i * 13) % 7) * 0.2;
  return {
    ...identity,
    DATATIME: pvsTime(dataT),
    MOD_SN: modern ? "" : `P07M${String(1234567 + i).padStart(8, "0")}`,
    NMPLT_SKU: "",
    SWVER: modern ? "4.40.1" : "118079776",
    // As the real 61839 records have them (test/fixtures/corpus cmalek__sungazer/DeviceList.json).
    ...(modern ? { PANEL: "SPR-A420-G-AC", hw_version: "4405", interface: "mime", module_serial: "", slave: 0 } : {}),
    freq_hz: num(59.99 + 0.02 * Math.sin(dataT / 50_000), 2),
    i_3phsum_a: num((ac * 1000) / vac, 2),
    i_mppt1_a: num(vdc > 0 ? (dc * 1000) / vdc : 0, 2),
    ltea_3phsum_kwh: num(reading.lifetimeKwh, 4),
    p_3phsum_kw: num(ac, 4),
    [modern ? "p_mppt1_kw" : "p_mpptsum_kw"]: num(dc, 4),
    stat_ind: "0",
    t_htsnk_degc: String(Math.round(18 + 24 * f)),
    v_mppt1_v: num(vdc, 2),
    vln_3phavg_v: num(vac, 2),
  };
}

/**
 * supervisor/info (and Start): the supervisor's identity and firmware, in the real answers' key order. PVS5 reports
 * no BUILD (only in SWVER); nor does the 2019 build 4150 (test/fixtures/corpus
 * ginoledesma__sunpower-pvs-exporter/notes-Start.json), which also lacks the coprocessor versions.
 */
export function supervisorInfo(unit: LegacyProfile): Record<string, unknown> {
  const { swver, build } = firmwareBuild(unit);
  const later = unit.model === "PVS6" && (unit.firmware === "2024" || unit.localApi);
  const supervisor = {
    SWVER: swver,
    SERIAL: unit.serial,
    MODEL: unit.model,
    ...(build === null || !later ? {} : { BUILD: build }),
    FWVER: fwver(unit.model),
    ...(later ? COPROCESSOR_VERSIONS : {}),
  };
  return { result: "succeed", supervisor };
}

/** Get_Comm: the wired WAN up, the other interfaces down; `ts` the answer's time in epoch seconds. */
export function commAnswer(now: number): Record<string, unknown> {
  return {
    networkstatus: {
      interfaces: [
        {
          interface: "wan",
          internet: "up",
          ipaddr: "192.168.20.10",
          link: "connected",
          mode: "wan",
          sms: "reachable",
          state: "up",
        },
        {
          interface: "plc",
          internet: "down",
          ipaddr: "",
          link: "disconnected",
          pairing: "unpaired",
          sms: "unreachable",
          speed: 0,
          state: "down",
        },
        {
          interface: "sta0",
          internet: "down",
          ipaddr: "192.168.21.10",
          signal: "-74",
          sms: "unreachable",
          ssid: "Home Network",
          status: "connected",
        },
        {
          interface: "cell",
          internet: "down",
          ipaddr: "",
          is_primary: false,
          link: "disconnected",
          modem: "MODEM_OK",
          provider: "UNKNOWN",
          signal: 0,
          sim: "SIM_READY",
          sms: "unreachable",
          state: "DOWN",
          status: "NOT_REGISTERED",
        },
      ],
      system: { interface: "wan", internet: "up", sms: "reachable" },
      ts: String(Math.floor(now / 1000)),
    },
    result: "succeed",
  };
}
