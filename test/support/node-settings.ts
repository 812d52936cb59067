// Every node type's settings by type, for tests that go over all of them (the runtime has no such table: each
// node runtime hands its own settings to the shared code).
import { PVS_BATTERY_SETTINGS } from "../../nodes/pvs-battery/settings";
import { PVS_COMM_SETTINGS } from "../../nodes/pvs-comm/settings";
import { PVS_COMMAND_SETTINGS } from "../../nodes/pvs-command/settings";
import { PVS_CONFIG_SETTINGS } from "../../nodes/pvs-config/settings";
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
