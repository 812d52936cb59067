// The diagnostics download: one JSON file a user can attach to an issue, and that the emulator
// replays (`pvs-emulator --replay file.json`). The file IS a `pvs-recording/1` recording (model/recording.ts),
// the recorded answers rebuilt from the answer log, with a `diagnostics` section beside it, so that a
// diagnostics file and a test fixture are one format.
//
// Redaction: see redaction.ts.
import { legacySecrets } from "../model/legacy-device-list";
import { redactDeep } from "../model/redact";
import { isJsonObject, JsonObject } from "../model/safe-object";
import { varsSecrets } from "../model/localapi-device-list";
import { Recording, RECORDING_FORMAT } from "../model/recording";
import { AnswerLogSnapshot, LoggedAnswer } from "../pvs/client/answer-log";
import { Health } from "../pvs/client/breaker";
import { RequestBudget } from "../pvs/client/budget";
import { PaceSummary } from "../pvs/schedule/pace";
import { ConnectionInfo } from "../pvs/connection/connection";
import { isVarsWrite, parseVarsAnswer } from "../pvs/localapi/vars-query";
import { collectSecrets, eachEntry, redactFile, REPLAY_SERIAL } from "./redaction";

export const DIAGNOSTICS_FORMAT = "pvs-diagnostics/1";
export { REDACTED } from "./text-rules";
export { REPLAY_SERIAL };

/**
 * The whole file at most (bytes of its JSON). The answer log's own limits (8 MB of bodies, 50 frames of at most
 * 64 KB) keep it below that; a 1,000-inverter site gives about 0.8 MB. Should a file still exceed it (say, thousands
 * of device names in the settings), its largest parts are left out until it fits, and `diagnostics.limits.dropped`
 * says which.
 */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Non-JSON bodies (an HTML error page) are kept up to this many characters. */
const TEXT_EXCERPT = 4096;

export interface DiagnosticsInput {
  versions: { package: string; nodeRed: string | null; node: string };
  /** The pvs-config settings as deployed (credentials are never among them). */
  settings: Record<string, unknown>;
  info: ConnectionInfo | null;
  budget: RequestBudget | null;
  /** How the PVS is read now: the pace, its usual answer time, the next device read (src/pvs/schedule/pace.ts). */
  pace?: PaceSummary | null;
  health: Health | null;
  log: AnswerLogSnapshot;
  /** Strings that must never appear (the connection's serial and password). */
  secrets: readonly string[];
  /** The session cookies the client held (OwnerSecrets.sessions): masked wherever they appear. */
  sessions?: readonly string[];
  keepDeviceSerials?: boolean;
  configError?: string | null;
  now?: number;
  /** MAX_FILE_BYTES unless given (tests). */
  maxFileBytes?: number;
}

export interface AnswerMeta {
  kind: string;
  request: string;
  status: number;
  /** The response headers that help diagnose (answer-log.ts DIAGNOSTIC_HEADERS; never Set-Cookie). */
  headers: Record<string, string>;
  durationMs: number;
  at: string;
  bytes: number;
  truncated: boolean;
  /** Where the answer sits in the recording: `legacy.<key>`, `vars`, or `text` (kept as `body`). */
  recordedAs: string;
  body?: string;
}

