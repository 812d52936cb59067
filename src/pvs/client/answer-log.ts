// What this PVS said last, for the diagnostics download: the last raw answer of every kind of
// request, the last telemetry frames and the last errors. Only the last of each kind is kept and every part is
// bounded, so memory does not grow however long Node-RED runs.
//
// Never kept: request headers (the login's Basic header), the login's answer body and its Set-Cookie (the
// session). The answers themselves still hold the serial and Wi-Fi names: they are redacted when the
// diagnostics file is built (see src/diagnostics/diagnostics-file.ts), never served as they are.

/** One body is kept up to this many bytes (a 1,000-device DeviceList is about 1 MB). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Distinct kinds kept; the oldest kind goes first (the package's own requests are a dozen). */
export const MAX_KINDS = 48;
/** All bodies together; the oldest answers lose their body first. */
export const MAX_TOTAL_BYTES = 8 * 1024 * 1024;
export const MAX_FRAMES = 50;
export const MAX_FRAME_CHARS = 64 * 1024;
export const MAX_ERRORS = 20;

/**
 * Response headers kept with an answer: the ones that help diagnose (what the body is and how it came, who served
 * it and when, how long to back off). An allow-list, so that Set-Cookie (the session), WWW-Authenticate and
 * whatever else a firmware adds never reach the file.
 */
export const DIAGNOSTIC_HEADERS = [
  "content-type",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "retry-after",
  "server",
  "date",
] as const;

/** The allow-listed headers of a response (lower-case names; a repeated header's values joined with ", "). */
export function diagnosticHeaders(raw: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of DIAGNOSTIC_HEADERS) {
    const value = raw[name];
    if (typeof value === "string" || typeof value === "number") out[name] = String(value).slice(0, 200);
    else if (Array.isArray(value))
      out[name] = value
        .filter((v) => typeof v === "string")
        .join(", ")
        .slice(0, 200);
  }
  return out;
}

export interface LoggedAnswer {
  /** What it was: `DeviceList`, `supervisor/info`, `login`, or the `/vars` request line. */
  kind: string;
  /** `GET <path>?<query>` as sent (no headers). */
  request: string;
  /** The API it went to. */
  api: "dl_cgi" | "vars";
  status: number;
  /** The DIAGNOSTIC_HEADERS the answer had. */
  headers: Record<string, string>;
  durationMs: number;
  /** ISO time the request started. */
  at: string;
  /** The body as received (cut at MAX_BODY_BYTES; null for the login and once evicted by the total cap). */
  body: string | null;
  bodyBytes: number;
  truncated: boolean;
}

export interface LoggedFrame {
  /** Epoch ms of arrival. */
  at: number;
  text: string;
}

export interface LoggedError {
  at: string;
  kind: string;
  code: string;
  message: string;
  status: number | null;
}

export interface AnswerLogSnapshot {
  answers: LoggedAnswer[];
  frames: LoggedFrame[];
  errors: LoggedError[];
  /** The checks the model raised on the last device list (as payload.checks). */
  checks: unknown[] | null;
  checksAt: string | null;
}

export interface WireAnswer {
  status: number;
  body: string;
  durationMs: number;
  /** The DIAGNOSTIC_HEADERS of the answer (anything else is dropped here too). */
  headers?: Readonly<Record<string, unknown>>;
}

export class AnswerLog {
  private readonly answers = new Map<string, LoggedAnswer>();
  private frames: LoggedFrame[] = [];
  private errors: LoggedError[] = [];
  private checks: unknown[] | null = null;
  private checksAt: string | null = null;

  /** Keeps `answer` as the last one of `kind`; `keepBody` false for the login (its body may hold the session). */
  answer(
    kind: string,
    api: "dl_cgi" | "vars",
    request: string,
    answer: WireAnswer,
    startedAt: number,
    keepBody = true,
  ): void {
    const bytes = Buffer.byteLength(answer.body);
    let body: string | null = null;
    let truncated = false;
    if (keepBody) {
      truncated = bytes > MAX_BODY_BYTES;
      body = truncated ? Buffer.from(answer.body).subarray(0, MAX_BODY_BYTES).toString("utf8") : answer.body;
    }
    this.answers.delete(kind);
    if (this.answers.size >= MAX_KINDS) this.answers.delete(this.answers.keys().next().value as string);
    this.answers.set(kind, {
      kind,
      request,
      api,
      status: answer.status,
      headers: diagnosticHeaders(answer.headers ?? {}),
      durationMs: answer.durationMs,
      at: new Date(startedAt).toISOString(),
      body,
      bodyBytes: bytes,
      truncated,
    });
    this.enforceTotal();
  }

  frame(text: string, at = Date.now()): void {
    this.frames.push({ at, text: text.length > MAX_FRAME_CHARS ? text.slice(0, MAX_FRAME_CHARS) : text });
    if (this.frames.length > MAX_FRAMES) this.frames = this.frames.slice(-MAX_FRAMES);
  }

  error(kind: string, code: string, message: string, status: number | null = null): void {
    this.errors.push({ at: new Date().toISOString(), kind, code, message: message.slice(0, 1000), status });
    if (this.errors.length > MAX_ERRORS) this.errors = this.errors.slice(-MAX_ERRORS);
  }

  noteChecks(checks: readonly unknown[]): void {
    this.checks = checks.slice(0, 1000);
    this.checksAt = new Date().toISOString();
  }

  snapshot(): AnswerLogSnapshot {
    return {
      answers: [...this.answers.values()].map((a) => ({ ...a })),
      frames: this.frames.map((f) => ({ ...f })),
      errors: this.errors.map((e) => ({ ...e })),
      checks: this.checks,
      checksAt: this.checksAt,
    };
  }

  /** Bytes of the bodies held now. */
  heldBytes(): number {
    let total = 0;
    for (const a of this.answers.values()) if (a.body !== null) total += Buffer.byteLength(a.body);
    return total;
  }

  private enforceTotal(): void {
    let total = this.heldBytes();
    // Oldest first: the Map keeps insertion order, and the latest answer was inserted last.
    for (const a of this.answers.values()) {
      if (total <= MAX_TOTAL_BYTES) return;
      if (a.body === null) continue;
      total -= Buffer.byteLength(a.body);
      a.body = null;
      a.truncated = true;
    }
  }
}
