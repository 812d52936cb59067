// A simulated PV site behind the emulated PVS: a supervisor, a production and a consumption meter, and
// N microinverters whose power follows the sun. Pure and deterministic for a given clock.
// Deliberately shares no code with src/pvs or src/model, so that a bug there cannot hide here.

/** What the site's consumption CT physically measures: the grid connection, the house load, or nothing. */
export type CtPlacement = "net" | "gross" | "none";

/** What inverters look like at night on the firmware being emulated. */
export type NightMode = "frozen" | "no-data" | "absent";

export interface SiteOptions {
  inverters: number;
  /** Degrees east; sets local solar time (default -117, southern California). */
  longitude: number;
  /** The supervisor serial; its last 5 characters would be the LocalAPI password on a real unit. */
  serial: string;
  now: () => number;
  /** PVS5 meters lack per-leg fields, subtypes and the import counter; PVS6 on "2024" firmware has them all. */
  model?: "PVS6" | "PVS5";
  /** PVS6 firmware era: "2019" is the seed's field set (p_mpptsum_kw, no per-leg meter fields). */
  firmware?: "2019" | "2024";
  consumptionCt?: CtPlacement;
  /** The subtype the PVS claims for the consumption meter; by default the one matching the CT. */
  declaredSubtype?: string | null;
  /** A SunVault: HUB+, ESS, BMS, batteries, storage inverter, gateway, PV disconnect, and the ESS report. */
  storage?: boolean;
  night?: NightMode;
  /** New firmware (2025+): LocalAPI builds in every version string. Mutable later through `localApi`. */
  localApi?: boolean;
}

const HOUR_MS = 3_600_000;
const STEP_MS = 60_000;
const INVERTER_PEAK_KW = 0.36;
const INVERTER_EFFICIENCY = 0.965;

/** Fraction of peak output at epoch ms `t` (0 at night). */
export function sunFactor(t: number, longitude: number): number {
  const { hour, sunrise, dayLength } = solarClock(t, longitude);
  if (hour <= sunrise || hour >= sunrise + dayLength) return 0;
  const shape = Math.sin((Math.PI * (hour - sunrise)) / dayLength) ** 1.2;
  const haze = 1 - 0.04 * (1 + Math.sin(t / 900_000)); // slow, smooth variation so charts move
  return shape * haze;
}

function solarClock(t: number, longitude: number): { hour: number; sunrise: number; dayLength: number } {
  const d = new Date(t);
  const dayOfYear = Math.floor((t - Date.UTC(d.getUTCFullYear(), 0, 1)) / (24 * HOUR_MS));
  const dayLength = 12 + 2 * Math.sin((2 * Math.PI * (dayOfYear - 80)) / 365);
  const utcHour = d.getUTCHours() + d.getUTCMinutes() / 60 + d.getUTCSeconds() / 3600;
  const hour = (((utcHour + longitude / 15) % 24) + 24) % 24;
  return { hour, sunrise: 12 - dayLength / 2, dayLength };
}

/** Epoch ms of the most recent sunset before `t` (when inverters froze their data). */
function lastSunset(t: number, longitude: number): number {
  const { hour, sunrise, dayLength } = solarClock(t, longitude);
  const sunset = sunrise + dayLength;
  const hoursSince = hour >= sunset ? hour - sunset : hour + 24 - sunset;
  return t - hoursSince * HOUR_MS;
}

/** The household load's slow wave: 0.1 kW × sin(t / LOAD_WAVE_MS), so that charts and live values move. */
export const LOAD_WAVE_MS = 420_000;

/** Household load in kW: a base load, a morning and an evening peak. */
function loadKw(t: number, longitude: number): number {
  const { hour } = solarClock(t, longitude);
  const bump = (center: number, width: number, height: number) => height * Math.exp(-(((hour - center) / width) ** 2));
  return 0.45 + bump(7.5, 1.2, 0.9) + bump(19, 2, 1.6) + 0.1 * Math.sin(t / LOAD_WAVE_MS);
}

