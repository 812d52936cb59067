// A recording of what one PVS answered, served back by the emulator instead of its simulated site: real
// captures become test cases (test/fixtures/corpus), and one format serves a fixture and, later, a user's
// diagnostics file. What the recording lacks is answered the way the firmware would, never invented: a variable
// that is not in it does not exist (the strict `/vars` parsing then answers 400), a legacy command on LocalAPI
// firmware is 403, and a legacy command the capture lacks is 404.
import { isJsonObject, setOwn } from "../model/safe-object";
import { Recording } from "../model/recording";
import { RecordedFrames } from "./telemetry";

/** `record[key]` if it is the record's own (a name from a request or a recording never reaches a prototype). */
function own(record: Record<string, unknown> | undefined, key: string): unknown {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Whether the recorded PVS serves the LocalAPI (its legacy DeviceList then answers 403). */
export function servesLocalApi(recording: Recording): boolean {
  return recording.vars !== undefined && Object.keys(recording.vars).length > 0;
}

const SERIALNUM = "/sys/info/serialnum";

/**
 * The namespace as the varserver stores it: strings, with JSON values kept as their text (IsJSON prints them raw).
 * A capture of some variables only (a `match=livedata` answer) still comes from a unit that has a serial, readable
 * without a login (the public `/sys/info/serialnum`, docs/protocol.md): when the recording names it elsewhere
 * (supervisor/info, Start, the DeviceList's PVS), that variable answers it rather than a 400.
 */
export function recordedVariables(recording: Recording): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(recording.vars ?? {})) {
    if (typeof value === "string") out.set(name, value);
    else if (typeof value === "number" || typeof value === "boolean") out.set(name, String(value));
    else if (value !== null && typeof value === "object") out.set(name, JSON.stringify(value));
  }
  const serial = recordedSerial(recording);
  if (out.size > 0 && !out.has(SERIALNUM) && serial !== null) out.set(SERIALNUM, serial);
  return out;
}

/**
 * The supervisor record a recording names: supervisor/info, else the Start answer (the same shape), else the
 * DeviceList's PVS.
 */
function supervisorRecord(recording: Recording): Record<string, unknown> | null {
  for (const key of ["supervisor/info", "Start"]) {
    const answer = own(recording.legacy, key);
    if (isJsonObject(answer) && isJsonObject(answer.supervisor)) return answer.supervisor;
  }
  const list = own(recording.legacy, "DeviceList");
  if (isJsonObject(list) && Array.isArray(list.devices)) {
    const pvs = list.devices.find((d) => isJsonObject(d) && d.DEVICE_TYPE === "PVS");
    if (isJsonObject(pvs)) return pvs;
  }
  return null;
}

/** The serial the recorded PVS has (its last 5 characters are the LocalAPI password). */
export function recordedSerial(recording: Recording): string | null {
  const fromVars = own(recording.vars, "/sys/info/serialnum");
  if (typeof fromVars === "string" && fromVars) return fromVars;
  const record = supervisorRecord(recording);
  return record && typeof record.SERIAL === "string" && record.SERIAL ? record.SERIAL : null;
}

/** "PVS6" or "PVS5", from the variables or the supervisor record; null when the capture does not say. */
export function recordedModel(recording: Recording): "PVS6" | "PVS5" | null {
  const model = own(recording.vars, "/sys/info/model") ?? supervisorRecord(recording)?.MODEL;
  if (typeof model === "string") {
    if (/PVS5/i.test(model)) return "PVS5";
    if (/PVS6/i.test(model)) return "PVS6";
  }
  const swRev = own(recording.vars, "/sys/info/sw_rev");
  return typeof swRev === "string" && /\.6\d{4}$/.test(swRev) ? "PVS6" : null;
}

/**
 * The recorded answer to a legacy command or path, or null when the capture lacks it: `key` comes from the request,
 * so only the recording's own answers count (`hasOwnProperty`, `__proto__` are answers it lacks).
 */
export function recordedLegacy(recording: Recording, key: string): unknown {
  const answer = own(recording.legacy, key);
  if (key === "supervisor/info" && answer === undefined) {
    const start = own(recording.legacy, "Start");
    return isJsonObject(start) && isJsonObject(start.supervisor) ? start : null;
  }
  return answer ?? null;
}

