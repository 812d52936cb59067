// The legacy dl_cgi API: a read-only allow-list of commands and paths, and the checks every answer goes through.
import { PvsError } from "../http/errors";
import { parseJsonBody } from "../http/json-body";
import { PvsRequest } from "../http/request";
import { HttpAnswer } from "../http/transport";
import { isJsonObject, JsonObject } from "../../model/safe-object";

/** Commands that only read. Anything else (SetCellPurchased, GridProfileRefresh, discovery…) is refused in code. */
export const LEGACY_READ_COMMANDS = [
  "DeviceList",
  "Get_Comm",
  "Start",
  "Stop",
  "CheckFW",
  "GridProfileGet",
  "GetDiscoveryProgress",
  "DeviceDetails",
] as const;
export type LegacyCommand = (typeof LEGACY_READ_COMMANDS)[number];

/** Path-style dl_cgi resources that only read. */
export const LEGACY_READ_PATHS = [
  "supervisor/info",
  "energy-storage-system/status",
  "communication/interfaces",
] as const;
export type LegacyPath = (typeof LEGACY_READ_PATHS)[number];

const DL_CGI = "/cgi-bin/dl_cgi";
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_]{0,40}$/;

export function isLegacyReadCommand(command: string): command is LegacyCommand {
  return (LEGACY_READ_COMMANDS as readonly string[]).includes(command);
}

export function legacyCommand(command: string, params: Record<string, string> = {}): PvsRequest {
  if (!isLegacyReadCommand(command))
    throw new PvsError("PVS_NOT_ALLOWED", `"${command}" is not a read-only PVS command`);
  const query: Record<string, string> = { Command: command };
  for (const [name, value] of Object.entries(params)) {
    if (!PARAM_NAME.test(name) || name === "Command")
      throw new PvsError("PVS_NOT_ALLOWED", `"${name}" is not a valid parameter name`);
    query[name] = String(value);
  }
  const key = "GET " + DL_CGI + "?" + new URLSearchParams(query).toString();
  // DeviceList makes the PVS walk every device (10 s to over a minute): the one request worth rationing.
  return {
    key,
    kind: "dl_cgi",
    path: DL_CGI,
    params: query,
    label: command,
    ...(command === "DeviceList" ? { rationed: true } : {}),
  };
}

export function legacyPath(path: string): PvsRequest {
  if (!(LEGACY_READ_PATHS as readonly string[]).includes(path))
    throw new PvsError("PVS_NOT_ALLOWED", `"${path}" is not a read-only PVS path`);
  const full = `${DL_CGI}/${path}`;
  // supervisor/info is a few fields the web server has at hand (the open detection read on both firmware
  // generations): light, unlike the commands that make dl_cgi query the devices.
  return {
    key: "GET " + full,
    kind: "dl_cgi",
    path: full,
    params: {},
    label: path,
    ...(path === "supervisor/info" ? { light: true } : {}),
  };
}

const FAILED_RESULTS = new Set(["error", "fail", "failed", "failure"]);

/**
 * Turns an HTTP answer into the JSON object it must be, or a PvsError that says what it was instead.
 * `secrets` are masked in any text taken from the answer.
 */
export function parseLegacyAnswer(answer: HttpAnswer, redact: (text: string) => string = (t) => t): JsonObject {
  if (answer.status === 403) {
    throw new PvsError(
      "PVS_FORBIDDEN",
      "PVS refused the request (HTTP 403): a temporary lock-out on older firmware, or firmware that only serves the new LocalAPI",
      403,
    );
  }
  if (answer.status >= 400) throw new PvsError("PVS_HTTP_ERROR", `PVS answered HTTP ${answer.status}`, answer.status);
  const parsed = parseJsonBody(answer.body, redact);
  if (!isJsonObject(parsed)) throw new PvsError("PVS_BAD_RESPONSE", "PVS sent JSON that is not an object");
  const status = parsed.status;
  if (typeof status === "number" && status >= 400 && typeof parsed.error === "string") {
    const code = status === 403 ? "PVS_FORBIDDEN" : "PVS_HTTP_ERROR";
    throw new PvsError(code, `PVS answered "${redact(parsed.error)}" (status ${status})`, status);
  }
  const result = typeof parsed.result === "string" ? parsed.result.trim().toLowerCase() : "";
  if (FAILED_RESULTS.has(result) || parsed.success === false) {
    const detail = [parsed.msg, parsed.message, parsed.error].find((v): v is string => typeof v === "string");
    throw new PvsError("PVS_COMMAND_FAILED", `PVS reported the command failed${detail ? `: ${redact(detail)}` : ""}`);
  }
  return parsed;
}
