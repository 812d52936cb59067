// The path-style dl_cgi reads the vendor documents as still served on new firmware (SunStrong-Management/pypvs
// doc/dl_cgi.md): `supervisor/info` and `communication/interfaces` open, `devices/list`, `network/interfaces` and
// `network/powerProduction` only with a LocalAPI session ("called same way as described in LocalAPI"). Old
// firmware needs no login for any of them. The doc gives no bodies: they follow the PVS6 swagger
// (cmalek/sungazer data/pvs6-swagger.json: getSupervisorInfo, getInterfaces, getDevices, getNetworkInterfaces,
// getPowerProduction).
import type { Answer } from "./localapi";
import type { LegacyDevice } from "./legacy-answers";

/** What the paths read of the simulated site. */
export interface PathSite {
  readonly localApi: boolean;
  supervisorInfo(): Record<string, unknown>;
  comm(): Record<string, unknown>;
  /** The DeviceList records, faults and the test's edits applied. */
  devices(): LegacyDevice[];
}

/** What new firmware answers on a locked dl_cgi read without a session (krbaker/hass-sunpower#125). */
export const LEGACY_LOCKED: Answer = { status: 403, body: { status: 403, error: "Unauthorized", path: "" } };

/** Open on every firmware (pypvs doc/dl_cgi.md "Open"). */
const OPEN = new Set(["supervisor/info", "communication/interfaces"]);

/** Whether new firmware answers this dl_cgi path without a session. */
export function isOpenPath(path: string): boolean {
  return OPEN.has(path);
}
const WITH_SESSION = new Set(["devices/list", "network/interfaces", "network/powerProduction"]);

const ALIASES: Record<string, string> = { wan: "Ethernet", sta0: "Wi-Fi", cell: "Cellular", plc: "PLC" };

/**
 * getNetworkInterfaces: the interfaces Get_Comm reports, each with `alias` (what a user is shown). No public answer
 * shows the aliases: these are ours.
 */
function networkInterfaces(comm: Record<string, unknown>): Array<{ interface: string; alias: string }> {
  const status = comm.networkstatus as { interfaces?: Array<{ interface?: unknown }> } | undefined;
  return (status?.interfaces ?? []).map((i) => {
    const name = String(i.interface);
    return { interface: name, alias: ALIASES[name] ?? name };
  });
}

/** The answer to `GET /cgi-bin/dl_cgi/<path>`, or null when the path is not one of these. */
export function dlCgiPath(site: PathSite, path: string, hasSession: boolean): Answer | null {
  if (!OPEN.has(path) && !WITH_SESSION.has(path)) return null;
  if (site.localApi && WITH_SESSION.has(path) && !hasSession) return LEGACY_LOCKED;
  switch (path) {
    case "supervisor/info":
      return { status: 200, body: site.supervisorInfo() };
    case "communication/interfaces":
      // getInterfaces: the same CommunicationsInterfaces object as Command=Get_Comm.
      return { status: 200, body: site.comm() };
    case "devices/list":
      // getDevices: a bare array of the DeviceList records (schema DeviceList: array of DeviceDetail).
      return { status: 200, body: site.devices() };
    case "network/interfaces":
      return { status: 200, body: networkInterfaces(site.comm()) };
    default:
      // getPowerProduction: powerProductionStatus, "On" while the inverters may produce.
      return { status: 200, body: { powerProduction: "On", result: "succeed" } };
  }
}
