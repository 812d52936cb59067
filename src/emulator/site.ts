// A simulated PV site behind the emulated PVS: a supervisor, a production and a consumption meter, and
// N microinverters whose power follows the sun. Pure and deterministic for a given clock.
// Deliberately shares no code with src/pvs or src/model, so that a bug there cannot hide here. The answers
// built from it are formatted elsewhere: legacy-answers.ts, storage.ts, ess-report.ts (and vars.ts for /vars).
import { essReport } from "./ess-report";
import { Publication } from "./publication";
import { firmwareBuild, fwver, hardwareVersion } from "./firmware";
import {
  commAnswer,
  consumptionMeter,
  floorTo,
  inverterDevice,
  LegacyDevice,
  LegacyProfile,
  productionMeter,
  supervisorDevice,
  supervisorInfo,
} from "./legacy-answers";
import { storageDevices } from "./storage";
import { StorageControl } from "./storage-control";
import { lastSunset, loadKw, sunFactor } from "./sun";

export { LOAD_WAVE_MS, localLongitude, sunFactor } from "./sun";

export type { LegacyDevice } from "./legacy-answers";
export { num } from "./legacy-answers";
export { STORAGE } from "./storage";

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
  /** Seconds after its 5-minute stamp that device data becomes visible (publication.ts); none by default. */
  publicationDelayS?: number;
}

const HOUR_MS = 3_600_000;
const STEP_MS = 60_000;
const INVERTER_PEAK_KW = 0.36;

const BATTERY_KWH = 13;
const BATTERY_MAX_KW = 6.8;
const BATTERY_RESERVE = 0.2;

