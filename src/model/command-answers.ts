// The answers of the PVS's read commands (pvs-command) as clean objects. Each parser checks the shape it
// is given and throws PayloadError (PVS_BAD_RESPONSE) for anything else: no half-parsed data goes out.
// Serials are masked by the caller (redactDeep with the PVS's secrets) before anything leaves the package.
import { Device } from "./device";
import { normalizeDeviceList } from "./legacy-device-list";
import { optionalString, parseDecimal } from "./fields";
import { PayloadError } from "./payload-error";
import { maskSerial } from "./redact";
import { isJsonObject, JsonObject } from "./safe-object";

/** `Start` and `supervisor/info`: who the supervisor is. */
export interface SupervisorInfo {
  model: string | null;
  /** `SWVER` as reported: "2025.10, Build 61846". */
  version: string | null;
  /** `BUILD`, else the number in SWVER (PVS5 reports no BUILD). */
  build: number | null;
  firmware: string | null;
  /** Masked: the last 5 characters are the LocalAPI password. */
  serial: string | null;
  /** Every field of `supervisor` as reported (SERIAL masked). */
  properties: JsonObject;
}

export function parseSupervisorInfo(raw: JsonObject): SupervisorInfo {
  const sup = raw.supervisor;
  if (!isJsonObject(sup)) throw new PayloadError('the answer has no "supervisor" object');
  const version = optionalString(sup.SWVER);
  const named = version ? /build\s*(\d{3,7})/i.exec(version) : null;
  const build = parseDecimal(sup.BUILD) ?? (named ? Number(named[1]) : null);
  const serial = optionalString(sup.SERIAL);
  const properties: JsonObject = { ...sup };
  if (serial) properties.SERIAL = maskSerial(serial);
  return {
    model: optionalString(sup.MODEL),
    version,
    build: build !== null && Number.isInteger(build) ? build : null,
    firmware: optionalString(sup.FWVER),
    serial: serial ? maskSerial(serial) : null,
    properties,
  };
}

/** `Stop` (and anything else that only says it worked): `{"result":"succeed"}` or `"success"`. */
export function parseResultOnly(raw: JsonObject): { ok: true; result: string } {
  const result = optionalString(raw.result);
  if (!result || !/^succe(ed|ss)$/i.test(result)) throw new PayloadError('the answer has no "result": "succeed"');
  return { ok: true, result };
}

export interface FirmwareCheck {
  /** True when the PVS names a newer firmware. */
  updateAvailable: boolean;
  /** Where the newer firmware is; null when there is none. */
  url: string | null;
  /** The `type` asked for: residential or commercial. */
  type: string;
}

