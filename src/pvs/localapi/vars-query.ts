// How a LocalAPI `/vars` request is written, and how its answer is read: the query exactly as the firmware
// parses it. The varserver's FastCGI front end (tjmonk/fcgi_vars, src/fcgi_vars.c) takes the raw
// QUERY_STRING (or a POST body), splits it on "&" (ProcessQueryFunctions), matches each part by its prefix
// (`fmt=`, `cache=`, `name=`, `match=`…), splits `name=` on "," (ProcessNameQuery) and looks every name up
// exactly as sent. Nothing is URL-decoded, so `%2Fsys%2F…` names nothing: slashes, commas and "=" go out
// literally, as pypvs, ha-esunpower and the vendor's curl examples send them.
//
// Only reads can be built here. The writes are fixed requests of their own: turning the PVS6 telemetry WebSocket
// on (below), and the SunVault's mode and reserve from their allow-list (battery-writes.ts).
import { PvsError } from "../http/errors";
import { parseJsonBody } from "../http/json-body";
import { PvsRequest } from "../http/request";
import { HttpAnswer } from "../http/transport";
import { isJsonObject, JsonObject, setOwn } from "../../model/safe-object";

/** Variables any client may read without logging in (enough to learn the serial, hence the password). */
export const PUBLIC_VARS = ["/sys/info/serialnum", "/sys/info/model", "/sys/info/sw_rev", "/sys/info/hwrev"] as const;

/** Prefixes this package reads; a query outside them is refused in code. */
const READABLE = ["/sys/info/", "/sys/devices/", "/sys/livedata/", "/sys/pvs/", "/sys/toggle_cell/", "/net/"];
/** Never asked for, so never in an answer: the Wi-Fi key is a password. */
export const SECRET_VARS = /wpa_key|psk|passw|secret|token/i;
const CACHE_ID = /^[a-z][a-z0-9_]{0,15}$/;
/** What a name may hold: never "&", ",", "=" or "%", which the firmware would read as syntax. */
const VAR_NAME = /^\/[A-Za-z0-9_/.]+$/;

export type VarsSelection = { names: readonly string[] } | { match: string };

function checkName(name: string): void {
  const ok = VAR_NAME.test(name) && READABLE.some((p) => name.startsWith(p));
  if (!ok || SECRET_VARS.test(name))
    throw new PvsError("PVS_NOT_ALLOWED", `"${name}" is not a variable this package reads`);
}

/**
 * A `/vars` read. `selection` with `cache` adds the selected variables to the server-side cache `cache`
 * (the firmware's caches only ever grow: VARCACHE_AddUnique, never cleared but by `clearcache=`) and answers
 * the whole cache; `cache` alone re-reads it. `session` false sends no cookie (public variables only).
 * The query is written in the order of the vendor's examples (pypvs doc/LocalAPI.md:
 * `/vars?match=livedata&fmt=obj&cache=ldata`); the firmware reads `fmt=` and `cache=` first whatever their place.
 */
export function varsRequest(
  selection: VarsSelection | null,
  options: { cache?: string; session?: boolean; timeoutMs?: number } = {},
): PvsRequest {
  const parts: string[] = [];
  if (selection && "names" in selection) {
    if (selection.names.length === 0) throw new PvsError("PVS_NOT_ALLOWED", "a variable list must not be empty");
    selection.names.forEach((n) => checkName(n));
    parts.push(`name=${selection.names.join(",")}`);
  } else if (selection) {
    checkName(selection.match);
    parts.push(`match=${selection.match}`);
  }
  parts.push("fmt=obj");
  if (options.cache !== undefined) {
    if (!CACHE_ID.test(options.cache))
      throw new PvsError("PVS_NOT_ALLOWED", `"${options.cache}" is not a valid cache id`);
    parts.push(`cache=${options.cache}`);
  }
  if (!selection && options.cache === undefined)
    throw new PvsError("PVS_NOT_ALLOWED", "a /vars read needs names, a match or a cache id");
  const query = parts.join("&");
  const session = options.session !== false;
  return {
    key: `VARS${session ? "" : " public"} ?${query}`,
    kind: "vars",
    path: "/vars",
    params: {},
    query,
    session,
    light: true,
    timeoutMs: options.timeoutMs,
    label: "vars",
  };
}

