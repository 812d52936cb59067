// The recording format: what one PVS answered, as a test fixture (test/fixtures/corpus) and as a user's diagnostics
// download hold it. Written by the client's diagnostics (src/diagnostics/diagnostics-file.ts), served back by the
// emulator's replay (src/emulator/replay.ts); a data format of its own, so neither layer imports the other.
import { isJsonObject } from "./safe-object";

export const RECORDING_FORMAT = "pvs-recording/1";

export interface Recording {
  format: typeof RECORDING_FORMAT;
  /** Where it came from (a corpus file, a diagnostics download). */
  source?: string;
  /**
   * Legacy answers by command or dl_cgi path: `DeviceList`, `Get_Comm`, `Start`, `supervisor/info`,
   * `energy-storage-system/status`.
   */
  legacy?: Record<string, unknown>;
  /**
   * The LocalAPI variable namespace: name → value as the varserver holds it (a string, or a JSON object it prints raw).
   */
  vars?: Record<string, unknown>;
  /** Telemetry WebSocket frames with their arrival offsets (ms from the first). */
  telemetry?: Array<{ atMs: number; frame: unknown }>;
  /** When the first telemetry frame arrived (ISO): the offsets say the rhythm, this says when it was. */
  telemetryStartedAt?: string;
}

/** A recording read from JSON (a file): checked for its format, never trusted further than that. */
export function parseRecording(value: unknown): Recording {
  if (!isJsonObject(value) || value.format !== RECORDING_FORMAT)
    throw new Error(`not a PVS recording (expected "format": "${RECORDING_FORMAT}")`);
  const recording: Recording = { format: RECORDING_FORMAT };
  if (typeof value.source === "string") recording.source = value.source;
  if (isJsonObject(value.legacy)) recording.legacy = value.legacy;
  if (isJsonObject(value.vars)) recording.vars = value.vars;
  if (Array.isArray(value.telemetry)) {
    recording.telemetry = value.telemetry
      .filter(isJsonObject)
      .map((f) => ({ atMs: typeof f.atMs === "number" ? f.atMs : 0, frame: f.frame }));
  }
  if (typeof value.telemetryStartedAt === "string") recording.telemetryStartedAt = value.telemetryStartedAt;
  return recording;
}

/**
 * A recording from a file's JSON: a `pvs-recording/1` (a diagnostics file, a fixture) as it is, or one raw capture
 * of a known kind wrapped into one, so that a capture replays like a diagnostics file (one format for both):
 * - a legacy DeviceList (`devices`: […]) → `legacy.DeviceList`;
 * - a legacy Get_Comm (`networkstatus`) → `legacy.Get_Comm`;
 * - a supervisor record (`supervisor`: {…}) → `legacy["supervisor/info"]`, or `legacy.Start` when `source` (the
 *   file's name) says Start: the two answers have the same shape, only the request tells them apart;
 * - an ESS report (`ess_report`) → `legacy["energy-storage-system/status"]`;
 * - a `/vars` answer, in the values form (`values`: [{ name, value }]) or `fmt=obj` (names as keys) → `vars`.
 * Anything else is refused: a replay serves what was captured, never a guess.
 */
export function recordingFromCapture(value: unknown, source?: string): Recording {
  if (isJsonObject(value) && value.format === RECORDING_FORMAT) return parseRecording(value);
  const recording = (fields: Omit<Recording, "format" | "source">): Recording => ({
    format: RECORDING_FORMAT,
    ...(source !== undefined ? { source } : {}),
    ...fields,
  });
  if (!isJsonObject(value))
    throw new Error(`not a PVS recording (expected "format": "${RECORDING_FORMAT}") nor a JSON object capture`);
  if (Array.isArray(value.devices)) return recording({ legacy: { DeviceList: value } });
  if (isJsonObject(value.networkstatus)) return recording({ legacy: { Get_Comm: value } });
  if (isJsonObject(value.supervisor))
    return recording({ legacy: { [/start[^/\\]*$/i.test(source ?? "") ? "Start" : "supervisor/info"]: value } });
  if (isJsonObject(value.ess_report)) return recording({ legacy: { "energy-storage-system/status": value } });
  if (Array.isArray(value.values)) {
    const vars: Record<string, unknown> = {};
    for (const v of value.values)
      if (isJsonObject(v) && typeof v.name === "string" && v.name.startsWith("/")) vars[v.name] = v.value;
    if (Object.keys(vars).length > 0) return recording({ vars });
  }
  const names = Object.keys(value);
  if (names.length > 0 && names.every((n) => n.startsWith("/"))) return recording({ vars: { ...value } });
  throw new Error(
    `not a PVS recording (expected "format": "${RECORDING_FORMAT}") nor a capture this package knows (a DeviceList, Get_Comm, supervisor/info or Start, ESS report or /vars answer)`,
  );
}