/** Text that can be a firmware location: no spaces, no markup. */
const LOCATION = /^[^\s<>"'`]{1,2048}$/;

/** `CheckFW`: `{"url":"none"}` when up to date, else the newer firmware's URL. */
export function parseCheckFw(raw: JsonObject, type: string): FirmwareCheck {
  if (typeof raw.url !== "string") throw new PayloadError('the answer has no "url" text');
  const url = raw.url.trim();
  if (url === "" || url.toLowerCase() === "none") return { updateAvailable: false, url: null, type };
  if (!LOCATION.test(url)) throw new PayloadError('the answer\'s "url" is neither "none" nor a location');
  return { updateAvailable: true, url, type };
}

export interface GridProfile {
  active: { name: string | null; id: string | null };
  pending: { name: string | null; id: string | null };
  /** True while a profile other than the active one waits to be applied. */
  changePending: boolean;
  /** How far applying the pending profile has come, 0…100. */
  percent: number | null;
  supportedBy: string | null;
  status: string | null;
}

/** `GridProfileGet`. */
export function parseGridProfile(raw: JsonObject): GridProfile {
  const active = { name: optionalString(raw.active_name), id: optionalString(raw.active_id) };
  const pending = { name: optionalString(raw.pending_name), id: optionalString(raw.pending_id) };
  if (active.name === null && active.id === null)
    throw new PayloadError('the answer names no active grid profile ("active_name", "active_id")');
  const changePending =
    pending.id !== null ? pending.id !== active.id : pending.name !== null && pending.name !== active.name;
  return {
    active,
    pending,
    changePending,
    percent: parseDecimal(raw.percent),
    supportedBy: optionalString(raw.supported_by),
    status: optionalString(raw.status),
  };
}

export interface DiscoveryProgress {
  /** True when the PVS has finished looking for devices. */
  complete: boolean;
  /** Per device type: how far the search is (percent) and how many were found. */
  progress: Array<{ type: string | null; percent: number | null; found: number | null }>;
}

/** `GetDiscoveryProgress`: `{"progress":[{"TYPE","PROGR","NFOUND"}],"complete":bool}`. */
export function parseDiscoveryProgress(raw: JsonObject): DiscoveryProgress {
  if (!Array.isArray(raw.progress)) throw new PayloadError('the answer has no "progress" array');
  const complete =
    raw.complete === true || raw.complete === "true" || raw.complete === 1
      ? true
      : raw.complete === false || raw.complete === "false" || raw.complete === 0
        ? false
        : null;
  if (complete === null) throw new PayloadError('the answer\'s "complete" is not true or false');
  const progress = raw.progress.map((entry, i) => {
    if (!isJsonObject(entry)) throw new PayloadError(`progress entry #${i + 1} is not an object`);
    return { type: optionalString(entry.TYPE), percent: parseDecimal(entry.PROGR), found: parseDecimal(entry.NFOUND) };
  });
  return { complete, progress };
}

export interface DeviceDetails {
  /** The device whose serial was asked for; null when the answer does not hold it. */
  device: Device | null;
  /** Every device the answer holds, normalized like the device list's. */
  devices: Device[];
}

/**
 * `DeviceDetails`: device records like the device list's, as `{"devices":[…]}`, `{"device":{…}}` or one
 * record at the top level. (Older units answer with an HTML page: the client reports PVS_HTML_RESPONSE.)
 */
export function parseDeviceDetails(raw: JsonObject, serial: string): DeviceDetails {
  const records = Array.isArray(raw.devices)
    ? raw.devices
    : isJsonObject(raw.device)
      ? [raw.device]
      : typeof raw.SERIAL === "string" || typeof raw.DEVICE_TYPE === "string"
        ? [raw]
        : null;
  if (!records) throw new PayloadError("the answer holds no device record");
  const devices = normalizeDeviceList({ devices: records }).devices;
  const wanted = serial.trim().toLowerCase();
  const device =
    devices.find((d) => d.serial !== null && d.serial.toLowerCase() === wanted) ??
    (devices.length === 1 ? devices[0] : null);
  return { device, devices };
}

/** The supervisor's health figures, from either API; a figure the API does not report is null. */
export interface SupervisorHealth {
  api: "legacy" | "localapi";
  model: string | null;
  /** Masked. */
  serial: string | null;
  /**
   * When the PVS sampled the figures (legacy `DATATIME`, which lags by up to an hour); null on the LocalAPI (read now).
   */
  dataTime: string | null;
  uptime_s: number | null;
  /** Legacy `dl_cpu_load`: a load average (not a percentage). */
  cpu_load: number | null;
  /** LocalAPI `/sys/info/cpu_usage`. */
  cpu_usage_pct: number | null;
  /** Legacy `dl_mem_used`. */
  mem_used_kib: number | null;
  /** LocalAPI `/sys/info/ram_usage`. */
  ram_usage_pct: number | null;
  /** Legacy `dl_flash_avail`: free flash. */
  flash_avail_kib: number | null;
  /** LocalAPI `/sys/info/flash_usage`. */
  flash_usage_pct: number | null;
  /** LocalAPI `/sys/pvs/flashwear_type_b` (PVS6): eMMC wear band, 1 = up to 10 % of rated life … 11 = beyond it. */
  flash_wear_band: number | null;
  /** Legacy `dl_untransmitted`: records not yet uploaded to the SunPower cloud. */
  untransmitted: number | null;
  /** Legacy `dl_comm_err`. */
  comm_errors: number | null;
  /** Legacy `dl_err_count`: errors since the last report. */
  error_count: number | null;
  /** Legacy `dl_skipped_scans`. */
  skipped_scans: number | null;
}

/** The health figures of the supervisor record of a device list (legacy) or of the system variables (LocalAPI). */
export function supervisorHealth(api: SupervisorHealth["api"], supervisor: Device | null): SupervisorHealth {
  if (!supervisor)
    throw new PayloadError(
      api === "legacy" ? "the device list holds no PVS record" : "the PVS reported no system variables",
    );
  const m = (name: string) => {
    const v = supervisor.metrics[name];
    return typeof v === "number" ? v : null;
  };
  return {
    api,
    model: supervisor.model,
    serial: supervisor.serial,
    dataTime: supervisor.dataTime,
    uptime_s: m("dl_uptime"),
    cpu_load: m("dl_cpu_load"),
    cpu_usage_pct: m("cpu_usage_pct"),
    mem_used_kib: m("dl_mem_used"),
    ram_usage_pct: m("ram_usage_pct"),
    flash_avail_kib: m("dl_flash_avail"),
    flash_usage_pct: m("flash_usage_pct"),
    flash_wear_band: m("flashwear_type_b"),
    untransmitted: m("dl_untransmitted"),
    comm_errors: m("dl_comm_err"),
    error_count: m("dl_err_count"),
    skipped_scans: m("dl_skipped_scans"),
  };
}
