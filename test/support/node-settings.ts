// Every node type's settings by type, for tests that go over all of them (the runtime has no such table: each
// node runtime hands its own settings to the shared code).
import { PVS_BATTERY_SETTINGS } from "../../nodes/pvs-battery/settings";
import { PVS_COMM_SETTINGS } from "../../nodes/pvs-comm/settings";
import { PVS_COMMAND_SETTINGS } from "../../nodes/pvs-command/settings";
import { HOST_REQUIRED_VERSION, PVS_CONFIG_SETTINGS } from "../../nodes/pvs-config/settings";
import { PVS_DEVICE_LIST_SETTINGS } from "../../nodes/pvs-device-list/settings";
import { PVS_INVERTER_SPLIT_SETTINGS } from "../../nodes/pvs-inverter-split/settings";
import { PVS_LIVE_SETTINGS } from "../../nodes/pvs-live/settings";
import { migrateSettings as migrate } from "../../src/node-red/node-settings";
import { BaseProps, NodeSettings, SettingValue } from "../../src/settings/node-settings";
import { NODE_TYPES } from "./node-types";

export const NODE_SETTINGS: Readonly<Record<string, NodeSettings<BaseProps>>> = Object.fromEntries(
  [
    PVS_CONFIG_SETTINGS,
    PVS_DEVICE_LIST_SETTINGS,
    PVS_COMM_SETTINGS,
    PVS_COMMAND_SETTINGS,
    PVS_LIVE_SETTINGS,
    PVS_INVERTER_SPLIT_SETTINGS,
    PVS_BATTERY_SETTINGS,
  ].map((s: NodeSettings<BaseProps>) => [s.type, s]),
);

/** Each node type's defaults, by type (not `server`: a node without a pvs-config cannot work). */
export const NODE_DEFAULTS: Readonly<Record<string, Readonly<Record<string, SettingValue>>>> = Object.fromEntries(
  Object.values(NODE_SETTINGS).map((s) => [s.type, s.defaults]),
);

/** The runtime's migration of a node of `type`. */
export function migrateSettings<T extends object>(type: string, def: T) {
  const settings = NODE_SETTINGS[type];
  if (!settings) throw new Error(`no settings for node type ${type}`);
  return migrate(settings, def);
}

// Every type in package.json has its settings here.
for (const type of NODE_TYPES) if (!NODE_SETTINGS[type]) throw new Error(`test/support/node-settings.ts lacks ${type}`);

/** A node as an earlier version saved it, and what the migration must make of it (the settings it names). */
export interface MigrationCase {
  what: string;
  type: string;
  saved: Record<string, unknown>;
  expect: Record<string, unknown>;
}

/** The migration steps' table: each step's cases, run through the runtime's and the editor's migration alike. */
export const MIGRATION_CASES: readonly MigrationCase[] = [
  {
    what: "pvs-config of version 1 without host: the host new nodes got then (old firmware's installer port)",
    type: "pvs-config",
    saved: { settingsVersion: 1, port: 80 },
    expect: { host: "172.27.153.1" },
  },
  {
    what: "pvs-config of version 1 with a blank host: the same",
    type: "pvs-config",
    saved: { settingsVersion: 1, host: "" },
    expect: { host: "172.27.153.1" },
  },
  {
    what: "pvs-config saved before versions existed, without host: the same",
    type: "pvs-config",
    saved: { timeout: 30 },
    expect: { host: "172.27.153.1", timeout: 30 },
  },
  {
    what: "pvs-config of version 1 with a host: kept",
    type: "pvs-config",
    saved: { settingsVersion: 1, host: "192.168.1.50" },
    expect: { host: "192.168.1.50" },
  },
  {
    what: "a new pvs-config (the version from which host is required) with a blank host: none, the user sets it",
    type: "pvs-config",
    saved: { settingsVersion: HOST_REQUIRED_VERSION, host: "" },
    expect: { host: "" },
  },
];
