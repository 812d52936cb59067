// pvs-live's settings: what its edit dialog saves, their defaults and their migrations, for the runtime
// (src/node-red/node-settings.ts) and the editor (editor.ts) alike.
import { BaseProps, NodeSettings, VERSIONS_BEGIN } from "../../src/settings/node-settings";

export interface PvsLiveProps extends BaseProps {
  /** The pvs-config node's id. */
  server: string;
  /** Every update, on a change beyond `threshold`, or at most every `every` seconds. */
  send: "update" | "change" | "interval";
  /** Watts. */
  threshold: number | string;
  /** Seconds. */
  every: number | string;
  /** Seconds between polls where there is no telemetry stream. */
  interval: number | string;
  units: "pvs" | "si";
  topic: string;
}

export const PVS_LIVE_SETTINGS: NodeSettings<PvsLiveProps> = {
  type: "pvs-live",
  defaults: { name: "", send: "change", threshold: 50, every: 10, interval: 10, units: "pvs", topic: "" },
  migrations: [VERSIONS_BEGIN],
};
