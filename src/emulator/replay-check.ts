// A recording is checked where it is loaded (the emulator's constructor, the CLI's --replay), before anything is
// built from it: one that is not a recording, or holds answers of the wrong shape, is refused with a message naming
// what is wrong, never served in part (an empty PVS, a `42` answered with 200). The bounds keep a hostile file from
// harming the process that serves it: telemetry offsets within what a timer can wait, nesting within the stack.
import { isJsonObject } from "../model/safe-object";
import { Recording, RECORDING_FORMAT } from "../model/recording";

/** A frame's offset at most a week from the first (a diagnostics file's last frames can span a long outage). */
export const MAX_FRAME_OFFSET_MS = 7 * 24 * 3_600_000;
/** Far deeper than any capture in test/fixtures (an ESS report nests 8 deep), shallow for JSON.stringify. */
export const MAX_NESTING = 64;

/** Why a recording was refused; `code` is stable for callers. */
export class RecordingError extends Error {
  readonly code = "PVS_BAD_RECORDING";
}

/** "a string", "an array", "null": what a value is, for a message. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" || type === "undefined" ? type : `a ${type}`;
}

/** Throws when `value` nests arrays or objects deeper than MAX_NESTING; iterative, so it cannot overflow. */
function checkNesting(value: unknown, where: string): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== "object" || item === null) continue;
    if (depth > MAX_NESTING) throw new RecordingError(`"${where}" is nested deeper than ${MAX_NESTING} levels`);
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
}

/** `legacy`: answers by command or dl_cgi path, each a JSON object as the PVS sends it. */
function checkLegacy(legacy: unknown): number {
  if (legacy === undefined) return 0;
  if (!isJsonObject(legacy))
    throw new RecordingError(`"legacy" must be an object of answers by command or path, not ${kindOf(legacy)}`);
  for (const [key, answer] of Object.entries(legacy)) {
    if (!isJsonObject(answer))
      throw new RecordingError(`"legacy.${key}" must be the recorded answer, a JSON object, not ${kindOf(answer)}`);
    checkNesting(answer, `legacy.${key}`);
  }
  return Object.keys(legacy).length;
}

/** `vars`: the varserver's names (each starts with "/") and their values: text, a number, or JSON it prints raw. */
function checkVars(vars: unknown): number {
  if (vars === undefined) return 0;
  if (!isJsonObject(vars)) throw new RecordingError(`"vars" must be an object of values by name, not ${kindOf(vars)}`);
  for (const [name, value] of Object.entries(vars)) {
    if (!name.startsWith("/"))
      throw new RecordingError(`"vars" name "${name}" is not a variable name (one starts with /)`);
    const type = typeof value;
    if (type !== "string" && type !== "number" && type !== "boolean" && type !== "object")
      throw new RecordingError(`"vars" value of "${name}" must be text, a number or JSON, not ${kindOf(value)}`);
    checkNesting(value, `vars.${name}`);
  }
  return Object.keys(vars).length;
}

/** `telemetry`: frames (a JSON object, or the text of one the PVS sent) at offsets within MAX_FRAME_OFFSET_MS. */
function checkTelemetry(telemetry: unknown): void {
  if (telemetry === undefined) return;
  if (!Array.isArray(telemetry))
    throw new RecordingError(`"telemetry" must be an array of frames, not ${kindOf(telemetry)}`);
  telemetry.forEach((entry: unknown, i) => {
    const where = `telemetry[${i}]`;
    if (!isJsonObject(entry)) throw new RecordingError(`"${where}" must be { atMs, frame }, not ${kindOf(entry)}`);
    const { atMs, frame } = entry;
    if (typeof atMs !== "number" || !(atMs >= 0 && atMs <= MAX_FRAME_OFFSET_MS))
      throw new RecordingError(
        `"${where}.atMs" must be the frame's offset in ms from 0 to ${MAX_FRAME_OFFSET_MS}, not ${typeof atMs === "number" ? atMs : kindOf(atMs)}`,
      );
    if (typeof frame !== "string" && !isJsonObject(frame))
      throw new RecordingError(`"${where}.frame" must be a JSON object or text, not ${kindOf(frame)}`);
    checkNesting(frame, `${where}.frame`);
  });
}

/** Throws a RecordingError naming what is wrong unless `value` is a recording with something to serve. */
export function checkRecording(value: unknown): asserts value is Recording {
  if (!isJsonObject(value) || value.format !== RECORDING_FORMAT)
    throw new RecordingError(`not a PVS recording (expected "format": "${RECORDING_FORMAT}")`);
  const answers = checkLegacy(value.legacy) + checkVars(value.vars);
  checkTelemetry(value.telemetry);
  if (answers === 0) throw new RecordingError(`the recording holds no answer to serve ("legacy" and "vars" are empty)`);
}
