// A simulated PV site behind the emulated PVS: a supervisor, a production and a consumption meter, and
// N microinverters whose power follows the sun. Pure and deterministic for a given clock.
// Deliberately shares no code with src/pvs or src/model, so that a bug there cannot hide here.

export interface SiteOptions {
  inverters: number;
  /** Degrees east; sets local solar time (default -117, southern California). */
  longitude: number;
  /** The supervisor serial; its last 5 characters would be the LocalAPI password on a real unit. */
  serial: string;
  now: () => number;
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

/** Household load in kW: a base load, a morning and an evening peak. */
function loadKw(t: number, longitude: number): number {
  const { hour } = solarClock(t, longitude);
  const bump = (center: number, width: number, height: number) => height * Math.exp(-(((hour - center) / width) ** 2));
  return 0.45 + bump(7.5, 1.2, 0.9) + bump(19, 2, 1.6) + 0.1 * Math.sin(t / 420_000);
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
function num(n: number, decimals: number): string {
  return String(Number(n.toFixed(decimals)));
}

export type LegacyDevice = Record<string, string | number | boolean>;

export class SimulatedSite {
  private readonly startedAt: number;
  private lastT: number;
  /** Integral of sunFactor, in peak-hours since start. */
  private sunHours = 0;
  private productionKwh = 0;
  private importKwh = 0;
  private exportKwh = 0;

  constructor(private readonly options: SiteOptions) {
    this.startedAt = options.now();
    this.lastT = this.startedAt;
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
      this.productionKwh += production * hours;
      const net = loadKw(mid, this.options.longitude) - production;
      if (net >= 0) this.importKwh += net * hours;
      else this.exportKwh += -net * hours;
    }
    this.lastT = now;
    return now;
  }

  deviceList(): { devices: LegacyDevice[]; result: string } {
    const t = this.advance();
    const lon = this.options.longitude;
    const f = sunFactor(t, lon);
    const curtime = pvsTime(t);
    const production = this.sitePeakKw() * f;
    const load = loadKw(t, lon);
    const net = load - production;
    const devices: LegacyDevice[] = [this.supervisor(t, curtime)];
    devices.push(this.meter("p", curtime, t, production * 0.995, this.productionKwh + 1200, 50));
    devices.push(this.meter("c", curtime, t, net, this.importKwh - this.exportKwh - 150, 100));
    const night = f === 0;
    const dataT = night ? lastSunset(t, lon) : floorTo(t, 15_000);
    for (let i = 0; i < this.options.inverters; i++) devices.push(this.inverter(i, curtime, dataT, night ? 0 : f));
    return { devices, result: "succeed" };
  }

  private supervisor(t: number, curtime: string): LegacyDevice {
    const uptime = Math.floor((t - this.startedAt) / 1000) + 2181;
    return {
      CURTIME: curtime,
      DATATIME: pvsTime(floorTo(t, 5 * 60_000)),
      DETAIL: "detail",
      DEVICE_TYPE: "PVS",
      HWVER: "6.0",
      MODEL: "PV Supervisor PVS6",
      SERIAL: this.options.serial,
      STATE: "working",
      STATEDESCR: "Working",
      SWVER: "2019.5, Build 4150",
      dl_comm_err: "270",
      dl_cpu_load: num(0.45 + 0.2 * Math.abs(Math.sin(t / 600_000)), 2),
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

  private meter(kind: "p" | "c", curtime: string, t: number, kw: number, lifetimeKwh: number, ct: number): LegacyDevice {
    const serial = `PVS6M01234567${kind}`;
    const pf = kind === "p" ? 0.99 : Math.sign(kw || 1) * 0.88;
    const kva = Math.abs(kw / pf);
    const kvar = Math.sign(kw || 1) * Math.sqrt(Math.max(0, kva * kva - kw * kw));
    return {
      CAL0: String(ct),
      CURTIME: curtime,
      DATATIME: pvsTime(floorTo(t, 15_000)),
      DESCR: `Power Meter ${serial}`,
      DEVICE_TYPE: "Power Meter",
      ISDETAIL: true,
      MODEL: `PVS6M0400${kind}`,
      OPERATION: "noop",
      PORT: "",
      SERIAL: serial,
      STATE: "working",
      STATEDESCR: "Working",
      SWVER: "3000",
      TYPE: kind === "p" ? "PVS5-METER-P" : "PVS5-METER-C",
      ct_scl_fctr: String(ct),
      freq_hz: num(60 + 0.03 * Math.sin(t / 97_000), 4),
      net_ltea_3phsum_kwh: num(lifetimeKwh, 2),
      origin: "data_logger",
      p_3phsum_kw: num(kw, 4),
      q_3phsum_kvar: num(kvar, 4),
      s_3phsum_kva: num(kva, 4),
      tot_pf_rto: num(pf, 4),
    };
  }

  private inverter(i: number, curtime: string, dataT: number, f: number): LegacyDevice {
    const serial = `E00${String(122000000001 + i).padStart(12, "0")}`;
    const ac = this.inverterPeakKw(i) * f;
    const dc = ac / INVERTER_EFFICIENCY;
    const vdc = f > 0 ? 52 + 4 * f : 0;
    const vac = 244 + ((i * 13) % 7) * 0.2;
    const lifetime = 1500 + i * 3.7 + this.inverterPeakKw(i) * this.sunHours;
    return {
      CURTIME: curtime,
      DATATIME: pvsTime(dataT),
      DESCR: `Inverter ${serial}`,
      DEVICE_TYPE: "Inverter",
      ISDETAIL: true,
      MODEL: "AC_Module_Type_E",
      MOD_SN: `P07M${String(1234567 + i).padStart(8, "0")}`,
      NMPLT_SKU: "",
      OPERATION: "noop",
      PORT: "",
      SERIAL: serial,
      STATE: f > 0 ? "working" : "error",
      STATEDESCR: f > 0 ? "Working" : "Error",
      SWVER: "118079776",
      TYPE: "SOLARBRIDGE",
      freq_hz: num(59.99 + 0.02 * Math.sin(dataT / 50_000), 2),
      i_3phsum_a: num((ac * 1000) / vac, 2),
      i_mppt1_a: num(vdc > 0 ? (dc * 1000) / vdc : 0, 2),
      ltea_3phsum_kwh: num(lifetime, 4),
      origin: "data_logger",
      p_3phsum_kw: num(ac, 4),
      p_mpptsum_kw: num(dc, 4),
      stat_ind: "0",
      t_htsnk_degc: String(Math.round(18 + 24 * f)),
      v_mppt1_v: num(vdc, 2),
      vln_3phavg_v: num(vac, 2),
    };
  }

  comm(): Record<string, unknown> {
    return {
      networkstatus: {
        interfaces: [
          { interface: "wan", internet: "up", ipaddr: "192.168.20.10", link: "connected", mode: "wan", sms: "reachable", state: "up" },
          { interface: "plc", internet: "down", ipaddr: "", link: "disconnected", pairing: "unpaired", sms: "unreachable", speed: 0, state: "down" },
          { interface: "sta0", internet: "down", ipaddr: "192.168.21.10", signal: "-74", sms: "unreachable", ssid: "Home Network", status: "connected" },
          { interface: "cell", internet: "down", ipaddr: "", is_primary: false, link: "disconnected", modem: "MODEM_OK", provider: "UNKNOWN", signal: 0, sim: "SIM_READY", sms: "unreachable", state: "DOWN", status: "NOT_REGISTERED" },
        ],
        system: { interface: "wan", internet: "up", sms: "reachable" },
        ts: String(Math.floor(this.options.now() / 1000)),
      },
      result: "succeed",
    };
  }

  supervisorInfo(): Record<string, unknown> {
    return { result: "succeed", supervisor: { SWVER: "2019.5, Build 4150", SERIAL: this.options.serial, MODEL: "PVS6", BUILD: 4150, FWVER: "1.0.0" } };
  }
}