// Moving a replay forward in time: the recorded site as it would read `ms` later if its power held, so that
// day energy, staleness and counter checks can be exercised on a real capture. Stamps (DATATIME, CURTIME,
// msmtEps, /sys/livedata/time) move by `ms`; lifetime counters grow by the recorded power × time (a meter's net
// counter by its signed power, its import and export counters by the positive and negative part); powers stay.
// The battery's `ess_en` is left alone (its sign convention differs between builds). A device can be held still
// (`hold`, by serial): its data stamp and counters stay as recorded while the answer's time moves, as a device
// that stopped reporting reads, so that the staleness checks have something to find.

/** Energy counter → [power field, which part of the power] */
const COUNTERS = new Map<string, [string, "signed" | "positive" | "negative"]>([
  ["ltea_3phsum_kwh", ["p_3phsum_kw", "signed"]],
  ["net_ltea_3phsum_kwh", ["p_3phsum_kw", "signed"]],
  ["pos_ltea_3phsum_kwh", ["p_3phsum_kw", "positive"]],
  ["neg_ltea_3phsum_kwh", ["p_3phsum_kw", "negative"]],
  ["ltea3phsumKwh", ["p3phsumKw", "signed"]],
  ["netLtea3phsumKwh", ["p3phsumKw", "signed"]],
  ["posLtea3phsumKwh", ["p3phsumKw", "positive"]],
  ["negLtea3phsumKwh", ["p3phsumKw", "negative"]],
  ["pv_en", ["pv_p", "signed"]],
  ["net_en", ["net_p", "signed"]],
  ["site_load_en", ["site_load_p", "signed"]],
]);

const numberOf = (v: unknown): number | null =>
  typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : null;

