// The read commands pvs-command offers: for each, its parameters and their checks, which API answers it,
// and how its answer becomes a clean object. Anything not listed here is refused before a request is built:
// writes (SetCellPurchased, GridProfileRefresh, discovery), the device list (pvs-device-list reads it, rationed),
// unknown parameters, `Command` smuggled in as a parameter, values that are not plain text.
import {
  parseCheckFw,
  parseDeviceDetails,
  parseDiscoveryProgress,
  parseGridProfile,
  parseResultOnly,
  parseSupervisorInfo,
} from "../../model/command-answers";
import { JsonObject, isJsonObject } from "../../model/safe-object";
import { PvsError } from "../http/errors";
import { legacyCommand, LegacyCommand } from "../legacy/dl-cgi";
import { PvsRequest } from "../http/request";

/** One parameter of a command: its name on the wire, its default, and what it accepts. */
export interface CommandParam {
  name: string;
  /** Used when neither the form nor the message gives a value; absent = required. */
  default?: string;
  /** The accepted values (a select in the editor), or a pattern. */
  values?: readonly string[];
  pattern?: RegExp;
  /** Says what is accepted, for the error message. */
  expects: string;
}

/**
 * Where a command is answered:
 * - `legacy`: a `dl_cgi?Command=` query, which LocalAPI firmware refuses (HTTP 403);
 * - `open`: a dl_cgi path both firmware generations serve without a login (`supervisor/info`);
 * - `health`: read through the device list (legacy) or the system variables (LocalAPI), see read-commands.ts.
 */
export type CommandApi = "legacy" | "open" | "health";

export interface CommandSpec {
  name: CommandName;
  api: CommandApi;
  params: readonly CommandParam[];
  /** The `?Command=` value sent (legacy commands). */
  wire?: LegacyCommand;
  /** Turns the checked JSON answer (see legacy.ts) into the payload; `params` are the checked parameters. */
  parse?: (raw: JsonObject, params: Record<string, string>) => unknown;
}

/** Device serials: inverters E00…, meters PVS6M…p, SunVault composites with underscores (70+ characters). */
export const SERIAL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{3,99}$/;

export const COMMAND_NAMES = [
  "SupervisorHealth",
  "SupervisorInfo",
  "CheckFW",
  "GridProfileGet",
  "GetDiscoveryProgress",
  "DeviceDetails",
  "Start",
  "Stop",
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export const FIRMWARE_TYPES = ["residential", "commercial"] as const;

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  SupervisorHealth: { name: "SupervisorHealth", api: "health", params: [] },
  SupervisorInfo: { name: "SupervisorInfo", api: "open", params: [], parse: (raw) => parseSupervisorInfo(raw) },
  CheckFW: {
    name: "CheckFW",
    api: "legacy",
    wire: "CheckFW",
    params: [{ name: "type", default: "residential", values: FIRMWARE_TYPES, expects: "residential or commercial" }],
    parse: (raw, params) => parseCheckFw(raw, params.type),
  },
  GridProfileGet: {
    name: "GridProfileGet",
    api: "legacy",
    wire: "GridProfileGet",
    params: [],
    parse: (raw) => parseGridProfile(raw),
  },
  GetDiscoveryProgress: {
    name: "GetDiscoveryProgress",
    api: "legacy",
    wire: "GetDiscoveryProgress",
    params: [],
    parse: (raw) => parseDiscoveryProgress(raw),
  },
  DeviceDetails: {
    name: "DeviceDetails",
    api: "legacy",
    wire: "DeviceDetails",
    params: [
      {
        name: "SerialNumber",
        pattern: SERIAL_PATTERN,
        expects:
          "a device serial such as E00122000000001 (letters, digits, _ and -, 4 to 100 characters; not a masked serial)",
      },
    ],
    parse: (raw, params) => parseDeviceDetails(raw, params.SerialNumber),
  },
  Start: {
    name: "Start",
    api: "legacy",
    wire: "Start",
    params: [],
    parse: (raw) => ({ result: "succeed", supervisor: parseSupervisorInfo(raw) }),
  },
  Stop: { name: "Stop", api: "legacy", wire: "Stop", params: [], parse: (raw) => parseResultOnly(raw) },
};

