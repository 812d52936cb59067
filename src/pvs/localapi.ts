// The new-firmware LocalAPI (varserver): read-only `/vars` queries, the owner login, and the checks every
// answer goes through. `varsRequest` builds only reads: `set=` and `clearcache=` cannot be expressed with it.
// The one write this package sends is a fixed request of its own: turning the PVS6 telemetry WebSocket on.
import { PvsError } from "./errors";
import { parseJsonBody } from "./json-body";
import { PvsRequest } from "./request";
import { HttpAnswer } from "./transport";
import { isJsonObject, JsonObject, setOwn } from "../model/safe-object";

export const LOCALAPI_USER = "ssm_owner";

/** Variables any client may read without logging in (enough to learn the serial, hence the password). */
export const PUBLIC_VARS = ["/sys/info/serialnum", "/sys/info/model", "/sys/info/sw_rev", "/sys/info/hwrev"] as const;

/** Prefixes this package reads; a query outside them is refused in code. */
const READABLE = ["/sys/info/", "/sys/devices/", "/sys/livedata/", "/sys/pvs/", "/sys/toggle_cell/", "/net/"];
/** Never asked for, so never in an answer: the Wi-Fi key is a password. */
const SECRET_VARS = /wpa_key|psk|passw|secret|token/i;
const CACHE_ID = /^[a-z][a-z0-9_]{0,15}$/;
const VAR_NAME = /^\/[A-Za-z0-9_/.]+$/;

export type VarsSelection = { names: readonly string[] } | { match: string };

function checkName(name: string): void {
  const ok = VAR_NAME.test(name) && READABLE.some((p) => name.startsWith(p));
  if (!ok || SECRET_VARS.test(name)) throw new PvsError("PVS_NOT_ALLOWED", `"${name}" is not a variable this package reads`);
}

/**
 * A `/vars` read: `selection` with `cache` creates (or replaces) the server-side cache `cache`;
 * `cache` alone re-reads it. `session` false sends no cookie (public variables only).
 */
export function varsRequest(selection: VarsSelection | null, options: { cache?: string; session?: boolean; timeoutMs?: number } = {}): PvsRequest {
  const params: Record<string, string> = { fmt: "obj" };
  if (selection && "names" in selection) {
    if (selection.names.length === 0) throw new PvsError("PVS_NOT_ALLOWED", "a variable list must not be empty");
    selection.names.forEach((n) => checkName(n));
    params.name = selection.names.join(",");
  } else if (selection) {
    checkName(selection.match);
    params.match = selection.match;
  }
  if (options.cache !== undefined) {
    if (!CACHE_ID.test(options.cache)) throw new PvsError("PVS_NOT_ALLOWED", `"${options.cache}" is not a valid cache id`);
    params.cache = options.cache;
  }
  if (!params.name && !params.match && !params.cache) throw new PvsError("PVS_NOT_ALLOWED", "a /vars read needs names, a match or a cache id");
  const session = options.session !== false;
  const key = `VARS${session ? "" : " public"} ?` + new URLSearchParams(params).toString();
  return { key, kind: "vars", path: "/vars", params, session, timeoutMs: options.timeoutMs, label: "vars" };
}

/** The one variable this package ever writes, and the one value it writes: the PVS6 telemetry WebSocket on. */
export const TELEMETRY_ENABLE = "/sys/telemetryws/enable=1";

/**
 * The authenticated `/vars?set=/sys/telemetryws/enable=1` that lets the PVS6 serve its telemetry WebSocket
 * (pvs-reference §2.6). Takes no argument on purpose: no other write can be built.
 */
export function telemetryEnableRequest(): PvsRequest {
  return { key: "VARS set telemetryws", kind: "vars", path: "/vars", params: { set: TELEMETRY_ENABLE }, session: true, write: true, label: "vars set" };
}

/** The answer to the telemetry write: done, or refused because this PVS has no such variable (PVS5: HTTP 400). */
export function parseWriteAnswer(answer: HttpAnswer): JsonObject {
  if (answer.status >= 200 && answer.status < 300) return { written: true };
  if (answer.status === 400 || answer.status === 403 || answer.status === 404) return { written: false, status: answer.status };
  throw new PvsError("PVS_HTTP_ERROR", `PVS answered HTTP ${answer.status} to enabling its telemetry WebSocket`, answer.status);
}

/**
 * Statuses with which the firmware says the session is gone: re-login once and retry. On new firmware a
 * 403 to a session read is a session problem too (never the old firmware's lock-out).
 */
export function isSessionExpired(status: number): boolean {
  return status === 401 || status === 403 || status === 500;
}

/**
 * A `/vars` answer as `{ name: value }`. Both the `fmt=obj` object and the `{"values":[…]}` list are read.
 * HTTP 400 means "no such variables" (no storage, a forgotten cache): an empty object, not an error.
 */
export function parseVarsAnswer(answer: HttpAnswer, redact?: (text: string) => string): JsonObject {
  if (answer.status === 400) return {};
  if (answer.status === 403) throw new PvsError("PVS_FORBIDDEN", "PVS refused the variable read (HTTP 403)", 403);
  if (answer.status >= 400) throw new PvsError("PVS_HTTP_ERROR", `PVS answered HTTP ${answer.status} to a variable read`, answer.status);
  const parsed = parseJsonBody(answer.body, redact);
  if (!isJsonObject(parsed)) throw new PvsError("PVS_BAD_RESPONSE", "PVS sent variables that are not a JSON object");
  if (typeof parsed.result === "string" && /^(error|fail(ed|ure)?)$/i.test(parsed.result.trim())) {
    throw new PvsError("PVS_COMMAND_FAILED", `PVS reported the variable read failed${typeof parsed.msg === "string" ? `: ${redact ? redact(parsed.msg) : parsed.msg}` : ""}`);
  }
  if (Array.isArray(parsed.values)) {
    const out: JsonObject = {};
    for (const entry of parsed.values) {
      if (isJsonObject(entry) && typeof entry.name === "string") setOwn(out, entry.name, entry.value);
    }
    return out;
  }
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(parsed)) if (name.startsWith("/")) setOwn(out, name, value);
  if (Object.keys(out).length === 0 && Object.keys(parsed).length > 0) throw new PvsError("PVS_BAD_RESPONSE", "PVS sent JSON that holds no variables");
  return out;
}

/** The login request: a Basic header built from the owner password. */
export function loginHeaders(password: string): Record<string, string> {
  return { Authorization: "basic " + Buffer.from(`${LOCALAPI_USER}:${password}`).toString("base64") };
}

/** The session cookie from a login answer: `Set-Cookie: session=…`, else the body's `session`. */
export function sessionFromLogin(answer: HttpAnswer): string | null {
  for (const header of answer.setCookie) {
    const m = /(?:^|;\s*)session=([^;\s]+)/.exec(header);
    if (m) return m[1];
  }
  try {
    const parsed: unknown = JSON.parse(answer.body);
    if (isJsonObject(parsed) && typeof parsed.session === "string" && /^[A-Za-z0-9._~+/=-]{8,512}$/.test(parsed.session)) return parsed.session;
  } catch {
    // fall through: no session in the answer
  }
  return null;
}
