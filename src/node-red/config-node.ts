// How a node finds its pvs-config and says why it cannot poll: shared by the polling nodes and pvs-live.
import { NodeAPI } from "node-red";
import { PvsError } from "../pvs/http/errors";
import { PvsConfigNode } from "./types";

/** The selected pvs-config, or null when none is selected, it is disabled, or the id names another type. */
export function findPvsConfig(RED: NodeAPI, id: string): PvsConfigNode | null {
  const found = RED.nodes.getNode(id) as PvsConfigNode | null;
  return found && found.type === "pvs-config" ? found : null;
}

/** Why the node cannot work: no config, a bad setting of its own (`settingError`), or a bad config. */
export function setupErrorOf(config: PvsConfigNode | null, settingError: string | null): PvsError | null {
  if (!config) return new PvsError("PVS_NOT_CONFIGURED", "no pvs-config node is selected, or it is disabled");
  if (settingError) return new PvsError("PVS_BAD_CONFIG", settingError);
  if (config.configError) return new PvsError(config.configErrorCode ?? "PVS_BAD_CONFIG", config.configError);
  return null;
}
