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

/**
 * The longitude whose solar time is this machine's local time (solar noon at local 12:00, 13:00 in summer time),
 * so that a demo has daylight while its user does, wherever they are. Degrees east, from the time-zone offset.
 */
export function localLongitude(t: number = Date.now()): number {
  const degrees = -new Date(t).getTimezoneOffset() / 4;
  return Math.max(-180, Math.min(180, degrees));
}

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

  private deviceListAt(t: number): { devices: LegacyDevice[]; result: string } {
    const unit = this.profile;
    const { f, production, load, battery } = this.powersAt(t);
    const devices: LegacyDevice[] = [supervisorDevice(unit, t, this.uptimeS(t), this.cpuLoad(t))];
    devices.push(productionMeter(unit, t, production * 0.995, this.productionMeterKwh()));
    if (this.ct === "gross") devices.push(consumptionMeter(unit, t, load, this.loadKwh + LOAD_KWH0, 0.03));
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
    if (!(night && this.night === "absent")) {
      const dataT = night ? lastSunset(t, this.options.longitude) : floorTo(t, 15_000);
      for (let index = 0; index < this.options.inverters; index++) {
        const peakKw = this.inverterPeakKw(index);
        const lifetimeKwh = 1500 + index * 3.7 + peakKw * this.sunHours;
        devices.push(inverterDevice(unit, t, { index, dataT, f: night ? 0 : f, peakKw, lifetimeKwh }));
      }
    }
    if (this.storage) devices.push(...storageDevices(t));
    return { devices: this.publication ? this.publication.view(t, devices) : devices, result: "succeed" };
  }

  /** The `energy-storage-system/status` report, or null on a site without storage. */
  essStatus(): Record<string, unknown> | null {
    if (!this.storage) return null;
    const t = this.advance();
    // The report shows the battery's power over the last step, as the counters have it.
    return essReport(t, this.batteryState(this.batteryKw, loadKw(t, this.options.longitude) + this.extraLoadKw));
  }

  comm(): Record<string, unknown> {
    return commAnswer(this.options.now());
  }

  supervisorInfo(): Record<string, unknown> {
    return supervisorInfo(this.profile);
  }

  /** The varserver's `/sys/info/sw_rev` ("2025.10.07.61846"; PVS5 "0.0.25.5412"). */
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
