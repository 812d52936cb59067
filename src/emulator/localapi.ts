// The new firmware's `/auth` and `/vars` (varserver FCGI): sessions, server-side caches and the query rules
// (docs/protocol.md "LocalAPI login" and "/vars queries"). Answers are plain data; the HTTP server sends them.
import crypto from "crypto";
import { PUBLIC_VARIABLES } from "./vars";

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** `body` is a string sent as it is, not as JSON. */
  raw?: boolean;
}

/** Settings the emulator may change while running (it passes itself). */
export interface LocalApiSettings {
  sessionTtlS: number;
  expiredSessionStatus: 401 | 500;
  /** A `/vars` answer that would include any of these never comes (real firmware hangs on some variables). */
  hangVars: string[];
  /** What a read with a logged-out session cookie gets: the firmware's 401, or (seen on some units) an empty 200. */
  endedSessionAnswer?: "401" | "empty-200";
}

/**
 * The one variable a client may write: the PVS6 telemetry WebSocket switch (docs/protocol.md "Variables":
 * `/sys/telemetryws/enable`, rw).
 */
export interface TelemetrySwitch {
  /** False on a PVS5, which has no such variable (its answer is 400). */
  available(): boolean;
  enable(): void;
}

/**
 * The SunVault settings the owner may write (storage-control.ts): `check` says whether a value would be taken
 * ("read-only", "bad-value", or null), `write` takes it.
 */
export interface OwnerSettings {
  check(name: string, value: string): string | null;
  write(name: string, value: string): void;
}

const TELEMETRY_ENABLE = "/sys/telemetryws/enable";
const TELEMETRY_ENABLE_NAME = TELEMETRY_ENABLE;

// fcgi_vars's error bits (src/fcgi_vars.c "Private definitions"), reported as `"errorcode" : "0x%04X"`.
const ERROR_NO_SESSION_INFO = 0x01;
const ERROR_SESSION_VALIDATION = 0x02;
const ERROR_AUTHENTICATION = 0x10;
const ERROR_PRE_QUERY = 0x20;
const ERROR_DATA_QUERY = 0x40;
const ERROR_VARIABLE_NOT_FOUND = 0x100;
const ERROR_READ_ONLY = 0x400;
const AUTH_FAILED = ERROR_SESSION_VALIDATION | ERROR_AUTHENTICATION;

interface QueryState {
  errorCode: number;
  fmt: "list" | "obj";
  cache: Set<string>;
  failed: boolean;
}

/** fcgi_vars ErrorResponse: `{"status": N, "description" : "…", "errorcode" : "0x0100"}`. */
function varsError(status: number, description: string, errorCode: number): Answer {
  return {
    status,
    body: { status, description, errorcode: `0x${errorCode.toString(16).toUpperCase().padStart(4, "0")}` },
  };
}