/** Lifetime-counter offsets, so a fresh emulator does not look like a brand-new site. */
const PRODUCTION_KWH0 = 1200;
const IMPORT_KWH0 = 2600;
const EXPORT_KWH0 = 2750;
const LOAD_KWH0 = 3200;
const CHARGED_KWH0 = 5400;
const DISCHARGED_KWH0 = 5000;
const GROSS_BACKFLOW_KWH = 0.03; // what a gross CT counts backward over the site's life: almost nothing

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
  /** Grid power (+import/−export) and net lifetime energy (import − export; a gross CT: load − production). */
  gridKw: number;
  gridKwh: number;
  loadKw: number;
  /** `/sys/livedata/site_load_*`: a gross CT's own power and counter, else production + grid + battery. */
  siteLoadKw: number;
  siteLoadKwh: number;
  /** Inverter serial → lifetime kWh, which the varserver keeps showing at night even when DeviceList does not. */
  inverterKwh: ReadonlyMap<string, number>;
  /** When the inverters stopped reporting (the last sunset), or null by day. */
  nightSince: number | null;
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
  /** The SunVault's owner settings and the grid's outages (storage-control.ts). */
  readonly storageControl = new StorageControl();
  /** A load switched on by a flow (an EV charger, a pool pump), in kW on top of the household's. */
  extraLoadKw = 0;

  private readonly publication: Publication | null;

  constructor(private readonly options: SiteOptions) {
    const delayS = options.publicationDelayS;
    this.publication = delayS !== undefined && delayS > 0 ? new Publication(delayS * 1000) : null;
    this.startedAt = options.now();
    this.lastT = this.startedAt;
    this.modelName = options.model ?? "PVS6";
    this.firmware = this.model === "PVS5" ? "2019" : (options.firmware ?? "2024");
    this.ct = options.consumptionCt ?? "net";
    const matching = this.ct === "gross" ? "GROSS_CONSUMPTION_LINESIDE" : "NET_CONSUMPTION_LOADSIDE";
    // Old PVS5 meters report no subtype at all, nor does the 2019 PVS6 (legacy-answers.ts consumptionMeter).
    this.subtype =
      options.declaredSubtype !== undefined
        ? options.declaredSubtype
        : this.model === "PVS5" || this.firmware === "2019"
          ? null
          : matching;
    this.night = options.night ?? "frozen";
    this.storage = options.storage === true;
    this.localApi = options.localApi === true;
  }

  /** The site's clock (ms). */
  now(): number {
    return this.options.now();
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

  /** Battery power for a surplus (kW, positive = charging) at `t`: as its mode, reserve and the grid allow. */
  private batteryFor(surplusKw: number, t: number): number {
    return this.storage ? this.storageControl.batteryFor(surplusKw, this.soc, t) : 0;
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
      const battery = this.batteryFor(production - load, mid);
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
    return { f, production, load, battery: this.batteryFor(production - load, t) };
  }

  deviceList(): { devices: LegacyDevice[]; result: string } {
    const { devices, result } = this.deviceListAt(this.advance());
    return { devices, result };
  }

  /** The device list and the site totals at one instant, so both APIs can show the same site. */
  snapshot(): SiteSnapshot {
    const t = this.advance();
    const { devices, inverterKwh } = this.deviceListAt(t);
    const { f, production, load, battery } = this.powersAt(t);
    const [pvKw, pvKwh, gross] = [production * 0.995, this.productionMeterKwh(), this.ct === "gross"];
    const state = this.storage ? this.batteryState(battery, load) : null;
    const [essKw, essKwh] = state ? [state.kw, state.dischargedKwh - state.chargedKwh] : [0, 0];
    // A gross CT meters the load: in the real gross-CT capture (ksmooove/SunPower-Monitoring fixtures/pvs6, 61846)
    // site_load_en follows the consumption netLtea3phsumKwh (62972.78 vs .67) and net_en = site_load_en - pv_en.
    const grossKwh = this.loadKwh + LOAD_KWH0 - GROSS_BACKFLOW_KWH;
    const gridKw = gross ? load - pvKw : load - production + battery;
    const gridKwh = gross ? grossKwh - pvKwh : this.importKwh + IMPORT_KWH0 - (this.exportKwh + EXPORT_KWH0);
    return {
      t,
      devices,
      pvKw,
      pvKwh,
      gridKw,
      gridKwh,
      loadKw: load,
      siteLoadKw: gross ? load : pvKw + gridKw + essKw,
      siteLoadKwh: gross ? grossKwh : pvKwh + gridKwh + essKwh,
      inverterKwh,
      nightSince: f === 0 ? lastSunset(t, this.options.longitude) : null,
      uptimeS: this.uptimeS(t),
      cpuLoad: this.cpuLoad(t),
      battery: state,
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

  /** What the legacy records show of this unit (legacy-answers.ts formats them). */
  private get profile(): LegacyProfile {
    return {
      model: this.model,
      firmware: this.firmware,
      localApi: this.localApi,
      serial: this.options.serial,
      consumptionCt: this.ct,
      subtype: this.subtype,
      night: this.night,
    };
  }

  private deviceListAt(t: number): { devices: LegacyDevice[]; result: string; inverterKwh: Map<string, number> } {
    const unit = this.profile;
    const { f, production, load, battery } = this.powersAt(t);
    const devices: LegacyDevice[] = [supervisorDevice(unit, t, this.uptimeS(t), this.cpuLoad(t))];
    devices.push(productionMeter(unit, t, production * 0.995, this.productionMeterKwh()));
    if (this.ct === "gross")
      devices.push(consumptionMeter(unit, t, load, this.loadKwh + LOAD_KWH0, GROSS_BACKFLOW_KWH));
    // A net CT counts import forward and export backward.
    else if (this.ct === "net")
      devices.push(
        consumptionMeter(
          unit,
          t,
          load - production + battery,
          this.importKwh + IMPORT_KWH0,
          this.exportKwh + EXPORT_KWH0,
        ),
      );
    const night = f === 0;
    const inverterKwh = new Map<string, number>();
    if (!(night && this.night === "absent")) {
      const dataT = night ? lastSunset(t, this.options.longitude) : floorTo(t, 15_000);
      for (let index = 0; index < this.options.inverters; index++) {
        const peakKw = this.inverterPeakKw(index);
        const lifetimeKwh = 1500 + index * 3.7 + peakKw * this.sunHours;
        const inverter = inverterDevice(unit, t, { index, dataT, f: night ? 0 : f, peakKw, lifetimeKwh });
        inverterKwh.set(String(inverter.SERIAL), lifetimeKwh);
        devices.push(inverter);
      }
    }
    if (this.storage) devices.push(...storageDevices(t, this.storageControl.islanded(t)));
    return { devices: this.publication ? this.publication.view(t, devices) : devices, result: "succeed", inverterKwh };
  }

  /** The `energy-storage-system/status` report, or null on a site without storage. */
  essStatus(): Record<string, unknown> | null {
    if (!this.storage) return null;
    const t = this.advance();
    // The report shows the battery's power over the last step, as the counters have it.
    const battery = this.batteryState(this.batteryKw, loadKw(t, this.options.longitude) + this.extraLoadKw);
    return essReport(t, battery, this.storageControl.islanded(t), this.storageControl.modeAt(t));
  }

  comm(): Record<string, unknown> {
    return commAnswer(this.options.now());
  }

  supervisorInfo(): Record<string, unknown> {
    return supervisorInfo(this.profile);
  }

  /** The varserver's `/sys/info/sw_rev` ("2025.10.20.61846"; PVS5 "0.0.25.5412"). */
  get swRev(): string {
    return firmwareBuild(this.profile).swRev;
  }

  /** HWVER of the supervisor; FWVER of supervisor/info. */
  get hardwareVersion(): string {
    return hardwareVersion(this.model);
  }

  get fwver(): string {
    return fwver(this.model);
  }
}
