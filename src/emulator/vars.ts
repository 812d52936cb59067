// The new firmware's varserver namespace, built from one snapshot of the simulated site: the same devices as
// the legacy DeviceList at the same instant, renamed to the varserver's flat `/sys/devices/<class>/<N>/<field>`
// string leaves (docs/protocol.md "Variables"). Values are the legacy strings unchanged, so the two APIs can be
// compared field by field.
import { LegacyDevice, num } from "./legacy-answers";
import { BatteryState, SimulatedSite, SiteSnapshot } from "./site";
import { STORAGE } from "./storage";

/** What an unauthenticated client may read (pypvs#40: unauthenticated `match=/` showed only these). */
export const PUBLIC_VARIABLES: ReadonlySet<string> = new Set(
  ["serialnum", "model", "hwrev", "fwrev", "boardtype", "sw_rev", "ssid", "wpa_key", "lmac", "active_interface"].map(
    (n) => `/sys/info/${n}`,
  ),
);

/** Legacy field → varserver leaf, in the varserver's order. SERIAL/MODEL/DATATIME come first for every class. */
const IDENTITY: ReadonlyArray<[string, string]> = [
  ["SERIAL", "sn"],
  ["MODEL", "prodMdlNm"],
  ["DATATIME", "msmtEps"],
];

const INVERTER_FIELDS: ReadonlyArray<[string, string]> = [
  ...IDENTITY,
  ["p_3phsum_kw", "p3phsumKw"],
  ["i_3phsum_a", "i3phsumA"],
  ["vln_3phavg_v", "vln3phavgV"],
  ["freq_hz", "freqHz"],
  ["ltea_3phsum_kwh", "ltea3phsumKwh"],
  ["t_htsnk_degc", "tHtsnkDegc"],
  ["p_mppt1_kw", "pMppt1Kw"],
  ["v_mppt1_v", "vMppt1V"],
  ["i_mppt1_a", "iMppt1A"],
];

const METER_FIELDS: ReadonlyArray<[string, string]> = [
  ...IDENTITY,
  ["ct_scl_fctr", "ctSclFctr"],
  ["freq_hz", "freqHz"],
  ["p_3phsum_kw", "p3phsumKw"],
  ["q_3phsum_kvar", "q3phsumKvar"],
  ["s_3phsum_kva", "s3phsumKva"],
  ["tot_pf_rto", "totPfRto"],
  ["net_ltea_3phsum_kwh", "netLtea3phsumKwh"],
  ["neg_ltea_3phsum_kwh", "negLtea3phsumKwh"],
  ["pos_ltea_3phsum_kwh", "posLtea3phsumKwh"],
  ["v12_v", "v12V"],
  ["v1n_v", "v1nV"],
  ["v2n_v", "v2nV"],
  ["i1_a", "i1A"],
  ["i2_a", "i2A"],
  ["p1_kw", "p1Kw"],
  ["p2_kw", "p2Kw"],
  ["i_a", "i3phsumA"],
];

/** Legacy "2025,09,30,15,50,00" (UTC) → "2025-09-30T15:50:00Z". */
export function isoFromPvsTime(pvsTime: string): string {
  const [y, mo, d, h, mi, s] = pvsTime.split(",");
  return `${y}-${mo}-${d}T${h}:${mi}:${s}Z`;
}

/**
 * The stamp the LocalAPI puts on device data at `t`: the last 5-minute boundary at least 4 minutes old. Real
 * units publish `msmtEps` on 5-minute boundaries, minutes late: 265 s behind `/sys/livedata/time` in the build
 * 61846 capture (ksmooove/SunPower-Monitoring fixtures/pvs6: 15:10:00Z against 15:14:25Z), over 500 s in others;
 * this gives 240-540 s.
 */
export function varsStampAt(t: number): number {
  return Math.floor((t - PUBLISH_LAG_MS) / FIVE_MINUTES) * FIVE_MINUTES;
}

const FIVE_MINUTES = 5 * 60_000;
const PUBLISH_LAG_MS = 4 * 60_000;

