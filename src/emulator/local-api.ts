// The new firmware's `/auth` and `/vars` (varserver FCGI): sessions, server-side caches and the query rules
// (pvs-reference §2.3, §2.4). Answers are plain data; the HTTP server sends them.
import crypto from "crypto";
import { PUBLIC_VARIABLES } from "./varserver";

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Settings the emulator may change while running (it passes itself). */
export interface LocalApiSettings {
  sessionTtlS: number;
  expiredSessionStatus: 401 | 500;
  /** A `/vars` answer that would include any of these never comes (real firmware hangs on some variables). */
  hangVars: string[];
}

/** The one variable a client may write: the PVS6 telemetry WebSocket switch (§2.5 `/sys/telemetryws/enable`, rw). */
export interface TelemetrySwitch {
  /** False on a PVS5, which has no such variable (its answer is 400). */
  available(): boolean;
  enable(): void;
}

const TELEMETRY_ENABLE = "/sys/telemetryws/enable";

const USER = "ssm_owner";
const TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

const error = (status: number, message: string): Answer => ({ status, body: { status, error: message } });
const UNAUTHORIZED = error(401, "Unauthorized");

function sessionCookie(header: string | undefined): string | null {
  for (const part of (header ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === "session") return value.join("=");
  }
  return null;
}

export class LocalApi {
  /** Session token → expiry (epoch ms, absolute from login). Date.now() so fake timers move it too. */
  private readonly sessions = new Map<string, number>();
  /** Cache id → the variable names matched when it was created (names, not a query: later variables stay out). */
  private readonly caches = new Map<string, string[]>();

  constructor(
    private readonly serial: () => string,
    private readonly settings: LocalApiSettings,
    private readonly variables: () => Map<string, string>,
    private readonly telemetry: TelemetrySwitch | null = null,
  ) {}

  login(authorization: string | undefined): Answer {
    const match = /^basic\s+(\S+)\s*$/i.exec(authorization ?? "");
    const expected = `${USER}:${this.serial().slice(-5)}`;
    if (!match || Buffer.from(match[1], "base64").toString("utf8") !== expected) return UNAUTHORIZED;
    let token = "";
    for (let i = 0; i < 64; i++) token += TOKEN_ALPHABET[crypto.randomInt(TOKEN_ALPHABET.length)];
    this.sessions.set(token, Date.now() + this.settings.sessionTtlS * 1000);
    return { status: 200, body: { session: token }, headers: { "Set-Cookie": `session=${token}; Path=/; Secure; HttpOnly` } };
  }

  logout(cookieHeader: string | undefined): Answer {
    const token = sessionCookie(cookieHeader);
    if (token === null || !this.valid(token)) return UNAUTHORIZED;
    this.sessions.delete(token);
    return { status: 200, body: { status: "logged out" } };
  }

  /** Sessions that have not expired or logged out: a client that leaks logins makes this grow. */
  get openSessions(): number {
    let n = 0;
    for (const token of this.sessions.keys()) if (this.valid(token)) n++;
    return n;
  }

  expireSessions(): void {
    this.sessions.clear();
  }

  forgetCaches(): void {
    this.caches.clear();
  }

  /** The answer to a `/vars` query (null: never answer), and whether the caller had a valid session. */
  vars(params: URLSearchParams, cookieHeader: string | undefined): { answer: Answer | null; authenticated: boolean } {
    const token = sessionCookie(cookieHeader);
    const authenticated = token !== null && this.valid(token);
    // Writes need an ACL the owner has only for the telemetry switch; the emulator lets a client change nothing else.
    if (params.has("set")) return { answer: this.write(params.getAll("set"), authenticated, token !== null), authenticated };
    if (token !== null && !authenticated) {
      const status = this.settings.expiredSessionStatus;
      return { answer: error(status, status === 401 ? "Unauthorized" : "Internal Server Error"), authenticated };
    }
    const clear = params.get("clearcache");
    if (clear !== null) {
      return { answer: this.caches.delete(clear) ? { status: 200, body: { status: "cache cleared" } } : error(400, "unknown cache"), authenticated };
    }

    // Without a session the rest of the namespace is silently invisible, not refused.
    const all = this.variables();
    const visible = authenticated ? all : new Map([...all].filter(([name]) => PUBLIC_VARIABLES.has(name)));
    const name = params.get("name");
    const match = params.get("match");
    const cache = params.get("cache");
    let names: string[];
    if (name !== null || match !== null) {
      const found = new Set<string>();
      for (const n of name?.split(",") ?? []) if (visible.has(n)) found.add(n);
      if (match !== null) for (const n of visible.keys()) if (n.includes(match)) found.add(n);
      names = [...found];
      if (cache !== null && names.length > 0) this.caches.set(cache, names);
    } else if (cache !== null) {
      const stored = this.caches.get(cache);
      if (!stored) return { answer: error(400, "unknown cache"), authenticated };
      names = stored.filter((n) => visible.has(n));
    } else {
      return { answer: error(400, "no name, match or cache"), authenticated };
    }
    if (names.length === 0) return { answer: error(400, "no variables"), authenticated };
    if (names.some((n) => this.settings.hangVars.includes(n))) return { answer: null, authenticated };

    if (params.get("fmt") === "obj") return { answer: { status: 200, body: Object.fromEntries(names.map((n) => [n, visible.get(n)])) }, authenticated };
    return { answer: { status: 200, body: { values: names.map((n) => ({ name: n, value: visible.get(n) })), count: names.length } }, authenticated };
  }

  private write(assignments: string[], authenticated: boolean, hadToken: boolean): Answer {
    if (!authenticated) return hadToken ? error(this.settings.expiredSessionStatus, "Unauthorized") : error(403, "Forbidden");
    // `set=a=1,b=2` writes several variables: with anything besides the switch, the write is refused whole.
    const each = assignments.flatMap((a) => a.split(","));
    const [name, value] = each.length === 1 ? each[0].split("=", 2) : ["", ""];
    if (name !== TELEMETRY_ENABLE || !this.telemetry) return error(403, "Forbidden");
    if (!this.telemetry.available()) return error(400, "no such variable");
    if (value !== "1" && value !== "0") return error(400, "bad value");
    if (value === "1") this.telemetry.enable();
    return { status: 200, body: { values: [{ name: TELEMETRY_ENABLE, value }], count: 1 } };
  }

  private valid(token: string): boolean {
    const expires = this.sessions.get(token);
    if (expires === undefined) return false;
    if (expires > Date.now()) return true;
    this.sessions.delete(token);
    return false;
  }
}