/** The one variable this package ever writes, and the one value it writes: the PVS6 telemetry WebSocket on. */
export const TELEMETRY_ENABLE = "/sys/telemetryws/enable=1";

/**
 * The authenticated `/vars?set=/sys/telemetryws/enable=1` that lets the PVS6 serve its telemetry WebSocket
 * (pypvs `enable_telemetry_websocket`, doc/LocalAPI.md "Set a variable by name"). Takes no argument on
 * purpose: no other write can be built.
 */
export function telemetryEnableRequest(): PvsRequest {
  const query = `set=${TELEMETRY_ENABLE}`;
  return {
    key: "VARS set telemetryws",
    kind: "vars",
    path: "/vars",
    params: {},
    query,
    session: true,
    write: true,
    light: true,
    label: "vars set",
  };
}

/** Whether a recorded `/vars` request line is the write (its answer is no variable data to replay). */
export function isVarsWrite(requestLine: string): boolean {
  return requestLine.includes(`?set=`) || requestLine.includes(`&set=`);
}

/** The answer to the telemetry write: done, or refused because this PVS has no such variable (PVS5: HTTP 400). */
export function parseWriteAnswer(answer: HttpAnswer): JsonObject {
  if (answer.status >= 200 && answer.status < 300) return { written: true };
  if (answer.status === 400 || answer.status === 403 || answer.status === 404)
    return { written: false, status: answer.status };
  throw new PvsError(
    "PVS_HTTP_ERROR",
    `PVS answered HTTP ${answer.status} to enabling its telemetry WebSocket`,
    answer.status,
  );
}

/**
 * A `/vars` answer as `{ name: value }`. Both the `fmt=obj` object and the `{"values":[…]}` list are read;
 * a value the firmware printed as JSON (its IsJSON check: the vendor's nested `/sys/devices/<n>/meter/data`)
 * stays the parsed object. HTTP 400 is the firmware's "Bad request" for a query that selected nothing (an
 * unknown name fails a whole `name=` list, errorcode 0x0100; an empty match or an unknown cache id, 0x0040):
 * an empty object, for the caller to tell apart, not an error.
 */
export function parseVarsAnswer(answer: HttpAnswer, redact?: (text: string) => string): JsonObject {
  if (answer.status === 400) return {};
  if (answer.status === 403) throw new PvsError("PVS_FORBIDDEN", "PVS refused the variable read (HTTP 403)", 403);
  if (answer.status >= 400)
    throw new PvsError("PVS_HTTP_ERROR", `PVS answered HTTP ${answer.status} to a variable read`, answer.status);
  const parsed = parseJsonBody(answer.body, redact);
  if (!isJsonObject(parsed)) throw new PvsError("PVS_BAD_RESPONSE", "PVS sent variables that are not a JSON object");
  if (typeof parsed.result === "string" && /^(error|fail(ed|ure)?)$/i.test(parsed.result.trim())) {
    throw new PvsError(
      "PVS_COMMAND_FAILED",
      `PVS reported the variable read failed${typeof parsed.msg === "string" ? `: ${redact ? redact(parsed.msg) : parsed.msg}` : ""}`,
    );
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
  if (Object.keys(out).length === 0 && Object.keys(parsed).length > 0)
    throw new PvsError("PVS_BAD_RESPONSE", "PVS sent JSON that holds no variables");
  return out;
}

/** Drops any variable whose name says it holds a secret, should a firmware ever answer one. */
export function withoutSecrets(vars: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(vars)) if (!SECRET_VARS.test(name)) setOwn(out, name, value);
  return out;
}