/** Commands that change the PVS, named so that the refusal says why. */
const WRITES = new Set(["SetCellPurchased", "GridProfileRefresh", "StartDiscovery", "Discovery", "SetGridProfile"]);

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === "string" && (COMMAND_NAMES as readonly string[]).includes(value);
}

/** The command a message or form names, or a PVS_NOT_ALLOWED / PVS_BAD_INPUT error that says why not. */
export function commandSpec(value: unknown): CommandSpec {
  if (typeof value !== "string" || value.trim() === "")
    throw new PvsError("PVS_BAD_INPUT", "the command must be text naming one of: " + COMMAND_NAMES.join(", "));
  const name = value.trim();
  if (isCommandName(name)) return COMMANDS[name];
  const why =
    WRITES.has(name) || /^(set|write|update|delete|add|start.+|refresh)/i.test(name)
      ? "it changes the PVS"
      : name === "DeviceList"
        ? "the device list is read by pvs-device-list, which rations it"
        : "it is not one of this node's read commands";
  throw new PvsError(
    "PVS_NOT_ALLOWED",
    `"${name.slice(0, 40)}" is refused: ${why}. Allowed: ${COMMAND_NAMES.join(", ")}`,
  );
}

const MAX_VALUE_LENGTH = 100;

/**
 * The parameters for `spec`: `given` (from the message) over `defaults` (from the form) over the catalogue's
 * defaults. Parameters from the message that the command does not take, and values that are not plain text,
 * are refused; the form's defaults for other commands are ignored.
 */
export function commandParams(
  spec: CommandSpec,
  given: unknown,
  defaults: Record<string, unknown> = {},
): Record<string, string> {
  if (given !== undefined && given !== null && !isJsonObject(given))
    throw new PvsError("PVS_BAD_INPUT", "msg.params must be an object of parameter names and text values");
  const fromMsg = given ?? {};
  for (const name of Object.keys(fromMsg)) {
    if (!spec.params.some((p) => p.name === name)) {
      const code = name.toLowerCase() === "command" ? "PVS_NOT_ALLOWED" : "PVS_BAD_INPUT";
      const takes = spec.params.length ? spec.params.map((p) => p.name).join(", ") : "none";
      throw new PvsError(code, `${spec.name} takes no parameter "${name.slice(0, 40)}" (it takes: ${takes})`);
    }
  }
  const out: Record<string, string> = {};
  for (const param of spec.params) {
    const fromForm =
      typeof defaults[param.name] === "string" && (defaults[param.name] as string).trim() !== ""
        ? defaults[param.name]
        : undefined;
    const raw = Object.hasOwn(fromMsg, param.name) ? fromMsg[param.name] : (fromForm ?? param.default);
    if (raw === undefined)
      throw new PvsError("PVS_BAD_INPUT", `${spec.name} needs the parameter ${param.name}: ${param.expects}`);
    if (typeof raw !== "string")
      throw new PvsError("PVS_BAD_INPUT", `${spec.name}'s ${param.name} must be text: ${param.expects}`);
    const value = raw.trim();
    const ok =
      value.length <= MAX_VALUE_LENGTH &&
      (param.values ? param.values.includes(value) : param.pattern ? param.pattern.test(value) : true);
    if (!ok) throw new PvsError("PVS_BAD_INPUT", `${spec.name}'s ${param.name} must be ${param.expects}`);
    out[param.name] = value;
  }
  return out;
}

/** The dl_cgi request of a legacy command (built through legacy.ts's read-only allow-list). */
export function commandRequest(spec: CommandSpec, params: Record<string, string>): PvsRequest {
  if (spec.api !== "legacy" || !spec.wire) throw new PvsError("PVS_INTERNAL", `${spec.name} is not a dl_cgi command`);
  return legacyCommand(spec.wire, params);
}
