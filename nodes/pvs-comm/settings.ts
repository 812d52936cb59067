// pvs-comm's settings: what its edit dialog saves, their defaults and their migrations, for the runtime
// (src/node-red/node-settings.ts) and the editor (editor.ts) alike.
import { BaseProps, NodeSettings, VERSIONS_BEGIN } from "../../src/settings/node-settings";

export interface PvsCommProps extends BaseProps {
  /** The pvs-config node's id. */
  server: string;
  /** Seconds between polls; 0 polls only on input. Text from a form field or an environment variable. */
  interval: number | string;
  topic: string;
  onlyOnChange: boolean;
}

export const PVS_COMM_SETTINGS: NodeSettings<PvsCommProps> = {
  type: "pvs-comm",
  defaults: { name: "", interval: 300, topic: "", onlyOnChange: false },
  migrations: [VERSIONS_BEGIN],
};
