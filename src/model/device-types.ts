// What this package knows about each DEVICE_TYPE the PVS firmware reports (its swagger `DeviceTypeEnum`)
// and the fields each one is documented to carry. Anything else is still carried, and reported once.

/** Finer than DEVICE_TYPE: what a device is for. */
export type DeviceCategory =
  "supervisor" | "meter" | "inverter" | "storage" | "disconnect" | "weather" | "ground-monitor" | "unknown";

/** Fields every device may carry (identity, state, timing, bus). */
const COMMON_FIELDS = [
  "SERIAL",
  "MODEL",
  "DESCR",
  "DEVICE_TYPE",
  "TYPE",
  "STATE",
  "STATEDESCR",
  "SWVER",
  "HWVER",
  "PORT",
  "ISDETAIL",
  "DETAIL",
  "DATATIME",
  "CURTIME",
  "OPERATION",
  "PARENT",
  "origin",
  "interface",
  "hw_version",
  "slave",
  "parent",
  "mac_address",
];

const SUPERVISOR_FIELDS = [
  "dl_uptime",
  "dl_cpu_load",
  "dl_mem_used",
  "dl_flash_avail",
  "dl_err_count",
  "dl_comm_err",
  "dl_scan_time",
  "dl_skipped_scans",
  "dl_untransmitted",
  "panid",
];

const METER_FIELDS = [
  "p_3phsum_kw",
  "q_3phsum_kvar",
  "s_3phsum_kva",
  "tot_pf_rto",
  "freq_hz",
  "net_ltea_3phsum_kwh",
  "ct_scl_fctr",
  "CAL0",
  "i_a",
  "v12_v",
  "i1_a",
  "i2_a",
  "v1n_v",
  "v2n_v",
  "p1_kw",
  "p2_kw",
  "neg_ltea_3phsum_kwh",
  "pos_ltea_3phsum_kwh",
  "subtype",
  "production_subtype_enum",
  "consumption_subtype_enum",
];

const INVERTER_FIELDS = [
  "p_3phsum_kw",
  "i_3phsum_a",
  "vln_3phavg_v",
  "freq_hz",
  "ltea_3phsum_kwh",
  "p_mppt1_kw",
  "p_mpptsum_kw",
  "v_mppt1_v",
  "i_mppt1_a",
  "t_htsnk_degc",
  "stat_ind",
  "MOD_SN",
  "module_serial",
  "NMPLT_SKU",
  "PANEL",
];

const DISCONNECT_FIELDS = [
  "event_history",
  "fw_error",
  "relay_mode",
  "relay1_state",
  "relay2_state",
  "relay1_error",
  "relay2_error",
  "v1n_grid_v",
  "v2n_grid_v",
  "v1n_pv_v",
  "v2n_pv_v",
];

interface DeviceTypeInfo {
  category: DeviceCategory;
  fields: ReadonlySet<string>;
}

function info(category: DeviceCategory, fields: readonly string[] = []): DeviceTypeInfo {
  return { category, fields: new Set([...COMMON_FIELDS, ...fields]) };
}

/**
 * Every DEVICE_TYPE of the firmware. The SunVault parts (HUB+, ESS Hub, Energy Storage System, ESS BMS,
 * Battery, Storage Inverter, Gateway) carry identity fields only in a device list: their measurements come
 * from the energy-storage-system/status report. MET Station and Ground Current Monitor are in the
 * firmware's list but in no published sample, so no field of theirs is "known".
 */
export const DEVICE_TYPES: Readonly<Record<string, DeviceTypeInfo>> = {
  PVS: info("supervisor", SUPERVISOR_FIELDS),
  "Power Meter": info("meter", METER_FIELDS),
  Inverter: info("inverter", INVERTER_FIELDS),
  "MET Station": info("weather"),
  "Ground Current Monitor": info("ground-monitor"),
  "Energy Storage System": info("storage"),
  "HUB+": info("storage"),
  Battery: info("storage"),
  "Storage Inverter": info("storage"),
  "ESS Hub": info("storage"),
  "ESS BMS": info("storage"),
  Gateway: info("storage"),
  "PV Disconnect": info("disconnect", DISCONNECT_FIELDS),
};

export function categoryOf(deviceType: string | null): DeviceCategory {
  return (
    (deviceType !== null && Object.hasOwn(DEVICE_TYPES, deviceType) && DEVICE_TYPES[deviceType].category) || "unknown"
  );
}

export function isKnownDeviceType(deviceType: string | null): boolean {
  return deviceType !== null && Object.hasOwn(DEVICE_TYPES, deviceType);
}

/** The fields of a raw device that its DEVICE_TYPE is not documented to carry (all of them for an unknown type). */
export function unknownFields(deviceType: string | null, fields: Iterable<string>): string[] {
  const known = deviceType !== null && Object.hasOwn(DEVICE_TYPES, deviceType) ? DEVICE_TYPES[deviceType].fields : null;
  if (!known) return [];
  return [...fields].filter((f) => !known.has(f));
}

/** How long a device's data may lag the answer before it is stale, per category (seconds). */
export const STALE_AFTER_S: Readonly<Record<DeviceCategory, number>> = {
  // The supervisor refreshes its own record about every 5 minutes, yet real answers show its DATATIME
  // 30-50 minutes behind CURTIME; an hour keeps `stale` meaningful instead of always true.
  supervisor: 3600,
  // Meters and working inverters refresh about every 15 s; a DeviceList itself can take over a minute.
  meter: 300,
  inverter: 300,
  storage: 900,
  disconnect: 900,
  weather: 900,
  "ground-monitor": 900,
  unknown: 900,
};

/** Split groups of pvs-inverter-split: its four outputs. */
export type SplitGroup = "inverter" | "meter" | "supervisor" | "other";

export function splitGroupOf(category: DeviceCategory): SplitGroup {
  return category === "inverter" || category === "meter" || category === "supervisor" ? category : "other";
}
