// "Search the network" in the pvs-config dialog: the PVS units that answer mDNS (src/pvs/discovery/browse.ts),
// each with what its open legacy supervisor/info says (model, firmware build, hence the API; see
// src/pvs/connection/identity.ts). One request per unit, only to an address mDNS gave, which is on the local network.
import net from "net";
import { browsePvs, PvsUnit } from "../../src/pvs/discovery/browse";
import { apiForBuild, identityFromSupervisorInfo } from "../../src/pvs/connection/identity";
import { parseJsonBody } from "../../src/pvs/http/json-body";
import { Transport } from "../../src/pvs/http/transport";
import { isJsonObject } from "../../src/model/safe-object";
import { DiscoverAnswer, DiscoveredUnit } from "../../src/node-red/admin-api";

const BROWSE_MS = 3000;
// The user waits in the dialog; a PVS answers supervisor/info within a second.
const INFO_TIMEOUT_MS = 2500;
// A supervisor/info answer is a few hundred bytes.
const INFO_MAX_BYTES = 64 * 1024;
const VERSION = /^[\w .,:+-]{1,64}$/;

export async function searchNetwork(): Promise<DiscoverAnswer> {
  const units = await browsePvs({ timeoutMs: BROWSE_MS });
  return { units: await Promise.all(units.map(describe)) };
}

/** The unit as mDNS announced it, with its firmware where supervisor/info tells it; never throws. */
async function describe(unit: PvsUnit): Promise<DiscoveredUnit> {
  const { model, addresses, host, port, serial } = unit;
  const found: DiscoveredUnit = { model, addresses, host, port, serial, build: null, version: null, api: null };
  const address = addresses.find((a) => net.isIPv4(a));
  if (!address) return found;
  const transport = new Transport({ protocol: "http", host: address, port }, INFO_MAX_BYTES);
  try {
    const answer = await transport.get("/cgi-bin/dl_cgi/supervisor/info", "", INFO_TIMEOUT_MS);
    if (answer.status !== 200) return found;
    const body = parseJsonBody(answer.body);
    const identity = isJsonObject(body) ? identityFromSupervisorInfo(body) : null;
    if (!identity) return found;
    // The serial it also reports is left out: mDNS's, already masked, is the one shown.
    const said = identity.model === "PVS5" || identity.model === "PVS6" ? identity.model : model;
    const version = identity.version !== null && VERSION.test(identity.version) ? identity.version : null;
    return { ...found, model: said, build: identity.build, version, api: apiForBuild(said, identity.build) };
  } catch {
    return found;
  } finally {
    transport.close();
  }
}