export interface DiagnosticsFile extends Recording {
  answers: AnswerMeta[];
  diagnostics: JsonObject;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The legacy key an answer is replayed under: the `Command=` value, or the dl_cgi sub-path. */
function legacyKey(answer: LoggedAnswer): string | null {
  const [path, query = ""] = answer.request.replace(/^GET /, "").split("?");
  if (path === "/cgi-bin/dl_cgi") return new URLSearchParams(query).get("Command");
  const sub = path.replace(/^\/cgi-bin\/dl_cgi\//, "");
  return sub !== path ? sub : null;
}

/** The recording the answer log holds: legacy answers by key, the `/vars` namespace merged, frames by offset. */
export function recordingFromLog(log: AnswerLogSnapshot): {
  legacy: JsonObject;
  vars: JsonObject;
  telemetry: Array<{ atMs: number; frame: unknown }>;
  telemetryStartedAt: string | null;
  answers: AnswerMeta[];
} {
  const legacy: JsonObject = {};
  const vars: JsonObject = {};
  const answers: AnswerMeta[] = [];
  // Oldest first, so that a later answer of the same variables wins.
  const ordered = [...log.answers].sort((a, b) => a.at.localeCompare(b.at));
  for (const a of ordered) {
    const meta: AnswerMeta = {
      kind: a.kind,
      request: a.request,
      status: a.status,
      headers: { ...a.headers },
      durationMs: a.durationMs,
      at: a.at,
      bytes: a.bodyBytes,
      truncated: a.truncated,
      recordedAs: "none",
    };
    if (a.body !== null && !a.truncated && a.status === 200) {
      if (a.api === "dl_cgi") {
        const key = legacyKey(a);
        const parsed = parseJson(a.body);
        if (key && isJsonObject(parsed)) {
          legacy[key] = parsed;
          meta.recordedAs = `legacy.${key}`;
        }
      } else if (a.kind !== "login" && !isVarsWrite(a.request)) {
        try {
          Object.assign(
            vars,
            parseVarsAnswer({ status: a.status, body: a.body, durationMs: a.durationMs, setCookie: [] }),
          );
          meta.recordedAs = "vars";
        } catch {
          // Not variables: kept as text below.
        }
      }
    }
    if (meta.recordedAs === "none" && a.body) {
      meta.recordedAs = "text";
      meta.body = a.body.slice(0, TEXT_EXCERPT);
    }
    answers.push(meta);
  }
  const first = log.frames[0]?.at ?? 0;
  const telemetry = log.frames.map((f) => {
    const parsed = parseJson(f.text);
    return { atMs: f.at - first, frame: parsed === undefined ? f.text : parsed };
  });
  return {
    legacy,
    vars,
    telemetry,
    telemetryStartedAt: log.frames.length ? new Date(first).toISOString() : null,
    answers,
  };
}

/**
 * Keys whose string value is a device's serial, in every layout: DeviceList `SERIAL`, the nested `/vars` `sn`, the ESS
 * report's `serial_number`.
 */
const SERIAL_KEY = /^(serial|sn|serial_?num(ber)?)$/i;

/** A `/vars` value the varserver holds as JSON text (IsJSON: `{…}` or `[…]`), parsed; anything else as it is. */
function jsonOrValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const t = value.trim();
  return (t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))
    ? (parseJson(t) ?? value)
    : value;
}

/** Adds the string values of serial-naming keys anywhere in `root`. */
function collectSerials(root: unknown, found: Set<string>): void {
  eachEntry(root, (_item, key, value) => {
    if (!SERIAL_KEY.test(key) || typeof value !== "string") return false;
    found.add(value.trim());
    return true;
  });
}

/**
 * Device serials (and the supervisor's, filtered out by the caller) that the recorded answers name: every legacy
 * answer (DeviceList, the ESS report, pvs-command answers), flat `/sys/devices/…/sn` variables, nested ones (the
 * vendor's `/sys/devices/11/meter/data` object or its JSON text), telemetry frames, and the settings' labels.
 */
function deviceSerials(
  legacy: JsonObject,
  vars: JsonObject,
  telemetry: ReadonlyArray<{ frame: unknown }>,
  settings: Record<string, unknown>,
): string[] {
  const found = new Set<string>();
  collectSerials(legacy, found);
  for (const [name, value] of Object.entries(vars)) {
    if (name.startsWith("/sys/devices/") && /\/(sn|serial)$/i.test(name) && typeof value === "string")
      found.add(value.trim());
    else collectSerials(jsonOrValue(value), found);
  }
  collectSerials(
    telemetry.map((f) => f.frame),
    found,
  );
  if (isJsonObject(settings.labels)) for (const serial of Object.keys(settings.labels)) found.add(serial);
  return [...found].filter((s) => s.length >= 6);
}

const pseudonym = (serial: string, i: number) =>
  `SN${String(i + 1).padStart(8, "0")}${/[a-z]$/.test(serial) ? serial.slice(-1) : ""}`;

