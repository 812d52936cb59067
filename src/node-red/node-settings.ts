// Every node's settings: their defaults, for the runtime and the editor alike (scripts/build.js writes them into
// the editor files, nodes/*.html), and the migrations that bring a node saved by an earlier version of this
// package up to the current one. A flow saved by any earlier version is valid and works: a setting it lacks
// means its default, in the runtime and in the editor.
import { CONFIG_DEFAULTS } from "./config-settings";

/**
 * The version of the settings every node carries (`settingsVersion`). A node without one was saved before
 * versions existed (version 0). Raise it with a new step in MIGRATIONS when a setting is added, renamed or
 * changes meaning.
 */
export const SETTINGS_VERSION = 1;

type Value = string | number | boolean | Record<string, string> | string[];

/** Each node type's settings with their defaults (not `server`: a node without a pvs-config cannot work). */
export const NODE_DEFAULTS: Readonly<Record<string, Readonly<Record<string, Value>>>> = {
  "pvs-config": {
    name: "",
    host: CONFIG_DEFAULTS.host,
    api: "auto",
    port: CONFIG_DEFAULTS.port,
    protocol: CONFIG_DEFAULTS.protocol,
    localPort: CONFIG_DEFAULTS.localPort,
    telemetryPort: CONFIG_DEFAULTS.telemetryPort,
    fingerprint: "",
    timeout: CONFIG_DEFAULTS.timeoutS,
    minSpacing: CONFIG_DEFAULTS.minSpacingS,
    deviceListEvery: CONFIG_DEFAULTS.deviceListEveryS,
    labels: {},
  },
  "pvs-device-list": {
    name: "",
    interval: 120,
    topic: "",
    units: "pvs",
    includeRaw: false,
    output: "list",
    prefix: "",
    discoveryPrefix: "",
  },
  "pvs-comm": { name: "", interval: 300, topic: "", onlyOnChange: false },
  "pvs-command": {
    name: "",
    command: "SupervisorHealth",
    firmwareType: "residential",
    serialNumber: "",
    fromMsg: true,
    interval: 0,
    topic: "",
  },
  "pvs-live": { name: "", send: "change", threshold: 50, every: 10, interval: 10, units: "pvs", topic: "" },
  "pvs-inverter-split": {
    name: "",
    topicPrefixType: "str",
    topicPrefix: "pvs",
    splitInverters: true,
    splitMeters: false,
    splitSupervisor: false,
    splitOther: false,
    outputMode: "single",
    serials: [],
    outputs: 1,
  },
};

/**
 * A number setting's default for a node type, from NODE_DEFAULTS: what a runtime falls back to when the setting
 * is blank (a form field left empty or spaces, an empty environment variable), so that no runtime keeps a copy.
 */
export function defaultNumber(type: string, name: string): number {
  const value = NODE_DEFAULTS[type]?.[name];
  if (typeof value !== "number") throw new Error(`${type} has no number setting ${name}`);
  return value;
}

/**
 * A setting the node lacks: not saved (an older version), or left blank where blank has no meaning of its own
 * (a number, a choice; a blank topic or name does mean something: the default topic, no name).
 */
function absent(value: unknown, fallback?: Value): boolean {
  return value === undefined || value === null || (value === "" && fallback !== undefined && fallback !== "");
}

function copy(value: Value): Value {
  return typeof value === "object" ? (JSON.parse(JSON.stringify(value)) as Value) : value;
}

/** The defaults, filled in where a setting is missing. */
function fillDefaults(type: string, def: Record<string, unknown>): void {
  // The dl_cgi port's default follows the protocol, as in the form and parseSettings.
  if (type === "pvs-config" && absent(def.port, 443) && def.protocol === "https") def.port = 443;
  for (const [name, value] of Object.entries(NODE_DEFAULTS[type] ?? {}))
    if (absent(def[name], value)) def[name] = copy(value);
}

/** One step: from version `from` to `from + 1`. */
type Migration = (type: string, def: Record<string, unknown>) => void;

const MIGRATIONS: Record<number, Migration> = {
  // 0 → 1: before versions, a setting added later (telemetryPort, deviceListEvery, localPort…) was simply not
  // saved; it means its default.
  0: fillDefaults,
};

function versionOf(def: { settingsVersion?: unknown }): number {
  const v = Number(def.settingsVersion);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

/**
 * The node's settings at the current version: a new object, each missing setting given its default. A node
 * saved by a newer version of the package keeps its settings as they are (never downgraded).
 */
export function migrateSettings<T extends object>(
  type: string,
  def: T,
): T & Record<string, unknown> & { settingsVersion: number } {
  // Every own property, hidden ones too (Node-RED hands its nodes hidden ones such as `_flow`).
  const out = Object.defineProperties({}, Object.getOwnPropertyDescriptors(def)) as Record<string, unknown>;
  let version = versionOf(def);
  while (version < SETTINGS_VERSION) {
    MIGRATIONS[version]?.(type, out);
    version++;
  }
  // Whatever the version says, a missing setting is its default (a hand-edited or partly imported flow).
  fillDefaults(type, out);
  out.settingsVersion = Math.max(version, SETTINGS_VERSION);
  return out as T & Record<string, unknown> & { settingsVersion: number };
}
