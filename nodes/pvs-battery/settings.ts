// pvs-battery's settings: what its edit dialog saves, their defaults and their migrations, for the runtime
// (src/node-red/node-settings.ts) and the editor (editor.ts) alike.
import { BaseProps, NodeSettings, VERSIONS_BEGIN } from "../../src/settings/node-settings";

export interface PvsBatteryProps extends BaseProps {
  /** The pvs-config node's id. */
  server: string;
  /** Minutes the mode and reserve are watched after a write (the vendor's cloud may put its own back). */
  watch: number | string;
  topic: string;
}

export const PVS_BATTERY_SETTINGS: NodeSettings<PvsBatteryProps> = {
  type: "pvs-battery",
  defaults: {
    name: "",
    watch: 10,
    topic: "",
  },
  migrations: [VERSIONS_BEGIN],
};
