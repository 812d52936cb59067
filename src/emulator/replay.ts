// A recording of what one PVS answered, served back by the emulator instead of its simulated site: real
// captures become test cases (test/fixtures/corpus), and one format serves a fixture and, later, a user's
// diagnostics file. What the recording lacks is answered the way the firmware would, never invented: a variable
// that is not in it does not exist (the strict `/vars` parsing then answers 400), a legacy command on LocalAPI
// firmware is 403, and a legacy command the capture lacks is 404.
import { isJsonObject } from "../model/safe-object";

export const RECORDING_FORMAT = "pvs-recording/1";

export interface Recording {
  format: typeof RECORDING_FORMAT;
  /** Where it came from (a corpus file, a diagnostics download). */
  source?: string;
  /** Legacy answers by command or dl_cgi path: `DeviceList`, `Get_Comm`, `Start`, `supervisor/info`, `energy-storage-system/status`. */
  legacy?: Record<string, unknown>;
  /** The LocalAPI variable namespace: name → value as the varserver holds it (a string, or a JSON object it prints raw). */
  vars?: Record<string, unknown>;
  /** Telemetry WebSocket frames with their arrival offsets (ms from the first). */
  telemetry?: Array<{ atMs: number; frame: unknown }>;
}

/** Whether the recorded PVS serves the LocalAPI (its legacy DeviceList then answers 403). */
export function servesLocalApi(recording: Recording): boolean {
  return recording.vars !== undefined && Object.keys(recording.vars).length > 0;
}

/** The namespace as the varserver stores it: strings, with JSON values kept as their text (IsJSON prints them raw). */
export function recordedVariables(recording: Recording): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(recording.vars ?? {})) {
    if (typeof value === "string") out.set(name, value);
    else if (typeof value === "number" || typeof value === "boolean") out.set(name, String(value));
    else if (value !== null && typeof value === "object") out.set(name, JSON.stringify(value));
  }
  return out;
}

/** The supervisor record a recording names: supervisor/info, else the Start answer (the same shape), else the DeviceList's PVS. */
function supervisorRecord(recording: Recording): Record<string, unknown> | null {
  for (const key of ["supervisor/info", "Start"]) {
    const answer = recording.legacy?.[key];
    if (isJsonObject(answer) && isJsonObject(answer.supervisor)) return answer.supervisor;
  }
  const list = recording.legacy?.DeviceList;
  if (isJsonObject(list) && Array.isArray(list.devices)) {
    const pvs = list.devices.find((d) => isJsonObject(d) && d.DEVICE_TYPE === "PVS");
    if (isJsonObject(pvs)) return pvs;
  }
  return null;
}

/** The serial the recorded PVS has (its last 5 characters are the LocalAPI password). */
export function recordedSerial(recording: Recording): string | null {
  const fromVars = recording.vars?.["/sys/info/serialnum"];
  if (typeof fromVars === "string" && fromVars) return fromVars;
  const record = supervisorRecord(recording);
  return record && typeof record.SERIAL === "string" && record.SERIAL ? record.SERIAL : null;
}

/** "PVS6" or "PVS5", from the variables or the supervisor record; null when the capture does not say. */
export function recordedModel(recording: Recording): "PVS6" | "PVS5" | null {
  const model = recording.vars?.["/sys/info/model"] ?? supervisorRecord(recording)?.MODEL;
  if (typeof model === "string") {
    if (/PVS5/i.test(model)) return "PVS5";
    if (/PVS6/i.test(model)) return "PVS6";
  }
  const swRev = recording.vars?.["/sys/info/sw_rev"];
  return typeof swRev === "string" && /\.6\d{4}$/.test(swRev) ? "PVS6" : null;
}

/** The recorded answer to a legacy command or path, or null when the capture lacks it. */
export function recordedLegacy(recording: Recording, key: string): unknown {
  if (key === "supervisor/info" && recording.legacy?.[key] === undefined) {
    const start = recording.legacy?.Start;
    return isJsonObject(start) && isJsonObject(start.supervisor) ? start : null;
  }
  return recording.legacy?.[key] ?? null;
}

/** A recording read from JSON (a file): checked for its format, never trusted further than that. */
export function parseRecording(value: unknown): Recording {
  if (!isJsonObject(value) || value.format !== RECORDING_FORMAT) throw new Error(`not a PVS recording (expected "format": "${RECORDING_FORMAT}")`);
  const recording: Recording = { format: RECORDING_FORMAT };
  if (typeof value.source === "string") recording.source = value.source;
  if (isJsonObject(value.legacy)) recording.legacy = value.legacy;
  if (isJsonObject(value.vars)) recording.vars = value.vars;
  if (Array.isArray(value.telemetry)) {
    recording.telemetry = value.telemetry.filter(isJsonObject).map((f) => ({ atMs: typeof f.atMs === "number" ? f.atMs : 0, frame: f.frame }));
  }
  return recording;
}
