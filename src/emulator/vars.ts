// The new firmware's varserver namespace, built from one snapshot of the simulated site: the same devices as
// the legacy DeviceList at the same instant, renamed to the varserver's flat `/sys/devices/<class>/<N>/<field>`
// string leaves (docs/protocol.md "Variables"), every leaf of the vendor's list for the model (vars-leaves.ts),
// numbers printed as the firmware prints them (C "%f" for floats), so the two APIs show the same numbers.
import { LegacyDevice } from "./legacy-answers";
import { BatteryState, SimulatedSite, SiteSnapshot } from "./site";
import { STORAGE } from "./storage";
import {
  cFloat,
  INVERTER_LEAVES,
  Leaf,
  METER_LEAVES,
  nightInverterFields,
  printLeaf,
  STORAGE_INT_LEAVES,
  STORAGE_TEXT_LEAVES,
} from "./vars-leaves";

/** What an unauthenticated client may read (pypvs#40: unauthenticated `match=/` showed only these). */
export const PUBLIC_VARIABLES: ReadonlySet<string> = new Set(
  ["serialnum", "model", "hwrev", "fwrev", "boardtype", "sw_rev", "ssid", "wpa_key", "lmac", "active_interface"].map(
    (n) => `/sys/info/${n}`,
  ),
);

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

/**
 * The `msmtEps` of a device whose data was taken at `reportedAt` (epoch ms; null: still reporting), read at `t`:
 * the lagging 5-minute stamp, never later than the data, always on the 5-minute grid (real stamps are:
 * "2026-07-13T15:10:00Z" in the 61846 capture, "03:35:00Z" on the vendor's night inverters).
 */
export function deviceStamp(t: number, reportedAt: number | null): number {
  const stamp = varsStampAt(t);
  return reportedAt === null || reportedAt >= stamp ? stamp : Math.floor(reportedAt / FIVE_MINUTES) * FIVE_MINUTES;
}

function deviceVariables(
  out: Map<string, string>,
  prefix: string,
  device: LegacyDevice,
  leaves: readonly Leaf[],
  t: number,
): void {
  for (const { leaf, kind, legacy } of leaves) {
    const field = legacy.find((f) => device[f] !== undefined);
    const value = field === undefined ? undefined : device[field];
    if (leaf !== "msmtEps") out.set(`${prefix}/${leaf}`, printLeaf(kind, value));
    else {
      const own = value === undefined ? NaN : Date.parse(isoFromPvsTime(String(value)));
      out.set(`${prefix}/${leaf}`, iso(deviceStamp(t, Number.isNaN(own) ? null : own)));
    }
  }
}

/**
 * An inverter at night. DeviceList may show it with no data (`--night no-data`), but the varserver keeps its
 * counters, MPPT leaves and stamp (the vendor's night example, pypvs doc/LocalAPI.md "inverter data"): fill in
 * what the night shows; a frozen inverter keeps its last values and its sunset stamp.
 */
function nightInverter(device: LegacyDevice, index: number, snapshot: SiteSnapshot): LegacyDevice {
  if (snapshot.nightSince === null || device.DATATIME !== undefined) return device;
  const kwh = snapshot.inverterKwh.get(String(device.SERIAL));
  if (kwh === undefined) return device;
  return { ...nightInverterFields(index, kwh), ...device };
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
    finance_type: "UNKNOWN", // both vendor lists, their default
  });
  if (pvs6) set(out, "/sys/pvs", { flashwear_type_b: "0x01", usb_erase_count: "0" });
}

/**
 * `/sys/livedata`, in the 61846 capture's order. Without storage (PVS6 PV-only, and a PVS5, whose list marks the
 * storage leaves NOT USED) `ess_en`, `ess_p` and `soc` are "nan" and backup time and MID state "0", as the PV-only
 * 61846 capture (ksmooove/SunPower-Monitoring fixtures/pvs6/vars-livedata.json) has them.
 */
function liveVariables(out: Map<string, string>, snapshot: SiteSnapshot): void {
  const battery = snapshot.battery;
  set(out, "/sys/livedata", {
    time: String(Math.floor(snapshot.t / 1000)),
    pv_p: cFloat(snapshot.pvKw),
    pv_en: cFloat(snapshot.pvKwh),
    net_p: cFloat(snapshot.gridKw),
    net_en: cFloat(snapshot.gridKwh),
    site_load_p: cFloat(snapshot.siteLoadKw),
    site_load_en: cFloat(snapshot.siteLoadKwh),
    ess_en: battery ? cFloat(battery.dischargedKwh - battery.chargedKwh) : "nan",
    ess_p: battery ? cFloat(battery.kw) : "nan",
    soc: battery ? cFloat(battery.soc) : "nan",
    backupTimeRemaining: String(battery?.backupMinutes ?? 0),
    midstate: battery ? "2" : "0",
  });
}

/** Storage leaves printed by kind (vendor pvs6 list). */
function setStorage(out: Map<string, string>, prefix: string, values: Record<string, string | number>): void {
  const sorted = Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [leaf, value] of sorted) {
    const kind = STORAGE_TEXT_LEAVES.has(leaf) ? "text" : STORAGE_INT_LEAVES.has(leaf) ? "int" : "float";
    out.set(`${prefix}/${leaf}`, printLeaf(kind, value));
  }
}

/** The SunVault's ESS and its transfer switch (the HUB+). */
function storageVariables(out: Map<string, string>, battery: BatteryState, t: number): void {
  const eps = iso(deviceStamp(t, null));
  const cellT = battery.cellTempC;
  setStorage(out, "/sys/devices/ess/0", {
    sn: STORAGE.ess,
    prodMdlNm: "SPWR-Equinox-model",
    msmtEps: eps,
    opMode: "SELF_CONSUMPTION",
    socVal: battery.soc,
    customerSocVal: battery.customerSoc,
    sohVal: "1",
    p3phsumKw: battery.kw,
    negLtea3phsumKwh: battery.chargedKwh,
    posLtea3phsumKwh: battery.dischargedKwh,
    v1nV: "121",
    v2nV: "120.5",
    vBattV: battery.voltage,
    tInvtrDegc: "36.6",
    chrgLimitPmaxKw: battery.chargeLimitKw,
    dischrgLimPmaxKw: battery.dischargeLimitKw,
    maxTBattCellDegc: cellT + 1,
    minTBattCellDegc: cellT - 1,
    maxVBattCellV: battery.voltage / 16 + 0.002,
    minVBattCellV: battery.voltage / 16 - 0.002,
  });
  setStorage(out, "/sys/devices/transfer_switch/0", {
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
  // Both vendor lists have the toggle_cell leaves; only the pvs6 one has the telemetry switch.
  set(out, "/sys/toggle_cell", { broadband_connected: "1", cell_connected: "0", low_data_mode: "0" });
  if (pvs6) out.set("/sys/telemetryws/enable", "0");
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
  liveVariables(out, snapshot);
  let inverters = 0;
  let meters = 0;
  for (const device of devices) {
    if (device.DEVICE_TYPE === "Inverter") {
      const index = inverters++;
      const shown = nightInverter(device, index, snapshot);
      deviceVariables(out, `/sys/devices/inverter/${index}`, shown, INVERTER_LEAVES, snapshot.t);
    } else if (device.DEVICE_TYPE === "Power Meter")
      deviceVariables(out, `/sys/devices/meter/${meters++}`, device, METER_LEAVES, snapshot.t);
  }
  if (snapshot.battery) storageVariables(out, snapshot.battery, snapshot.t);
  networkVariables(out, pvs6);
  return out;
}
