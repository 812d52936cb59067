// The answers pvs-command reads: legacy `?Command=` reads, the open `supervisor/info`, and the supervisor's
// health figures (from the DeviceList on the legacy API, from the system variables on the LocalAPI).
import { SupervisorHealth, supervisorHealth } from "../../model/command-answers";
import { legacySecrets, normalizeDeviceList } from "../../model/legacy-device-list";
import { redactDeep } from "../../model/redact";
import { isJsonObject, JsonObject } from "../../model/safe-object";
import { supervisorDevice, varsSecrets } from "../../model/localapi-device-list";
import { ApiKind } from "./identity";
import { PvsError, PvsErrorCode } from "../http/errors";
import { legacyPath } from "../legacy/dl-cgi";
import { ReadContext } from "./read-context";
import { DEVICE_LIST_REQUEST } from "./read-device-list";
import { Freshness, PvsRequest } from "../http/request";

/** A command's answer as received, and the strings it must be masked with before it leaves the package. */
export interface CommandReading {
  api: ApiKind;
  raw: JsonObject;
  secrets: string[];
}

export interface HealthReading {
  api: ApiKind;
  health: SupervisorHealth;
  /** The supervisor's record (legacy) or the system variables (LocalAPI), masked. */
  raw: JsonObject;
}

/**
 * Failures that are a command's outcome, not news about the firmware: they never trigger a fresh API detection.
 * (A legacy 403 still does, once per FORBIDDEN_REDETECT_MS: it may mean the firmware was updated.)
 */
const COMMAND_OUTCOMES = new Set<PvsErrorCode>([
  "PVS_NOT_SUPPORTED",
  "PVS_COMMAND_FAILED",
  "PVS_HTML_RESPONSE",
  "PVS_BAD_RESPONSE",
]);

const SUPERVISOR_INFO = legacyPath("supervisor/info");

/**
 * A legacy `?Command=` read (pvs-command), sent only when the PVS serves the legacy API: LocalAPI firmware
 * answers these with 403, which would count as a failure (back-off, breaker) and set off a fresh detection,
 * so on the LocalAPI they are refused with PVS_NOT_SUPPORTED without asking the PVS.
 */
export async function runLegacyCommand(
  { client, detection, secrets }: ReadContext,
  request: PvsRequest,
  signal: AbortSignal,
): Promise<CommandReading> {
  return detection.withApi(
    signal,
    async (api) => {
      if (api !== "legacy") {
        throw new PvsError(
          "PVS_NOT_SUPPORTED",
          `${request.label} is a legacy dl_cgi command; this PVS serves the LocalAPI, whose firmware refuses ?Command= requests (HTTP 403). Nothing was sent. SupervisorInfo and SupervisorHealth work on both APIs`,
        );
      }
      const raw = await client.request(request, signal, { command: true });
      return { api, raw, secrets: [...secrets.list(), ...legacySecrets(raw)] };
    },
    COMMAND_OUTCOMES,
  );
}

/** `supervisor/info`: open on both firmware generations. */
export async function readSupervisorInfo(
  { client, detection, secrets }: ReadContext,
  signal: AbortSignal,
): Promise<CommandReading> {
  return detection.withApi(
    signal,
    async (api) => {
      const raw = await client.request(SUPERVISOR_INFO, signal, { command: true });
      return { api, raw, secrets: [...secrets.list(), ...legacySecrets(raw)] };
    },
    COMMAND_OUTCOMES,
  );
}

/**
 * The supervisor's health figures. Legacy: the PVS record of the DeviceList, through the DeviceList ration
 * (`freshness` "reuse" takes the last answer within the ration instead of asking again). LocalAPI: the
 * system variables, through their server-side cache.
 */
export async function readSupervisorHealth(
  { client, detection, groups, secrets: owner }: ReadContext,
  signal: AbortSignal,
  freshness: Freshness,
): Promise<HealthReading> {
  return detection.withApi(signal, async (api) => {
    if (api === "legacy") {
      const answer = await client.request(DEVICE_LIST_REQUEST, signal, { freshness });
      const list = normalizeDeviceList(answer);
      const record = Array.isArray(answer.devices)
        ? answer.devices.find((d) => isJsonObject(d) && d.DEVICE_TYPE === "PVS")
        : undefined;
      const secrets = [...owner.list(), ...legacySecrets(answer)];
      return {
        api,
        health: supervisorHealth(api, list.supervisor),
        raw: redactDeep(isJsonObject(record) ? record : {}, secrets),
      };
    }
    const system = await groups.read("system", signal);
    const secrets = [...owner.list(), ...varsSecrets(system)];
    return {
      api,
      health: redactDeep(supervisorHealth(api, supervisorDevice(system, null)), secrets),
      raw: redactDeep(system, secrets),
    };
  });
}
