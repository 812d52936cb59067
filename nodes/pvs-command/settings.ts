// pvs-command's settings: what its edit dialog saves, their defaults and their migrations, for the runtime
// (src/node-red/node-settings.ts) and the editor (editor.ts) alike.
import { BaseProps, NodeSettings, VERSIONS_BEGIN } from "../../src/settings/node-settings";

export interface PvsCommandProps extends BaseProps {
  /** The pvs-config node's id. */
  server: string;
  /** One of the read commands of src/pvs/connection/commands.ts (the runtime refuses any other). */
  command: string;
  /** CheckFW's firmware type. */
  firmwareType: "residential" | "commercial";
  /** DeviceDetails' device. */
  serialNumber: string;
  /** Whether msg.command and msg.params may choose another command or parameters. */
  fromMsg: boolean;
  /** Seconds between runs; 0 runs only on input. */
  interval: number | string;
  topic: string;
}

export const PVS_COMMAND_SETTINGS: NodeSettings<PvsCommandProps> = {
  type: "pvs-command",
  defaults: {
    name: "",
    command: "SupervisorHealth",
    firmwareType: "residential",
    serialNumber: "",
    fromMsg: true,
    interval: 0,
    topic: "",
  },
  migrations: [VERSIONS_BEGIN],
};
