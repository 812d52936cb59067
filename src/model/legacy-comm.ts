// Legacy `Command=Get_Comm` answer -> CommPayload.
import { optionalString, parseDecimal } from "./fields";
import { PayloadError } from "./payload-error";
import { isJsonObject, JsonObject, setOwn } from "./safe-object";
import { parseEpochSeconds } from "./time";

export type InterfaceKind = "ethernet" | "wifi" | "plc" | "cellular" | "other";

export interface CommInterface {
  /** The PVS's name for it: `wan`, `plc`, `sta0` (Wi-Fi), `cell`. */
  name: string;
  kind: InterfaceKind;
  /**
   * Link up: `state` "up" (LocalAPI "online"), or `link`/`status` "connected", and none of them saying it is
   * down. Null when the PVS says nothing it means (the LocalAPI's default "N/A": no such interface).
   */
  connected: boolean | null;
  /** Internet reachable through this interface (`internet` "up"/"down"). */
  internet: boolean | null;
  /** SunPower cloud reachable (`sms` "reachable"/"unreachable"). */
  cloud: boolean | null;
  ipAddress: string | null;
  /** Wi-Fi dBm or cellular signal, as a number. */
  signal: number | null;
  /** Every field as the PVS reported it. */
  properties: JsonObject;
}

export interface CommPayload {
  /** `networkstatus.ts`, ISO-8601 UTC. */
  time: string | null;
  system: { interface: string | null; internet: boolean | null; cloud: boolean | null };
  /** The interface the PVS uses for its uplink (`system.interface`). */
  primary: CommInterface | null;
  interfaces: CommInterface[];
}

export const KINDS: { [name: string]: InterfaceKind } = {
  wan: "ethernet",
  wan0: "ethernet",
  wan1: "ethernet",
  sta0: "wifi",
  plc: "plc",
  cell: "cellular",
  wwan0: "cellular",
};

export function normalizeComm(raw: unknown): CommPayload {
  if (!isJsonObject(raw)) throw new PayloadError("the network status is not a JSON object");
  const status = raw.networkstatus;
  if (!isJsonObject(status)) throw new PayloadError('the answer has no "networkstatus" object');
  const list = status.interfaces ?? [];
  if (!Array.isArray(list)) throw new PayloadError('"networkstatus.interfaces" is not an array');
  const interfaces = list.map((entry, i) => {
    if (!isJsonObject(entry)) throw new PayloadError(`interface #${i + 1} is not an object`);
    return normalizeInterface(entry);
  });
  const sys = isJsonObject(status.system) ? status.system : {};
  const primaryName = optionalString(sys.interface);
  return {
    time: parseEpochSeconds(status.ts),
    system: { interface: primaryName, internet: upDown(sys.internet), cloud: reachable(sys.sms) },
    primary: interfaces.find((i) => i.name === primaryName) ?? null,
    interfaces,
  };
}

function normalizeInterface(entry: JsonObject): CommInterface {
  const name = optionalString(entry.interface) ?? "unknown";
  const properties: JsonObject = {};
  for (const [k, v] of Object.entries(entry)) setOwn(properties, k, v);
  return {
    name,
    kind: Object.hasOwn(KINDS, name) ? KINDS[name] : "other",
    connected: connected(entry),
    internet: upDown(entry.internet),
    cloud: reachable(entry.sms),
    ipAddress: optionalString(entry.ipaddr),
    signal: parseDecimal(entry.signal),
    properties,
  };
}

function word(value: unknown): string | null {
  return typeof value === "string" ? value.trim().toLowerCase() : null;
}

export function upDown(value: unknown): boolean | null {
  const w = word(value);
  return w === "up" ? true : w === "down" ? false : null;
}

function reachable(value: unknown): boolean | null {
  const w = word(value);
  return w === "reachable" ? true : w === "unreachable" ? false : null;
}

/** Words of `state`, `link`, `status` that say the link is up, and that say it is not. */
const LINK_UP = new Set(["up", "connected", "online"]);
const LINK_DOWN = new Set(["down", "disconnected", "offline", "not_registered"]);

/**
 * Whether an interface's link is up. Any field saying down wins: a cell modem reports `link: connected` while
 * its `state` is DOWN and `status` NOT_REGISTERED (cmalek/sungazer tests/fixtures/Get_Comm/Get_Comm.json).
 * LocalAPI `/net/<if>/state` is "online" on the link in use and "N/A" by default (SunStrong-Management/pypvs
 * doc/varserver-variables-public-pvs6.csv; "online" is what a public reader treats as connected); "offline" is
 * taken as its opposite. N/A and other words say nothing, so null.
 */
export function connected(entry: JsonObject): boolean | null {
  const signals = [word(entry.state), word(entry.link), word(entry.status)].filter(
    (w): w is string => w !== null && w !== "",
  );
  if (signals.some((w) => LINK_DOWN.has(w))) return false;
  if (signals.some((w) => LINK_UP.has(w))) return true;
  return null;
}

/** True when two answers differ in anything but their timestamp. */
export function commChanged(previous: CommPayload | null, next: CommPayload): boolean {
  if (previous === null) return true;
  return JSON.stringify({ ...previous, time: null }) !== JSON.stringify({ ...next, time: null });
}
