// pvs-inverter-split's settings: what its edit dialog saves, their defaults and their migrations, for the
// runtime (src/node-red/node-settings.ts) and the editor (editor.ts) alike.
import { BaseProps, NodeSettings, VERSIONS_BEGIN } from "../../src/settings/node-settings";

export interface PvsInverterSplitProps extends BaseProps {
  /** Where the topic prefix comes from: a fixed string ("str"), or msg, flow, global, env. */
  topicPrefixType: string;
  topicPrefix: string;
  splitInverters: boolean;
  splitMeters: boolean;
  splitSupervisor: boolean;
  splitOther: boolean;
  outputMode: "single" | "perType";
  /** Only these devices, by serial; empty: all. */
  serials: string[];
  /** Node-RED's output count: 1, or 4 per type. */
  outputs: number;
}

export const PVS_INVERTER_SPLIT_SETTINGS: NodeSettings<PvsInverterSplitProps> = {
  type: "pvs-inverter-split",
  defaults: {
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
  migrations: [VERSIONS_BEGIN],
};