/** A value as the firmware prints it: a string, unless it looks like JSON (IsJSON: `{…}` or `[…]`), printed raw. */
function jsonValue(value: string): unknown {
  const t = value.trim();
  if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

const USER = "ssm_owner";
const TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// fcgi_auth's ErrorResponse (tjmonk/fcgi_auth, src/fcgi_auth.c): `{"status": N, "description" : "…"}`, no error code.
const authError = (status: number, description: string): Answer => ({ status, body: { status, description } });
const UNAUTHORIZED = authError(401, "Unauthorized");
/** fcgi_auth's ProcessQuery: a query string other than exactly `login` or `logout` (strcmp). */
export const AUTH_BAD_REQUEST = authError(400, "Bad request");

function sessionCookie(header: string | undefined): string | null {
  for (const part of (header ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === "session") return value.join("=");
  }
  return null;
}

/** `name=value` of one `set=`; more than one assignment is refused whole ("" name). */
function assignment(assignments: string): [string, string] {
  const each = assignments.split(",").filter((a) => a !== "");
  if (each.length !== 1 || !each[0].includes("=")) return ["", ""];
  return [each[0].slice(0, each[0].indexOf("=")), each[0].slice(each[0].indexOf("=") + 1)];
}

export class LocalApi {
  /** Session token → expiry (epoch ms, absolute from login). Date.now() so fake timers move it too. */
  private readonly sessions = new Map<string, number>();
  /** Cache id → the variable names it holds: a set that only grows (VARCACHE_AddUnique), values read per answer. */
  private readonly caches = new Map<string, Set<string>>();
  /** Sessions that logged out (bounded), for `endedSessionAnswer`. */
  private readonly ended = new Set<string>();

  constructor(
    private readonly serial: () => string,
    private readonly settings: LocalApiSettings,
    private readonly variables: () => Map<string, string>,
    private readonly telemetry: TelemetrySwitch | null = null,
    private readonly owner: OwnerSettings | null = null,
  ) {}

  /**
   * fcgi_auth's ProcessLoginQuery: the session is made (SESSIONMGR_NewSession) before the answer is written
   * (AuthSessionResponse: `Set-Cookie: session=…; Secure; HttpOnly`, body `{"session": "…" }`), and nothing checks
   * that the HTTP client is still there; a wrong or missing Basic header is 401 "Unauthorized".
   */
  login(authorization: string | undefined): Answer {
    const match = /^basic\s+(\S+)\s*$/i.exec(authorization ?? "");
    const expected = `${USER}:${this.serial().slice(-5)}`;
    if (!match || Buffer.from(match[1], "base64").toString("utf8") !== expected) return UNAUTHORIZED;
    let token = "";
    for (let i = 0; i < 64; i++) token += TOKEN_ALPHABET[crypto.randomInt(TOKEN_ALPHABET.length)];
    this.sessions.set(token, Date.now() + this.settings.sessionTtlS * 1000);
    return { status: 200, body: { session: token }, headers: { "Set-Cookie": `session=${token}; Secure; HttpOnly` } };
  }

  /**
   * fcgi_auth's ProcessLogoutQuery: no Cookie header, or a session the session manager does not know
   * (SESSIONMGR_EndSession: ENOENT), is 401 "Unauthorized"; an ended session is `Status: 204 OK` with no body.
   * The session id is what follows the first "session=" in the header, up to a ";" (strstr, strchr).
   */
  logout(cookieHeader: string | undefined): Answer {
    if (cookieHeader === undefined) return UNAUTHORIZED;
    const at = cookieHeader.indexOf("session=");
    // fcgi_auth reads on from a NULL pointer here (strchr(NULL, ';')): its process dies and the web server answers
    // for it. Which status lighttpd then sends is not in any public source; a 500 is a failure the client must take.
    if (at < 0) return { status: 500, body: { status: 500, description: "Internal Server Error" } };
    const rest = cookieHeader.slice(at + "session=".length);
    const token = rest.includes(";") ? rest.slice(0, rest.indexOf(";")) : rest;
    if (!this.valid(token)) return UNAUTHORIZED;
    this.sessions.delete(token);
    if (this.ended.size > 1000) this.ended.clear();
    this.ended.add(token);
    return { status: 204, body: "", raw: true };
  }

  /** Sessions that have not expired or logged out: a client that leaks logins makes this grow. */
  get openSessions(): number {
    let n = 0;
    for (const token of this.sessions.keys()) if (this.valid(token)) n++;
    return n;
  }

  /** Ends every session, as a timeout or a reboot does (their cookies then get `endedSessionAnswer`). */
  expireSessions(): void {
    for (const token of this.sessions.keys()) if (this.ended.size < 1000) this.ended.add(token);
    this.sessions.clear();
  }

  forgetCaches(): void {
    this.caches.clear();
  }

  /** Whether the request's cookie holds a live session (what the locked dl_cgi paths ask). */
  hasSession(cookieHeader: string | undefined): boolean {
    const token = sessionCookie(cookieHeader);
    return token !== null && this.valid(token);
  }

  /**
   * The answer to a `/vars` query (null: never answer), and whether the caller had a valid session. `query` is
   * the raw QUERY_STRING or POST body, parsed the way the firmware's fcgi_vars does (src/fcgi_vars.c,
   * ProcessQuery): split on "&" (empty parts skipped, as strtok_r does), each part matched by its prefix, never
   * URL-decoded; `fmt=`/`cache=`/`clearcache=` first, then `name=` (split on ","), `match=` (substring), `set=`.
   * Unknown parts are ignored, as InvokeQueryFunction ignores them.
   */
  vars(query: string, cookieHeader: string | undefined): { answer: Answer | null; authenticated: boolean } {
    const token = sessionCookie(cookieHeader);
    const authenticated = token !== null && this.valid(token);
    if (token !== null && !authenticated) return { answer: this.rejectedSession(token), authenticated };
    return {
      answer: this.query(
        query.split("&").filter((p) => p !== ""),
        authenticated,
      ),
      authenticated,
    };
  }

  /**
   * CheckAuthentication: a cookie the session manager does not validate is EACCES → 401, errorcode 0x0012
   * (ERROR_SESSION_VALIDATION | ERROR_AUTHENTICATION). Some builds answer 500 (pypvs re-logs in on both).
   */
  private rejectedSession(token: string): Answer {
    if (this.settings.endedSessionAnswer === "empty-200" && this.ended.has(token))
      return { status: 200, body: "", raw: true };
    const status = this.settings.expiredSessionStatus;
    return status === 401
      ? varsError(401, "Unauthorized", AUTH_FAILED)
      : { status, body: { status, description: "Internal Server Error" } };
  }

  /** The query's parts in fcgi_vars's order: the pre-query (format, cache), writes, then the names selected. */
  private query(parts: string[], authenticated: boolean): Answer | null {
    const state: QueryState = { errorCode: 0, fmt: "list", cache: new Set<string>(), failed: false };
    // Without a session the request runs as the unauthenticated user: the rest of the namespace does not exist for it.
    const all = this.variables();
    const visible = authenticated ? all : new Map([...all].filter(([name]) => PUBLIC_VARIABLES.has(name)));
    this.preQuery(parts, state);
    if (state.failed) return varsError(400, "Bad request", state.errorCode | ERROR_PRE_QUERY);
    // Stricter than the firmware, which sets each tuple it can: a request with any refused write writes nothing.
    for (const part of parts) {
      if (!part.startsWith("set=")) continue;
      const refused = this.checkWrite(part.slice(4), authenticated);
      if (refused) return refused;
    }
    this.select(parts, state, visible);
    if (state.failed) return varsError(400, "Bad request", state.errorCode);
    state.errorCode |= ERROR_DATA_QUERY;
    // The answer lists the whole selected cache, each value read now (caches keep names, not values).
    const now = this.variables();
    const names = [...state.cache].filter((n) => (authenticated ? now.has(n) : visible.has(n)));
    if (names.length === 0) return varsError(400, "Bad request", state.errorCode);
    if (names.some((n) => this.settings.hangVars.includes(n))) return null;
    const value = (n: string) => jsonValue(now.get(n) ?? "");
    if (state.fmt === "obj") return { status: 200, body: Object.fromEntries(names.map((n) => [n, value(n)])) };
    return { status: 200, body: { values: names.map((n) => ({ name: n, value: value(n) })), count: names.length } };
  }

  /** `fmt=`, `cache=`, `clearcache=`: how to answer and which cache collects the names. */
  private preQuery(parts: string[], state: QueryState): void {
    for (const part of parts) {
      if (part.startsWith("fmt=")) {
        const f = part.slice(4).charAt(0).toUpperCase();
        if (f === "O") state.fmt = "obj";
        else if (f === "L") state.fmt = "list";
        else state.failed = true;
      } else if (part.startsWith("cache=")) {
        state.cache = this.cache(part.slice(6));
      } else if (part.startsWith("clearcache=")) {
        state.cache = this.cache(part.slice(11));
        state.cache.clear();
      }
    }
  }

  /** `name=` (every name must exist), `match=` (substring), `set=` (the written variable is answered). */
  private select(parts: string[], state: QueryState, visible: ReadonlyMap<string, string>): void {
    for (const part of parts) {
      if (part.startsWith("name=")) {
        for (const name of part
          .slice(5)
          .split(",")
          .filter((n) => n !== "")) {
          if (visible.has(name)) state.cache.add(name);
          else {
            state.errorCode |= ERROR_VARIABLE_NOT_FOUND;
            state.failed = true;
          }
        }
      } else if (part.startsWith("match=")) {
        const match = part.slice(6);
        for (const name of visible.keys()) if (name.includes(match)) state.cache.add(name);
      } else if (part.startsWith("set=")) {
        const [name, value] = assignment(part.slice(4));
        if (name !== TELEMETRY_ENABLE_NAME && this.owner) {
          this.owner.write(name, value);
          state.cache.add(name);
          continue;
        }
        if (part.slice(4).endsWith("=1")) this.telemetry?.enable();
        state.cache.add(TELEMETRY_ENABLE);
      } else if (part.startsWith("tags=") || part.startsWith("instance=")) {
        state.failed = true; // not served by the PVS's varserver build as far as any public source shows
      }
    }
  }

  /** A named cache, created empty when unknown (GetCache); the default cache is new for every request. */
  private cache(name: string): Set<string> {
    let cache = this.caches.get(name);
    if (!cache) this.caches.set(name, (cache = new Set()));
    return cache;
  }

  /** `set=name=value[,…]`: only the telemetry switch may be written; the refusal, or null when allowed. */
  private checkWrite(assignments: string, authenticated: boolean): Answer | null {
    // Writes need an ACL the owner has only for the telemetry switch; the emulator lets a client change nothing else.
    if (!authenticated) return varsError(401, "Unauthorized", ERROR_NO_SESSION_INFO | ERROR_AUTHENTICATION);
    const [name, value] = assignment(assignments);
    // The SunVault's two owner settings (ssm_owner write in pypvs doc/varserver-variables-public-pvs6.csv).
    if (name !== TELEMETRY_ENABLE_NAME && this.owner) {
      const refused = this.owner.check(name, value);
      if (refused === "bad-value") return varsError(400, "Bad request", ERROR_DATA_QUERY);
      return refused === null ? null : varsError(403, "Forbidden", ERROR_READ_ONLY);
    }
    if (name !== TELEMETRY_ENABLE_NAME || !this.telemetry) return varsError(403, "Forbidden", ERROR_READ_ONLY);
    if (!this.telemetry.available()) return varsError(400, "Bad request", ERROR_VARIABLE_NOT_FOUND);
    if (value !== "1" && value !== "0") return varsError(400, "Bad request", ERROR_DATA_QUERY);
    return null;
  }

  private valid(token: string): boolean {
    const expires = this.sessions.get(token);
    if (expires === undefined) return false;
    if (expires > Date.now()) return true;
    this.sessions.delete(token);
    return false;
  }
}