function pvsTime(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()},${p(d.getUTCMonth() + 1)},${p(d.getUTCDate())},${p(d.getUTCHours())},${p(d.getUTCMinutes())},${p(d.getUTCSeconds())}`;
}

function floorTo(t: number, ms: number): number {
  return Math.floor(t / ms) * ms;
}

/** Numbers go out as strings with a few decimals, as the PVS sends them. */
export function num(n: number, decimals: number): string {
  return String(Number(n.toFixed(decimals)));
}

export type LegacyDevice = Record<string, string | number | boolean>;

const BATTERY_KWH = 13;
const BATTERY_MAX_KW = 6.8;
const BATTERY_RESERVE = 0.2;

/** SunVault part serials (the varserver's ESS and transfer switch reuse them). */
export const STORAGE = {
  hub: "SY2108850-005505.00448",
  mio: "SY2121534552D1805",
  ess: "00001ABC1234_M00122109A0355_M00122109A0356",
  bms: "BC123400678933751040",
  batteries: ["M00122109A0355", "M00122109A0356"],
  inverter: "00001ABC1234",
  gateway: "GW0123456789",
  disconnect: "SY01234567890ABCDEF",
} as const;

/** Lifetime-counter offsets, so a fresh emulator does not look like a brand-new site. */
const PRODUCTION_KWH0 = 1200;
const IMPORT_KWH0 = 2600;
const EXPORT_KWH0 = 2750;
const LOAD_KWH0 = 3200;
const CHARGED_KWH0 = 5400;
const DISCHARGED_KWH0 = 5000;

/** A firmware's version strings: legacy SWVER, supervisor/info BUILD (PVS6 only) and varserver sw_rev. */
interface Build {
  swver: string;
  build: number | null;
  swRev: string;
}

/** The battery as the varserver shows it; power positive = discharging, fractions 0-1. */
export interface BatteryState {
  soc: number;
  customerSoc: number;
  kw: number;
  chargedKwh: number;
  dischargedKwh: number;
  voltage: number;
  /** Average cell temperature, as the ESS report's battery temperature. */
  cellTempC: number;
  chargeLimitKw: number;
  dischargeLimitKw: number;
  /** Minutes the usable charge would carry the current house load. */
  backupMinutes: number;
}

/** One instant of the site, for the LocalAPI: the legacy device list and the site totals behind it. */
export interface SiteSnapshot {
  t: number;
  devices: LegacyDevice[];
  /** Production meter power and lifetime energy (the production meter's own numbers). */
  pvKw: number;
  pvKwh: number;
  /** Grid power (+import/−export) and net lifetime energy (import − export). */
  gridKw: number;
  gridKwh: number;
  loadKw: number;
  uptimeS: number;
  /** A load average, as dl_cpu_load. */
  cpuLoad: number;
  battery: BatteryState | null;
}

export class SimulatedSite {
  private readonly startedAt: number;
  private lastT: number;
  /** Integral of sunFactor, in peak-hours since start. */
  private sunHours = 0;
  private productionKwh = 0;
  private loadKwh = 0;
  private importKwh = 0;
  private exportKwh = 0;
  private soc = 0.6;
  private batteryKw = 0;
  private chargedKwh = 0;
  private dischargedKwh = 0;
  private readonly modelName: "PVS6" | "PVS5";
  private readonly firmware: "2019" | "2024";
  private readonly ct: CtPlacement;
  private readonly subtype: string | null;
  private readonly night: NightMode;
  readonly storage: boolean;
  /** New firmware: changes the build numbers (a firmware update flips it). */
  localApi: boolean;
  /** A load switched on by a flow (an EV charger, a pool pump), in kW on top of the household's. */
  extraLoadKw = 0;

  constructor(private readonly options: SiteOptions) {
    this.startedAt = options.now();
    this.lastT = this.startedAt;
    this.modelName = options.model ?? "PVS6";
    this.firmware = this.model === "PVS5" ? "2019" : (options.firmware ?? "2024");
    this.ct = options.consumptionCt ?? "net";
    const matching = this.ct === "gross" ? "GROSS_CONSUMPTION_LINESIDE" : "NET_CONSUMPTION_LOADSIDE";
    // Old PVS5 meters report no subtype at all.
    this.subtype =
      options.declaredSubtype !== undefined ? options.declaredSubtype : this.model === "PVS5" ? null : matching;
    this.night = options.night ?? "frozen";
    this.storage = options.storage === true;
    this.localApi = options.localApi === true;
  }

  get model(): "PVS6" | "PVS5" {
    return this.modelName;
  }

  get serial(): string {
    return this.options.serial;
  }

  get inverterCount(): number {
    return this.options.inverters;
  }

  /** Rated AC peak of inverter i; a little spread between panels, as on a real roof. */
  inverterPeakKw(i: number): number {
    return INVERTER_PEAK_KW * (0.94 + 0.06 * (((i * 37) % 10) / 10));
  }

  private sitePeakKw(): number {
    let sum = 0;
    for (let i = 0; i < this.options.inverters; i++) sum += this.inverterPeakKw(i);
    return sum;
  }

  /** Battery power for a surplus (kW, positive = charging): self-consumption mode, within SOC limits. */
  private batteryFor(surplusKw: number): number {
    if (!this.storage) return 0;
    if (surplusKw > 0) return this.soc >= 1 ? 0 : Math.min(surplusKw, BATTERY_MAX_KW);
    return this.soc <= BATTERY_RESERVE ? 0 : Math.max(surplusKw, -BATTERY_MAX_KW);
  }

  /** Advances the energy counters to the current time. */
  private advance(): number {
    const now = this.options.now();
    if (now <= this.lastT) return this.lastT;
    const peak = this.sitePeakKw();
    // Long gaps are integrated coarsely (at most ~2,000 steps) so a stale emulator answers at once.
    const step = Math.max(STEP_MS, (now - this.lastT) / 2000);
    for (let t = this.lastT; t < now; t += step) {
      const dt = Math.min(step, now - t);
      const mid = t + dt / 2;
      const f = sunFactor(mid, this.options.longitude);
      const hours = dt / HOUR_MS;
      this.sunHours += f * hours;
      const production = peak * f;
      const load = loadKw(mid, this.options.longitude) + this.extraLoadKw;
      this.productionKwh += production * hours;
      this.loadKwh += load * hours;
      const battery = this.batteryFor(production - load);
      this.soc = Math.min(1, Math.max(0, this.soc + (battery * hours) / BATTERY_KWH));
      this.batteryKw = battery;
      if (battery > 0) this.chargedKwh += battery * hours;
      else this.dischargedKwh -= battery * hours;
      const net = load - production + battery;
      if (net >= 0) this.importKwh += net * hours;
      else this.exportKwh += -net * hours;
    }
    this.lastT = now;
    return now;
  }

  /** Production, load and battery power (kW, battery positive = charging) at `t`. */
  private powersAt(t: number): { f: number; production: number; load: number; battery: number } {
    const f = sunFactor(t, this.options.longitude);
    const production = this.sitePeakKw() * f;
    const load = loadKw(t, this.options.longitude) + this.extraLoadKw;
    return { f, production, load, battery: this.batteryFor(production - load) };
  }

  deviceList(): { devices: LegacyDevice[]; result: string } {
    return this.deviceListAt(this.advance());
  }

  /** The device list and the site totals at one instant, so both APIs can show the same site. */
  snapshot(): SiteSnapshot {
    const t = this.advance();
    const { devices } = this.deviceListAt(t);
    const { production, load, battery } = this.powersAt(t);
    return {
      t,
      devices,
      pvKw: production * 0.995,
      pvKwh: this.productionMeterKwh(),
      gridKw: load - production + battery,
      gridKwh: this.importKwh + IMPORT_KWH0 - (this.exportKwh + EXPORT_KWH0),
      loadKw: load,
      uptimeS: this.uptimeS(t),
      cpuLoad: this.cpuLoad(t),
      battery: this.storage ? this.batteryState(battery, load) : null,
    };
  }

  private batteryState(chargingKw: number, load: number): BatteryState {
    const usable = Math.max(0, this.soc - BATTERY_RESERVE);
    return {
      soc: this.soc,
      customerSoc: usable / (1 - BATTERY_RESERVE),
      kw: -chargingKw,
      chargedKwh: this.chargedKwh + CHARGED_KWH0,
      dischargedKwh: this.dischargedKwh + DISCHARGED_KWH0,
      voltage: 51 + 4 * this.soc,
      cellTempC: 24 + (3 * Math.abs(chargingKw)) / BATTERY_MAX_KW,
      chargeLimitKw: this.soc >= 1 ? 0 : BATTERY_MAX_KW,
      dischargeLimitKw: this.soc <= BATTERY_RESERVE ? 0 : BATTERY_MAX_KW,
      backupMinutes: Math.floor(((usable * BATTERY_KWH) / Math.max(load, 0.1)) * 60),
    };
  }

  private productionMeterKwh(): number {
    return this.productionKwh * 0.995 + PRODUCTION_KWH0;
  }

  private uptimeS(t: number): number {
    return (t - this.startedAt) / 1000 + 2181;
  }

  private cpuLoad(t: number): number {
    return 0.45 + 0.2 * Math.abs(Math.sin(t / 600_000));
  }

  private deviceListAt(t: number): { devices: LegacyDevice[]; result: string } {
    const lon = this.options.longitude;
    const curtime = pvsTime(t);
    const { f, production, load, battery } = this.powersAt(t);
    const devices: LegacyDevice[] = [this.supervisor(t, curtime)];
    devices.push(this.productionMeter(curtime, t, production * 0.995));
    if (this.ct !== "none")
      devices.push(this.consumptionMeter(curtime, t, this.ct === "gross" ? load : load - production + battery));
    const night = f === 0;
    if (!(night && this.night === "absent")) {
      const dataT = night ? lastSunset(t, lon) : floorTo(t, 15_000);
      for (let i = 0; i < this.options.inverters; i++) devices.push(this.inverter(i, curtime, dataT, night ? 0 : f));
    }
    if (this.storage) devices.push(...this.storageDevices(curtime, t));
    return { devices, result: "succeed" };
  }

  private supervisor(t: number, curtime: string): LegacyDevice {
    const uptime = Math.floor(this.uptimeS(t));
    return {
      CURTIME: curtime,
      DATATIME: pvsTime(floorTo(t, 5 * 60_000)),
      DETAIL: "detail",
      DEVICE_TYPE: "PVS",
      HWVER: this.hardwareVersion,
      MODEL: `PV Supervisor ${this.model}`,
      SERIAL: this.options.serial,
      STATE: "working",
      STATEDESCR: "Working",
      SWVER: this.swver(),
      dl_comm_err: "270",
      dl_cpu_load: num(this.cpuLoad(t), 2),
      dl_err_count: "0",
      dl_flash_avail: "86825",
      dl_mem_used: "41320",
      dl_scan_time: "0",
      dl_skipped_scans: "0",
      dl_untransmitted: "57",
      dl_uptime: String(uptime),
      panid: 1234567890,
    };
  }

  private build(): Build {
    if (this.localApi)
      return this.model === "PVS5"
        ? { swver: "2025.11, Build 5412", build: null, swRev: "0.0.25.5412" }
        : { swver: "2025.10, Build 61846", build: 61846, swRev: "2025.10.07.61846" };
    if (this.model === "PVS5") return { swver: "2022.3, Build 5206", build: null, swRev: "0.0.22.5206" };
    return this.firmware === "2019"
      ? { swver: "2019.5, Build 4150", build: 4150, swRev: "2019.05.08.4150" }
      : { swver: "2024.6, Build 61707", build: 61707, swRev: "2024.06.18.61707" };
  }

  private swver(): string {
    return this.build().swver;
  }

  /** The varserver's `/sys/info/sw_rev` ("2025.10.07.61846"; PVS5 "0.0.25.5412"). */
  get swRev(): string {
    return this.build().swRev;
  }

  /** HWVER of the supervisor; FWVER of supervisor/info. */
  get hardwareVersion(): string {
    return this.model === "PVS5" ? "5.2" : "6.0";
  }

  get fwver(): string {
    return this.model === "PVS5" ? "0.0.0" : "1.0.0";
  }

  private meterBase(kind: "p" | "c", curtime: string, t: number, ct: number): LegacyDevice {
    const serial = `${this.model}M01234567${kind}`;
    return {
      CAL0: String(ct),
      CURTIME: curtime,
      DATATIME: pvsTime(floorTo(t, 15_000)),
      DESCR: `Power Meter ${serial}`,
      DEVICE_TYPE: "Power Meter",
      ISDETAIL: true,
      MODEL: `${this.model}M0400${kind}`,
      OPERATION: "noop",
      PORT: "",
      SERIAL: serial,
      STATE: "working",
      STATEDESCR: "Working",
      SWVER: this.model === "PVS5" ? "17" : "3000",
      TYPE: kind === "p" ? "PVS5-METER-P" : "PVS5-METER-C",
      ct_scl_fctr: String(ct),
      freq_hz: num(60 + 0.03 * Math.sin(t / 97_000), 4),
      origin: "data_logger",
    };
  }

  private powerFields(kw: number, pf: number): LegacyDevice {
    const kva = Math.abs(kw / pf);
    const kvar = Math.sign(kw || 1) * Math.sqrt(Math.max(0, kva * kva - kw * kw));
    return {
      p_3phsum_kw: num(kw, 4),
      q_3phsum_kvar: num(kvar, 4),
      s_3phsum_kva: num(kva, 4),
      tot_pf_rto: num(Math.sign(kw || 1) * Math.abs(pf), 4),
    };
  }

  private productionMeter(curtime: string, t: number, kw: number): LegacyDevice {
    const meter: LegacyDevice = {
      ...this.meterBase("p", curtime, t, 50),
      ...this.powerFields(kw, 0.99),
      net_ltea_3phsum_kwh: num(this.productionMeterKwh(), 2),
    };
    if (this.firmware === "2024") {
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

  private consumptionMeter(curtime: string, t: number, kw: number): LegacyDevice {
    const ct = 200;
    const base = this.meterBase("c", curtime, t, ct);
    // A gross CT counts the house load forward; a net CT counts import forward and export backward.
    const pos = this.ct === "gross" ? this.loadKwh + LOAD_KWH0 : this.importKwh + IMPORT_KWH0;
    const neg = this.ct === "gross" ? 0.03 : this.exportKwh + EXPORT_KWH0;
    const meter: LegacyDevice = {
      ...base,
      ...this.powerFields(kw, this.ct === "gross" ? 0.92 : 0.88),
      net_ltea_3phsum_kwh: num(pos - neg, 2),
      neg_ltea_3phsum_kwh: num(neg, 2),
    };
    if (this.subtype !== null) Object.assign(meter, { subtype: this.subtype, consumption_subtype_enum: this.subtype });
    if (this.firmware === "2024") {
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

  private inverterSerial(i: number): string {
    return this.model === "PVS5" ? String(450051912002100 + i) : `E00${String(122000000001 + i).padStart(12, "0")}`;
  }

  private inverter(i: number, curtime: string, dataT: number, f: number): LegacyDevice {
    const serial = this.inverterSerial(i);
    const identity: LegacyDevice = {
      CURTIME: curtime,
      DESCR: `Inverter ${serial}`,
      DEVICE_TYPE: "Inverter",
      ISDETAIL: true,
      MODEL: this.firmware === "2024" ? "AC_Module_Type_H" : "AC_Module_Type_E",
      OPERATION: "noop",
      PORT: "",
      SERIAL: serial,
      STATE: f > 0 ? "working" : "error",
      STATEDESCR: f > 0 ? "Working" : "Error",
      TYPE: "SOLARBRIDGE",
      origin: "data_logger",
    };
    if (f === 0 && this.night === "no-data") return identity;
    const ac = this.inverterPeakKw(i) * f;
    const dc = ac / INVERTER_EFFICIENCY;
    const vdc = f > 0 ? 52 + 4 * f : 0;
    const vac = 244 + ((i * 13) % 7) * 0.2;
    const lifetime = 1500 + i * 3.7 + this.inverterPeakKw(i) * this.sunHours;
    const modern = this.firmware === "2024";
    return {
      ...identity,
      DATATIME: pvsTime(dataT),
      MOD_SN: modern ? "" : `P07M${String(1234567 + i).padStart(8, "0")}`,
      NMPLT_SKU: "",
      SWVER: modern ? "4.40.1" : "118079776",
      ...(modern ? { PANEL: "SPR-A420-G-AC", hw_version: "4405", interface: "mime", module_serial: "" } : {}),
      freq_hz: num(59.99 + 0.02 * Math.sin(dataT / 50_000), 2),
      i_3phsum_a: num((ac * 1000) / vac, 2),
      i_mppt1_a: num(vdc > 0 ? (dc * 1000) / vdc : 0, 2),
      ltea_3phsum_kwh: num(lifetime, 4),
      p_3phsum_kw: num(ac, 4),
      [modern ? "p_mppt1_kw" : "p_mpptsum_kw"]: num(dc, 4),
      stat_ind: "0",
      t_htsnk_degc: String(Math.round(18 + 24 * f)),
      v_mppt1_v: num(vdc, 2),
      vln_3phavg_v: num(vac, 2),
    };
  }

  /** SunVault parts: identity fields only, as in every published sample; their data is in the ESS report. */
  private storageDevices(curtime: string, t: number): LegacyDevice[] {
    const part = (
      serial: string,
      deviceType: string,
      type: string,
      model: string,
      extra: LegacyDevice,
    ): LegacyDevice => ({
      ISDETAIL: true,
      SERIAL: serial,
      TYPE: type,
      MODEL: model,
      DESCR: `${deviceType} ${serial}`,
      DEVICE_TYPE: deviceType,
      origin: "data_logger",
      OPERATION: "noop",
      CURTIME: curtime,
      ...extra,
    });
    const child = (slave: number) => ({ parent: 11, slave, PARENT: STORAGE.ess });
    return [
      part(STORAGE.hub, "HUB+", "HUB+", "SunPower MIDC", {
        STATE: "working",
        STATEDESCR: "Working",
        hw_version: "1.5.0",
        interface: "ttymxc5",
        slave: 220,
        SWVER: "0.7.18",
        PORT: "P0, Modbus, Slave 220",
      }),
      part(STORAGE.mio, "ESS Hub", "EQUINOX-MIO", "SunPower MIO", {
        STATE: "working",
        STATEDESCR: "Working",
        hw_version: "0.4.0",
        interface: "ttymxc5",
        parent: 11,
        slave: 221,
      }),
      part(STORAGE.ess, "Energy Storage System", "EQUINOX-ESS", "SPWR-Equinox-model", {
        STATE: "error",
        STATEDESCR: "Error",
        hw_version: "0",
        interface: "none",
        SWVER: "0",
        PORT: "P0, Parent, Slave -1",
      }),
      part(STORAGE.bms, "ESS BMS", "EQUINOX-BMS", "SchneiderElectric-SP1", {
        STATE: "error",
        STATEDESCR: "Error",
        interface: "sunspec",
        mac_address: "d8:a9:ab:cd:12:34",
        PORT: "P0, SunSpec, Slave 230",
        ...child(230),
      }),
      ...STORAGE.batteries.map((b) =>
        part(b, "Battery", "BATTERY", "POWERAMP-Komodo 1.2", {
          STATE: "error",
          STATEDESCR: "Error",
          hw_version: "4.34",
          interface: "none",
          SWVER: "2.8",
          PORT: "P0, None, Slave -1",
          parent: 11,
          PARENT: STORAGE.ess,
        }),
      ),
      part(STORAGE.inverter, "Storage Inverter", "SCHNEIDER-XWPRO", "SchneiderElectric-XW6848-21", {
        interface: "sunspec",
        PORT: "P0, SunSpec, Slave 10",
        ...child(10),
      }),
      part(STORAGE.gateway, "Gateway", "GATEWAY", "SchneiderElectric-ConextGateway", {
        interface: "sunspec",
        PORT: "P0, SunSpec, Slave 1",
        ...child(1),
      }),
      part(STORAGE.disconnect, "PV Disconnect", "PV-DISCONNECT", "SunPower PV Disconnect Relay", {
        STATE: "working",
        STATEDESCR: "Working",
        hw_version: "0.2.0",
        interface: "ttymxc5",
        slave: 230,
        SWVER: "0.2.13",
        PORT: "P0, Modbus, Slave 230",
        DATATIME: pvsTime(floorTo(t, 15_000)),
        event_history: "32",
        fw_error: "0",
        relay_mode: "0",
        relay1_state: "1",
        relay2_state: "1",
        relay1_error: "0",
        relay2_error: "0",
        v1n_grid_v: "123.1",
        v2n_grid_v: "122.5",
        v1n_pv_v: "122.8",
        v2n_pv_v: "122.5",
      }),
    ];
  }

  /** The `energy-storage-system/status` report, or null on a site without storage. */
  essStatus(): Record<string, unknown> | null {
    if (!this.storage) return null;
    const t = this.advance();
    const v = (value: number, unit: string, decimals = 2) => ({ value: Number(value.toFixed(decimals)), unit });
    const updated = new Date(t).toISOString().slice(0, 19).replace("T", " ");
    const battV = 51 + 4 * this.soc;
    const amps = (this.batteryKw * 1000) / battV / STORAGE.batteries.length;
    return {
      ess_report: {
        battery_status: [
          {
            serial_number: STORAGE.bms,
            battery_amperage: v(amps, "A"),
            battery_voltage: v(battV, "V"),
            customer_state_of_charge: v(
              Math.max(0, (this.soc - BATTERY_RESERVE) / (1 - BATTERY_RESERVE)) * 100,
              "%",
              0,
            ),
            system_state_of_charge: v(this.soc * 100, "%", 0),
            temperature: v(24 + (3 * Math.abs(this.batteryKw)) / BATTERY_MAX_KW, "C", 1),
            last_updated: updated,
          },
        ],
        ess_status: [
          {
            serial_number: STORAGE.ess,
            enclosure_humidity: v(38, "%", 0),
            enclosure_temperature: v(27.5, "C", 1),
            ess_meter_reading: {
              agg_power: v(this.batteryKw, "kW", 3),
              meter_a: {
                reading: {
                  current: v((Math.abs(this.batteryKw) * 500) / 121, "A"),
                  voltage: v(121, "V"),
                  power: v(this.batteryKw / 2, "kW", 3),
                },
              },
              meter_b: {
                reading: {
                  current: v((Math.abs(this.batteryKw) * 500) / 120.5, "A"),
                  voltage: v(120.5, "V"),
                  power: v(this.batteryKw / 2, "kW", 3),
                },
              },
            },
            last_updated: updated,
          },
        ],
        hub_plus_status: {
          serial_number: STORAGE.hub,
          contactor_position: "CLOSED",
          contactor_error: "CONTACTOR_ERROR_NONE",
          grid_voltage_state: "METER_VOLTAGE_IN_RANGE",
          load_voltage_state: "METER_VOLTAGE_IN_RANGE",
          grid_frequency_state: "METER_FREQUENCY_IN_RANGE",
          load_frequency_state: "METER_FREQUENCY_IN_RANGE",
          hub_temperature: v(31.2, "C", 1),
          hub_humidity: v(35, "%", 0),
          grid_phase1_voltage: v(121.4, "V"),
          grid_phase2_voltage: v(120.9, "V"),
          load_phase1_voltage: v(121.3, "V"),
          load_phase2_voltage: v(120.8, "V"),
          last_updated: updated,
        },
        inverter_status: [
          {
            serial_number: STORAGE.inverter,
            ac_current: v((Math.abs(this.batteryKw) * 1000) / 241, "A"),
            ac_power: v(this.batteryKw, "kW", 3),
            a_n_voltage: v(121, "V"),
            b_n_voltage: v(120.5, "V"),
            temperature: v(36.6, "C", 1),
            last_updated: updated,
          },
        ],
        ess_state: {
          storage_controller_status: "RUNNING",
          operational_mode: "SELF_CONSUMPTION",
          permission_to_operate: true,
        },
      },
      errors: [],
    };
  }

  comm(): Record<string, unknown> {
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
        ts: String(Math.floor(this.options.now() / 1000)),
      },
      result: "succeed",
    };
  }

  supervisorInfo(): Record<string, unknown> {
    const { swver, build } = this.build();
    // PVS5 reports no BUILD (only inside SWVER).
    const supervisor = {
      SWVER: swver,
      SERIAL: this.options.serial,
      MODEL: this.model,
      ...(build === null ? {} : { BUILD: build }),
      FWVER: this.fwver,
    };
    return { result: "succeed", supervisor };
  }
}