function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function deviceVariables(
  out: Map<string, string>,
  prefix: string,
  device: LegacyDevice,
  fields: ReadonlyArray<[string, string]>,
  t: number,
): void {
  for (const [legacy, leaf] of fields) {
    const value = device[legacy];
    if (value === undefined) continue; // varserver has no leaf for a field this device lacks
    if (legacy !== "DATATIME") out.set(`${prefix}/${leaf}`, String(value));
    else {
      // A device that stopped reporting (inverters after sunset) keeps its last stamp; the others lag as on a real
      // unit.
      const own = Date.parse(isoFromPvsTime(String(value)));
      out.set(`${prefix}/${leaf}`, iso(Number.isNaN(own) ? varsStampAt(t) : Math.min(own, varsStampAt(t))));
    }
  }
}

function set(out: Map<string, string>, prefix: string, values: Record<string, string>): void {
  for (const [leaf, value] of Object.entries(values)) out.set(`${prefix}/${leaf}`, value);
}

/** `/sys/info`: the unit's identity, firmware and load (and the Wi-Fi key, a secret on a real unit). */
function infoVariables(out: Map<string, string>, site: SimulatedSite, snapshot: SiteSnapshot): void {
  const pvs6 = site.model === "PVS6";
  set(out, "/sys/info", {
    serialnum: site.serial,
    model: site.model,
    hwrev: site.hardwareVersion,
    fwrev: site.fwver,
    boardtype: pvs6 ? "PVS6-800-00550" : "PVS5-500-00348",
    sw_rev: site.swRev,
    sys_type: site.storage ? "Storage" : "PV-only",
    lmac: "00:22:F2:0A:1B:2C",
    ssid: "Home Network",
    wpa_key: "emulated-wifi-key-7Q4X", // a secret on a real unit; clients must not log it
    active_interface: pvs6 ? "wan0" : "wan",
    active_interface_mac: "00:22:F2:0A:1B:2D",
    uptime: snapshot.uptimeS.toFixed(2),
    cpu_usage: String(Math.round(snapshot.cpuLoad * 25)), // a 4-core load average as percent
    ram_usage: "38",
    flash_usage: "21",
  });
  if (pvs6) out.set("/sys/pvs/flashwear_type_b", "0x01");
}

/** `/sys/livedata`: the site's totals; site load is what a real PVS derives: production + grid + battery discharge. */
function liveVariables(out: Map<string, string>, pvs6: boolean, snapshot: SiteSnapshot): void {
  const battery = snapshot.battery;
  const essKw = battery?.kw ?? 0;
  const essKwh = battery ? battery.dischargedKwh - battery.chargedKwh : 0;
  const live: Record<string, string> = {
    time: String(Math.floor(snapshot.t / 1000)),
    pv_p: num(snapshot.pvKw, 4),
    pv_en: num(snapshot.pvKwh, 2),
    net_p: num(snapshot.gridKw, 4),
    net_en: num(snapshot.gridKwh, 2),
    site_load_p: num(snapshot.pvKw + snapshot.gridKw + essKw, 4),
    site_load_en: num(snapshot.pvKwh + snapshot.gridKwh + essKwh, 2),
  };
  if (pvs6) {
    // PVS5 has no storage fields at all; a PVS6 without storage reports zeros.
    Object.assign(live, {
      ess_p: num(essKw, 4),
      ess_en: num(essKwh, 2),
      soc: num(battery?.soc ?? 0, 4),
      backupTimeRemaining: String(battery?.backupMinutes ?? 0),
      midstate: battery ? "2" : "0",
    });
  }
  set(out, "/sys/livedata", live);
}

