// pvs-device-list's settings: what its edit dialog saves, their defaults and their migrations, for the runtime
// (src/node-red/node-settings.ts) and the editor (editor.ts) alike.
import { BaseProps, NodeSettings, VERSIONS_BEGIN } from "../../src/settings/node-settings";

export interface PvsDeviceListProps extends BaseProps {
  /** The pvs-config node's id. */
  server: string;
  /**
   * The longest seconds between polls (device data is read when the PVS publishes it, and at least this often);
   * 0 polls only on input. Text from a form field or an environment variable.
   */
  interval: number | string;
  topic: string;
  units: "pvs" | "si";
  includeRaw: boolean;
  output: "list" | "influx" | "mqtt" | "homeassistant";
  /** The topic prefix of the MQTT and Home Assistant outputs, the measurement's of Influx. */
  prefix: string;
  discoveryPrefix: string;
}

export const PVS_DEVICE_LIST_SETTINGS: NodeSettings<PvsDeviceListProps> = {
  type: "pvs-device-list",
  defaults: {
    name: "",
    interval: 900,
    topic: "",
    units: "pvs",
    includeRaw: false,
    output: "list",
    prefix: "",
    discoveryPrefix: "",
  },
  migrations: [VERSIONS_BEGIN],
};
