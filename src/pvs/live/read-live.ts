// What the live feed reads besides the device list: the LocalAPI's `/sys/livedata/` variables, and the one
// write this package sends, the PVS6 telemetry WebSocket's enable switch.
import { liveFromVars, LiveValues } from "../../model/live";
import { PvsError } from "../http/errors";
import { ReadContext } from "../connection/read-context";
import { telemetryEnableRequest } from "../localapi/vars-query";

/** The LocalAPI's `/sys/livedata/` variables through their server-side cache. */
export async function readLiveVars({ detection, groups }: ReadContext, signal: AbortSignal): Promise<LiveValues> {
  return detection.withApi(signal, async (api) => {
    if (api !== "localapi")
      throw new PvsError("PVS_BAD_CONFIG", "the live data variables need the LocalAPI (new firmware)");
    const live = liveFromVars(await groups.read("live", signal));
    if (Object.keys(live).length === 0) throw new PvsError("PVS_BAD_RESPONSE", "the PVS sent no live data variables");
    return live;
  });
}

/** Turns the PVS6 telemetry WebSocket on: the one write this package sends. False when the PVS has none (PVS5). */
export async function enableTelemetry({ client }: ReadContext, signal: AbortSignal): Promise<boolean> {
  const answer = await client.request(telemetryEnableRequest(), signal);
  return answer.written === true;
}