/** The SunVault's ESS and its transfer switch (the HUB+). */
function storageVariables(out: Map<string, string>, battery: BatteryState, t: number): void {
  const eps = iso(varsStampAt(t));
  const cellT = battery.cellTempC;
  set(out, "/sys/devices/ess/0", {
    sn: STORAGE.ess,
    prodMdlNm: "SPWR-Equinox-model",
    msmtEps: eps,
    opMode: "SELF_CONSUMPTION",
    socVal: num(battery.soc, 4),
    customerSocVal: num(battery.customerSoc, 4),
    sohVal: "1",
    p3phsumKw: num(battery.kw, 4),
    negLtea3phsumKwh: num(battery.chargedKwh, 2),
    posLtea3phsumKwh: num(battery.dischargedKwh, 2),
    v1nV: "121",
    v2nV: "120.5",
    vBattV: num(battery.voltage, 2),
    tInvtrDegc: "36.6",
    chrgLimitPmaxKw: num(battery.chargeLimitKw, 3),
    dischrgLimPmaxKw: num(battery.dischargeLimitKw, 3),
    maxTBattCellDegc: num(cellT + 1, 2),
    minTBattCellDegc: num(cellT - 1, 2),
    maxVBattCellV: num(battery.voltage / 16 + 0.002, 4),
    minVBattCellV: num(battery.voltage / 16 - 0.002, 4),
  });
  set(out, "/sys/devices/transfer_switch/0", {
    sn: STORAGE.hub,
    prodMdlNm: "SunPower MIDC",
    msmtEps: eps,
    midStEnum: "MID_STATE_CLOSED",
    pvd1StEnum: "PVD_STATE_CLOSED",
    tDegc: "31.2",
    v1nGridV: "121.4",
    v2nGridV: "120.9",
    v1nV: "121.3",
    v2nV: "120.8",
    vSpplyV: "11.24",
  });
}

// `/net/<if>/state` as the firmware words it (SunStrong-Management/pypvs doc/varserver-variables-public-pvs6.csv):
// "online" on the link the PVS talks through, "offline" on one it has but is not using, "N/A" (the variable's
// default) for an interface this unit does not have.
const PVS6_NETWORK: ReadonlyArray<readonly [string, string]> = [
  ["sta0", "offline"], // Wi-Fi configured (the SSID above), not connected
  ["wan0", "online"], // the active interface
  ["wan1", "N/A"], // no second Ethernet port in use
  ["wwan0", "offline"], // the cell modem, off (cell_connected 0)
];
const PVS5_NETWORK: ReadonlyArray<readonly [string, string]> = [
  ["cell", "offline"],
  ["plc", "N/A"],
  ["sta0", "offline"],
  ["wan", "online"],
];

function networkVariables(out: Map<string, string>, pvs6: boolean): void {
  for (const [iface, state] of pvs6 ? PVS6_NETWORK : PVS5_NETWORK) out.set(`/net/${iface}/state`, state);
  if (pvs6) {
    set(out, "/sys/toggle_cell", { broadband_connected: "1", cell_connected: "0", low_data_mode: "0" });
    out.set("/sys/telemetryws/enable", "0");
  }
}

/**
 * Every variable of the site at the snapshot's instant, in namespace order. `devices` may differ from
 * `snapshot.devices` (a test's edit of the device list applies to both APIs).
 */
export function siteVariables(
  site: SimulatedSite,
  snapshot: SiteSnapshot,
  devices: LegacyDevice[] = snapshot.devices,
): Map<string, string> {
  const pvs6 = site.model === "PVS6";
  const out = new Map<string, string>();
  infoVariables(out, site, snapshot);
  liveVariables(out, pvs6, snapshot);
  let inverters = 0;
  let meters = 0;
  for (const device of devices) {
    if (device.DEVICE_TYPE === "Inverter")
      deviceVariables(out, `/sys/devices/inverter/${inverters++}`, device, INVERTER_FIELDS, snapshot.t);
    else if (device.DEVICE_TYPE === "Power Meter")
      deviceVariables(out, `/sys/devices/meter/${meters++}`, device, METER_FIELDS, snapshot.t);
  }
  if (snapshot.battery) storageVariables(out, snapshot.battery, snapshot.t);
  networkVariables(out, pvs6);
  return out;
}
