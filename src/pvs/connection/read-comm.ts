// The network status (pvs-comm) in the same normalized shape on both APIs: the legacy Get_Comm, or the
// LocalAPI's network and system variables.
import { CommPayload, normalizeComm } from "../../model/legacy-comm";
import { redactDeep } from "../../model/redact";
import { normalizeVarsComm } from "../../model/localapi-comm";
import { ApiKind } from "./identity";
import { legacyCommand } from "../legacy/dl-cgi";
import { ReadContext } from "./read-context";
import { ReadOptions } from "../http/request";

export interface CommReading {
  api: ApiKind;
  payload: CommPayload;
}

const GET_COMM = legacyCommand("Get_Comm");

export async function readComm(
  { client, detection, groups, secrets }: ReadContext,
  signal: AbortSignal,
  { shareWithinMs = 0, onStart }: ReadOptions = {},
): Promise<CommReading> {
  return detection.withApi(signal, async (api) => {
    if (api === "legacy")
      return { api, payload: normalizeComm(await client.request(GET_COMM, signal, { shareWithinMs, onStart })) };
    const net = await groups.read("network", signal, shareWithinMs, onStart);
    const system = await groups.read("system", signal, shareWithinMs, onStart);
    return { api, payload: redactDeep(normalizeVarsComm(net, system), secrets.list()) };
  });
}
