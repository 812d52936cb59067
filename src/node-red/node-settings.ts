// Every node type's settings for the runtime: each node folder's settings.ts (defaults, migrations) applied by the
// pure runner the editor uses too (src/settings/node-settings.ts). These settings modules are pure data that
// import only src/settings; this table is the one place the runtime lists them, so that a runtime may look a
// node type's setting up by its name (the shared polling code reads each type's own interval default).
import { PVS_COMM_SETTINGS } from "../../nodes/pvs-comm/settings";
import { PVS_COMMAND_SETTINGS } from "../../nodes/pvs-command/settings";
import { PVS_CONFIG_SETTINGS } from "../../nodes/pvs-config/settings";
import { PVS_DEVICE_LIST_SETTINGS } from "../../nodes/pvs-device-list/settings";
import { PVS_INVERTER_SPLIT_SETTINGS } from "../../nodes/pvs-inverter-split/settings";
import { PVS_LIVE_SETTINGS } from "../../nodes/pvs-live/settings";
import { BaseProps, defaultOf, migrateInPlace, NodeSettings, SettingValue } from "../settings/node-settings";

/** Each node type's settings, by type. */
export const NODE_SETTINGS: Readonly<Record<string, NodeSettings<BaseProps>>> = Object.fromEntries(
  [
    PVS_CONFIG_SETTINGS,
    PVS_DEVICE_LIST_SETTINGS,
    PVS_COMM_SETTINGS,
    PVS_COMMAND_SETTINGS,
    PVS_LIVE_SETTINGS,
    PVS_INVERTER_SPLIT_SETTINGS,
  ].map((s: NodeSettings<BaseProps>) => [s.type, s]),
);

/** Each node type's defaults, by type (not `server`: a node without a pvs-config cannot work). */
export const NODE_DEFAULTS: Readonly<Record<string, Readonly<Record<string, SettingValue>>>> = Object.fromEntries(
  Object.values(NODE_SETTINGS).map((s) => [s.type, s.defaults]),
);

function settingsOf(type: string): NodeSettings<BaseProps> {
  const settings = NODE_SETTINGS[type];
  if (!settings) throw new Error(`no settings for node type ${type}`);
  return settings;
}

/**
 * A number setting's default for a node type: what a runtime falls back to when the setting is blank (spaces,
 * an empty environment variable), so that no runtime keeps a copy.
 */
export function defaultNumber(type: string, name: string): number {
  const value = defaultOf(settingsOf(type), name);
  if (typeof value !== "number") throw new Error(`${type} has no number setting ${name}`);
  return value;
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
  migrateInPlace(settingsOf(type), out);
  return out as T & Record<string, unknown> & { settingsVersion: number };
}
