// The recording format: what one PVS answered, as a test fixture (test/fixtures/corpus) and as a user's
// diagnostics download hold it. Written by the client's diagnostics (src/pvs/diagnostics.ts), served back by the
// emulator's replay (src/emulator/replay.ts); a data format of its own, so neither layer imports the other.
import { isJsonObject } from "./safe-object";

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
  /** When the first telemetry frame arrived (ISO): the offsets say the rhythm, this says when it was. */
  telemetryStartedAt?: string;
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
  if (typeof value.telemetryStartedAt === "string") recording.telemetryStartedAt = value.telemetryStartedAt;
  return recording;
}