/** `value` + `delta` in the recorded type: a string keeps its decimals (at least 4, so small steps show). */
function plus(value: unknown, delta: number): unknown {
  const n = numberOf(value);
  if (n === null) return value;
  if (typeof value === "number") return n + delta;
  const decimals = Math.max(4, (String(value).split(".")[1] ?? "").length);
  return (n + delta).toFixed(decimals);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A stamp moved by `ms`, in its own format: "YYYY,MM,DD,HH,MM,SS" (UTC), ISO, or epoch seconds (text or a number). */
function shiftStamp(value: unknown, ms: number): unknown {
  if (typeof value === "number") return value >= 1e9 && value < 1e11 ? value + Math.round(ms / 1000) : value;
  if (typeof value !== "string") return value;
  const pvs = /^(\d{4}),(\d{2}),(\d{2}),(\d{2}),(\d{2}),(\d{2})$/.exec(value);
  if (pvs) {
    const d = new Date(Date.UTC(+pvs[1], +pvs[2] - 1, +pvs[3], +pvs[4], +pvs[5], +pvs[6]) + ms);
    return `${d.getUTCFullYear()},${pad(d.getUTCMonth() + 1)},${pad(d.getUTCDate())},${pad(d.getUTCHours())},${pad(d.getUTCMinutes())},${pad(d.getUTCSeconds())}`;
  }
  if (/^\d{9,11}$/.test(value)) return String(Number(value) + Math.round(ms / 1000));
  const iso = Date.parse(value);
  return Number.isFinite(iso) && /^\d{4}-\d{2}-\d{2}T/.test(value)
    ? new Date(iso + ms).toISOString().replace(/\.000Z$/, "Z")
    : value;
}

const STAMPS = new Set(["DATATIME", "CURTIME", "msmtEps", "time"]);
const NO_HOLD: ReadonlySet<string> = new Set();

/** The serial a record names: a legacy device's SERIAL, a `/vars` device directory's `sn`. */
const serialOf = (fields: Record<string, unknown>): unknown => fields.SERIAL ?? fields.sn;

/**
 * One record's fields (a legacy device, a `/vars` directory, a nested vendor object, a telemetry frame's params)
 * moved by `ms`. A held record keeps its data: only CURTIME, the answer's own time, moves.
 */
function advanceRecord(
  fields: Record<string, unknown>,
  ms: number,
  hold: ReadonlySet<string> = NO_HOLD,
): Record<string, unknown> {
  const hours = ms / 3_600_000;
  const out: Record<string, unknown> = { ...fields };
  const serial = serialOf(fields);
  if (typeof serial === "string" && hold.has(serial)) {
    if (Object.hasOwn(fields, "CURTIME")) out.CURTIME = shiftStamp(fields.CURTIME, ms);
    return out;
  }
  for (const [field, value] of Object.entries(fields)) {
    if (STAMPS.has(field)) setOwn(out, field, shiftStamp(value, ms));
    const counter = COUNTERS.get(field);
    const power = counter ? numberOf(own(fields, counter[0])) : null;
    if (counter && power !== null) {
      const part =
        counter[1] === "signed" ? power : counter[1] === "positive" ? Math.max(power, 0) : Math.max(-power, 0);
      setOwn(out, field, plus(value, part * hours));
    }
  }
  return out;
}

/**
 * The recording as it would read `ms` later (see above), but for the devices in `hold`; the recording itself is not
 * changed.
 */
export function advanceRecording(recording: Recording, ms: number, hold: ReadonlySet<string> = NO_HOLD): Recording {
  if (ms <= 0) return recording;
  const out: Recording = { ...recording };
  if (recording.legacy) {
    const legacy: Record<string, unknown> = { ...recording.legacy };
    const list = legacy.DeviceList;
    if (isJsonObject(list) && Array.isArray(list.devices)) {
      legacy.DeviceList = {
        ...list,
        devices: list.devices.map((d) => (isJsonObject(d) ? advanceRecord(d, ms, hold) : d)),
      };
    }
    out.legacy = legacy;
  }
  if (recording.vars) {
    // Flat names grouped by directory, so that a counter finds its power beside it.
    const dirs = new Map<string, Record<string, unknown>>();
    const vars = new Map<string, unknown>();
    for (const [name, value] of Object.entries(recording.vars)) {
      if (isJsonObject(value)) {
        vars.set(name, advanceRecord(value, ms, hold));
        continue;
      }
      const at = name.lastIndexOf("/");
      const dir = name.slice(0, at);
      const fields = dirs.get(dir) ?? {};
      setOwn(fields, name.slice(at + 1), value);
      dirs.set(dir, fields);
    }
    for (const [dir, fields] of dirs)
      for (const [field, value] of Object.entries(advanceRecord(fields, ms, hold))) vars.set(`${dir}/${field}`, value);
    // Keep the recorded order of names (answers list them in it).
    out.vars = Object.fromEntries(Object.keys(recording.vars).map((n) => [n, vars.get(n)]));
  }
  return out;
}

// The telemetry frames of a replay, played in a loop (telemetry.ts) and moved forward with the site: a frame's `time`
// by the same time as the site's stamps, its energy counters (`pv_en`, `net_en`, `site_load_en`) by the power the
// recording shows at that frame. A frame carries only the fields that changed (docs/protocol.md "Telemetry WebSocket"),
// so the power beside a counter is the latest one recorded up to that frame, or after it in the loop.

/** For each recorded frame, the numbers known when it is sent in a loop: every frame's, then those up to it. */
function frameContexts(frames: ReadonlyArray<{ frame: unknown }>): Array<Record<string, unknown>> {
  const paramsOf = (frame: unknown) => (isJsonObject(frame) && isJsonObject(frame.params) ? frame.params : {});
  const known: Record<string, unknown> = {};
  const learn = (frame: unknown) =>
    Object.entries(paramsOf(frame)).forEach(([field, value]) => setOwn(known, field, value));
  frames.forEach(({ frame }) => learn(frame));
  return frames.map(({ frame }) => {
    learn(frame);
    return { ...known };
  });
}

/**
 * A recorded frame as it reads `ms` later, given what is known when it is sent (frameContexts); text frames stay as
 * they are.
 */
export function advanceFrame(frame: unknown, ms: number, known: Record<string, unknown>): unknown {
  if (ms <= 0 || !isJsonObject(frame) || !isJsonObject(frame.params)) return frame;
  const moved = advanceRecord({ ...known, ...frame.params }, ms);
  return { ...frame, params: Object.fromEntries(Object.keys(frame.params).map((field) => [field, moved[field]])) };
}

/**
 * A replay's telemetry frames for the WebSocket loop, each moved forward by the replayed site's time (`elapsedMs`) when
 * sent.
 */
export function recordedFrames(
  frames: ReadonlyArray<{ atMs: number; frame: unknown }>,
  elapsedMs: () => number,
): RecordedFrames {
  const known = frameContexts(frames);
  return { frames, frameNow: (index) => advanceFrame(frames[index].frame, elapsedMs(), known[index]) };
}
