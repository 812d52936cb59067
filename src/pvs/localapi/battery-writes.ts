// The SunVault settings an owner may change, and the only writes of them this package can build: the control mode
// and the reserve, the two ESS variables the vendor lists as writable by the owner (SunStrong-Management/pypvs
// doc/varserver-variables-public-pvs6.csv: `/ess/config/dcm/mode_param/control_mode` and
// `/ess/config/dcm/control_param/min_customer_soc`, ssm_owner read and write), written as
// `/vars?set=<name>=<value>` (pypvs doc/LocalAPI.md "Set a variable by name"; smcneece/ha-esunpower
// custom_components/sunpower/varserver_client.py set_var). Every write is built from the allow-list below: nothing
// else can reach `set=`. Values are checked before anything is sent, and one setting is written at most once per
// 5 minutes per PVS, whichever node asks: a change shows over minutes (ha-esunpower docs/SunVault-Notes.md).
import { PvsError } from "../http/errors";
import { PvsRequest } from "../http/request";
import { isJsonObject, JsonObject } from "../../model/safe-object";

/**
 * The modes an owner picks (ha-esunpower select.py BATTERY_MODE_MAP: "Self Supply", "Cost Savings", "Reserve"), by
 * the names a flow may use. TARIFF_OPTIMIZER is set by the firmware itself and never written.
 */
const MODES: Readonly<Record<string, string>> = {
  SELF_CONSUMPTION: "SELF_CONSUMPTION",
  "self-consumption": "SELF_CONSUMPTION",
  ENERGY_ARBITRAGE: "ENERGY_ARBITRAGE",
  "energy-arbitrage": "ENERGY_ARBITRAGE",
  "time-of-use": "ENERGY_ARBITRAGE",
  BACKUP_ONLY: "BACKUP_ONLY",
  "backup-only": "BACKUP_ONLY",
};

export type BatterySetting = "mode" | "reserve";

/** The allow-list: the one variable of each setting. */
export const BATTERY_VARIABLES: Readonly<Record<BatterySetting, string>> = {
  mode: "/ess/config/dcm/mode_param/control_mode",
  reserve: "/ess/config/dcm/control_param/min_customer_soc",
};

/** One checked write: the setting, its variable, the value as sent, and what the owner asked for. */
export interface BatteryWrite {
  setting: BatterySetting;
  variable: string;
  /** The value on the wire: a mode name, or the reserve as the vendor's 0-1 with two decimals. */
  value: string;
  /** The mode's name, or the reserve in percent, as asked. */
  asked: string | number;
}

function badValue(message: string): PvsError {
  return new PvsError("PVS_BAD_VALUE", message);
}

function modeWrite(value: unknown): BatteryWrite {
  const mode = typeof value === "string" && Object.hasOwn(MODES, value.trim()) ? MODES[value.trim()] : null;
  if (!mode) throw badValue("the battery mode must be SELF_CONSUMPTION, ENERGY_ARBITRAGE or BACKUP_ONLY");
  return { setting: "mode", variable: BATTERY_VARIABLES.mode, value: mode, asked: mode };
}

/** The reserve in whole percent, 0-100 ("30", 30, "30 %"); sent as 0.30 ("between 0.0 and 1.0", the CSV). */
function reserveWrite(value: unknown): BatteryWrite {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  const m = /^(\d{1,3})\s*%?$/.exec(text);
  const pct = m ? Number(m[1]) : NaN;
  if (!(pct >= 0 && pct <= 100)) throw badValue("the battery reserve must be a whole percent from 0 to 100");
  return { setting: "reserve", variable: BATTERY_VARIABLES.reserve, value: (pct / 100).toFixed(2), asked: pct };
}

/** The writes a message asks for (`{ mode, reserve }`, either or both), every value checked; none sent yet. */
export function batteryWrites(payload: unknown): BatteryWrite[] {
  if (!isJsonObject(payload)) throw badValue("msg.payload must be an object with mode and/or reserve");
  const unknown = Object.keys(payload).filter((k) => k !== "mode" && k !== "reserve");
  if (unknown.length > 0) throw badValue(`msg.payload may hold only mode and reserve, not ${unknown.join(", ")}`);
  const writes: BatteryWrite[] = [];
  if (payload.mode !== undefined) writes.push(modeWrite(payload.mode));
  if (payload.reserve !== undefined) writes.push(reserveWrite(payload.reserve));
  if (writes.length === 0) throw badValue("msg.payload names no battery setting (mode, reserve)");
  return writes;
}

/** The authenticated `/vars?set=` of one checked write: its variable from the allow-list, its checked value. */
export function batteryWriteRequest(write: BatteryWrite): PvsRequest {
  const variable = BATTERY_VARIABLES[write.setting];
  const ok = write.setting === "mode" ? Object.hasOwn(MODES, write.value) : /^(0|1)\.\d\d$/.test(write.value);
  if (variable !== write.variable || !ok) throw badValue("not a checked battery write");
  return {
    key: `VARS set ${write.setting} ${write.value}`,
    kind: "vars",
    path: "/vars",
    params: {},
    query: `set=${variable}=${write.value}`,
    session: true,
    write: true,
    light: true,
    label: "vars set",
  };
}

/** Reads both settings back (the firmware answers the names asked; a missing one is absent). */
export function batterySettingsRequest(): PvsRequest {
  const query = `name=${BATTERY_VARIABLES.mode},${BATTERY_VARIABLES.reserve}&fmt=obj`;
  return {
    key: `VARS ?${query}`,
    kind: "vars",
    path: "/vars",
    params: {},
    query,
    session: true,
    light: true,
    label: "vars",
  };
}

/** Whether `vars` (a read-back) shows the written value: the same mode, or the same reserve to 0.005. */
export function showsWritten(vars: JsonObject, write: BatteryWrite): boolean | null {
  const value = vars[write.variable];
  if (typeof value !== "string" && typeof value !== "number") return null;
  if (write.setting === "mode") return String(value).trim() === write.value;
  const n = Number(value);
  return Number.isFinite(n) ? Math.abs(n - Number(write.value)) < 0.005 : null;
}

/** Least time between two writes of one setting to one PVS. */
export const WRITE_SPACING_MS = 5 * 60_000;

/** When each setting of one PVS was last written; one per connection (keyed by its client), shared by every node. */
const lastWrites = new WeakMap<object, Map<string, number>>();

/** Claims the writes at `now`: all of them or, when one was written within 5 minutes, none (PVS_WRITE_TOO_SOON). */
export function claimWrites(pvs: object, writes: readonly BatteryWrite[], now: number): void {
  let last = lastWrites.get(pvs);
  if (!last) lastWrites.set(pvs, (last = new Map()));
  for (const w of writes) {
    const at = last.get(w.variable);
    if (at !== undefined && now - at < WRITE_SPACING_MS && now >= at) {
      const wait = Math.ceil((WRITE_SPACING_MS - (now - at)) / 1000);
      throw new PvsError(
        "PVS_WRITE_TOO_SOON",
        `the battery ${w.setting} was written less than 5 minutes ago (${wait} s to wait)`,
      );
    }
  }
  for (const w of writes) last.set(w.variable, now);
}