/** The diagnostics file: a replayable recording plus what the runtime knew, redacted. */
export function buildDiagnostics(input: DiagnosticsInput): DiagnosticsFile {
  const { legacy, vars, telemetry, telemetryStartedAt, answers } = recordingFromLog(input.log);
  const supervisorSerials = [
    ...input.secrets,
    ...legacySecrets(legacy.DeviceList),
    ...legacySecrets(legacy["supervisor/info"]),
    ...legacySecrets(legacy.Start),
    ...varsSecrets(vars),
  ].filter((s) => s.length >= 6);
  const devices = deviceSerials(legacy, vars, telemetry, input.settings).filter((s) => !supervisorSerials.includes(s));
  const pseudonyms = new Map(input.keepDeviceSerials ? [] : [...devices].sort().map((s, i) => [s, pseudonym(s, i)]));
  const file = {
    format: RECORDING_FORMAT,
    source: `diagnostics ${new Date(input.now ?? Date.now()).toISOString()}`,
    legacy,
    vars,
    telemetry,
    ...(telemetryStartedAt ? { telemetryStartedAt } : {}),
    answers,
    diagnostics: {
      format: DIAGNOSTICS_FORMAT,
      createdAt: new Date(input.now ?? Date.now()).toISOString(),
      versions: input.versions,
      settings: input.settings,
      configError: input.configError ?? null,
      detection: input.info,
      health: input.health,
      budget: input.budget,
      pace: input.pace ?? null,
      errors: input.log.errors,
      checks: input.log.checks,
      checksAt: input.log.checksAt,
      limits: {
        answers:
          "the last answer of each kind (at most 48 kinds), bodies up to 2 MB each and 8 MB together; the last 50 telemetry frames; the last 20 errors",
        file: `at most ${input.maxFileBytes ?? MAX_FILE_BYTES} bytes`,
        dropped: [] as string[],
      },
      redaction: {
        supervisorSerial: `replaced by ${REPLAY_SERIAL} (replay logs in with its last 5 characters)`,
        deviceSerials: input.keepDeviceSerials
          ? "kept"
          : `${pseudonyms.size} replaced by stable pseudonyms (SN00000001…)`,
        removed:
          "passwords, cookies, Authorization headers, Wi-Fi keys and SSIDs, MAC addresses, IMEIs and ICCIDs, public IPv4 and IPv6 addresses",
      },
    },
  };
  const plain = JSON.parse(JSON.stringify(file)) as DiagnosticsFile;
  const redacted = redactFile(plain, {
    pseudonyms,
    supervisor: [...new Set(supervisorSerials)],
    known: new Set([...(input.sessions ?? []), ...collectSecrets(plain)]),
    keptSerials: new Set(input.keepDeviceSerials ? devices : []),
  });
  // Last, the masking every output goes through, with the connection's secrets (serial, password).
  const masked = redactDeep(
    redacted,
    input.secrets.filter((s) => s.length >= 4),
  );
  return withinSize(masked, input.maxFileBytes ?? MAX_FILE_BYTES);
}

/**
 * The file with its largest parts left out (recorded answers, frames, text bodies, checks, settings) until it fits
 * `max` bytes.
 */
function withinSize(file: DiagnosticsFile, max: number): DiagnosticsFile {
  const size = () => Buffer.byteLength(JSON.stringify(file));
  if (size() <= max) return file;
  const d = file.diagnostics;
  const parts: Array<[string, () => unknown, () => void]> = [
    ["telemetry", () => file.telemetry, () => (file.telemetry = [])],
    [
      "answers' text bodies",
      () => file.answers.map((a) => a.body ?? ""),
      () => file.answers.forEach((a) => delete a.body),
    ],
    ["vars", () => file.vars, () => (file.vars = {})],
    ...Object.keys(file.legacy ?? {}).map((key): [string, () => unknown, () => void] => [
      `legacy.${key}`,
      () => file.legacy?.[key],
      () => delete file.legacy?.[key],
    ]),
    ["diagnostics.checks", () => d.checks, () => (d.checks = null)],
    ["diagnostics.settings", () => d.settings, () => (d.settings = {})],
  ];
  const bySize = parts
    .map(([name, get, drop]) => ({ name, drop, bytes: Buffer.byteLength(JSON.stringify(get()) ?? "") }))
    .sort((a, b) => b.bytes - a.bytes);
  const dropped: string[] = [];
  for (const part of bySize) {
    if (size() <= max) break;
    part.drop();
    dropped.push(`${part.name} (${part.bytes} bytes)`);
  }
  if (isJsonObject(d.limits)) d.limits.dropped = dropped;
  return file;
}
