// The one LocalAPI session of a PVS, shared by every node that uses it: logged in on first need, reused
// across polls, renewed before the firmware's ~5-minute lifetime ends, never retried with a password the PVS
// has just refused, and logins backed off when the PVS rejects even fresh sessions.
//
// Wire facts (sources): login is `GET /auth?login` with `Authorization: basic base64(ssm_owner:<password>)`,
// the session comes back as the `session` cookie (pypvs pvs_fcgi.py `login_basic`, doc/LocalAPI.md). A read
// with a session the firmware no longer knows fails authentication: fcgi_vars CheckAuthentication → EACCES →
// `401 Unauthorized` with errorcode 0x0012 (session validation | authentication); some builds answer 500, and
// pypvs re-authenticates on both (pvs_fcgi.py `_post_internal`). Some builds answer 403 on the LocalAPI for an
// expired session. An empty 200 body to a session read is read as a session the PVS ended, too, but at most once
// per login back-off: some units answer so now and then while the session lives on.
import { PvsError } from "../http/errors";
import { HttpAnswer } from "../http/transport";
import { isJsonObject } from "../../model/safe-object";

export const LOCALAPI_USER = "ssm_owner";

export interface SessionOptions {
  /** The owner password: last 5 characters of the serial, or the one the user set. Null while unknown. */
  password: () => string | null;
  /** Log in again once the session is this old (the firmware's lifetime is about 300 s). */
  renewAfterMs: number;
  /** How long a refused password is not tried again. */
  refusedHoldMs: number;
  /** First wait before logging in again after the PVS rejected a fresh session; doubles to `loginBackoffMaxMs`. */
  loginBackoffBaseMs?: number;
  loginBackoffMaxMs?: number;
  /** Hears every session a login got. */
  onSession?: (cookie: string) => void;
}

export const DEFAULT_RENEW_AFTER_MS = 240_000;
export const DEFAULT_REFUSED_HOLD_MS = 5 * 60_000;
export const DEFAULT_LOGIN_BACKOFF_BASE_MS = 30_000;
export const DEFAULT_LOGIN_BACKOFF_MAX_MS = 5 * 60_000;

/** The login request's headers: a Basic header built from the owner password (lower-case "basic", as pypvs sends). */
export function loginHeaders(password: string): Record<string, string> {
  return { Authorization: "basic " + Buffer.from(`${LOCALAPI_USER}:${password}`).toString("base64") };
}

/** A session id as the firmware makes them (64 letters and digits, see the emulator) and as pypvs passes them on. */
const SESSION_ID = /^[A-Za-z0-9._~+/=-]{8,512}$/;

/**
 * One `Set-Cookie` header read as RFC 6265 §5.2 does: the cookie's name=value is the first pair, what follows is
 * attributes; null when it is not the `session` cookie, has no usable value, or has expired (Max-Age ≤ 0 or an
 * Expires in the past; Max-Age wins over Expires, §5.3).
 */
export function liveSessionCookie(header: string, now = Date.now()): string | null {
  const [pair, ...attributes] = header.split(";");
  const eq = pair.indexOf("=");
  if (eq < 0 || pair.slice(0, eq).trim() !== "session") return null;
  const raw = pair.slice(eq + 1).trim();
  const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!SESSION_ID.test(value)) return null;
  let maxAge: number | null = null;
  let expires: number | null = null;
  for (const attribute of attributes) {
    const at = attribute.indexOf("=");
    const name = (at < 0 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const text = at < 0 ? "" : attribute.slice(at + 1).trim();
    if (name === "max-age" && /^-?\d+$/.test(text)) maxAge = Number(text);
    else if (name === "expires" && Number.isFinite(Date.parse(text))) expires = Date.parse(text);
  }
  if (maxAge !== null) return maxAge > 0 ? value : null;
  return expires !== null && expires <= now ? null : value;
}

/**
 * The session from a login answer: the last live `session` cookie of its `Set-Cookie` headers (a later cookie of
 * a name replaces an earlier one, RFC 6265 §5.3; an expired one, such as `session=deleted; Max-Age=0`, is none),
 * else the body's `session`.
 */
export function sessionFromLogin(answer: HttpAnswer, now = Date.now()): string | null {
  let found: string | null = null;
  for (const header of answer.setCookie) found = liveSessionCookie(header, now) ?? found;
  if (found) return found;
  try {
    const parsed: unknown = JSON.parse(answer.body);
    if (isJsonObject(parsed) && typeof parsed.session === "string" && SESSION_ID.test(parsed.session))
      return parsed.session;
  } catch {
    // fall through: no session in the answer
  }
  return null;
}

/**
 * Whether an answer to a session read says the session is gone: log in again (once) and retry. A write the
 * owner may not make answers 403 with a valid session: for the write that is a refusal, not an expiry.
 */
export function sessionEnded(answer: HttpAnswer, write = false): boolean {
  if (answer.status === 401 || answer.status === 500) return true;
  if (answer.status === 403) return !write;
  return isEmpty(answer);
}

/** An empty 200: a session the PVS ended on some units, a lost answer on others (see LocalApiSession.read). */
function isEmpty(answer: HttpAnswer): boolean {
  return answer.status === 200 && answer.body.trim() === "";
}

/** The exchanges a session read needs from the client: each spaced and counted like every request. */
export interface SessionExchanges {
  /** The read itself, with the session cookie. */
  read(cookie: Record<string, string>): Promise<HttpAnswer>;
  /** `GET /auth?login` with the Basic header. */
  login(headers: Record<string, string>): Promise<HttpAnswer>;
  /** `GET /auth?logout` with a session given up on; its answer does not matter. */
  logout(cookie: Record<string, string>): Promise<void>;
  /** True once the connection is closing: a login that came back is then not followed by the read. */
  closing(): boolean;
}

export class LocalApiSession {
  private cookie: string | null = null;
  private since = 0;
  private refused: { password: string; at: number } | null = null;
  /** Fresh sessions rejected in a row, and before when no login is sent. */
  private rejections = 0;
  private loginHeldUntil = 0;
  /** Re-logins after an empty answer in a row, and before when an empty answer gets none (see emptyAnswer). */
  private emptyRelogins = 0;
  private emptyHeldUntil = 0;
  /** Logins sent to the PVS (for tests and the request budget). */
  logins = 0;

  constructor(private readonly options: SessionOptions) {}

  /**
   * One read with the session: logged in first when there is none (or it is due for renewal). A session that
   * had worked and ended (401, 403 or 500 by build; pypvs re-logs in on these) gets one new login and one retry;
   * a session the PVS rejects the moment it gave it is not fixed by logging in again: logins back off.
   * `label` names the LocalAPI endpoint in errors.
   */
  async read(write: boolean, label: string, exchanges: SessionExchanges): Promise<HttpAnswer> {
    let login = await this.cookieFor(exchanges);
    let answer = await exchanges.read(login.cookie);
    if (sessionEnded(answer, write) && !login.fresh) {
      if (isEmpty(answer)) await this.emptyAnswer(label, login.cookie, exchanges);
      this.invalidate();
      login = await this.cookieFor(exchanges);
      answer = await exchanges.read(login.cookie);
    }
    if (sessionEnded(answer, write)) {
      this.rejectedFresh();
      throw new PvsError(
        "PVS_SESSION_EXPIRED",
        `PVS at ${label} rejected a fresh LocalAPI session (HTTP ${answer.status}${answer.status === 200 ? ", empty answer" : ""})`,
        answer.status,
      );
    }
    if (answer.status < 400) this.worked();
    return answer;
  }

  /**
   * An empty 200 to a session that had worked: the PVS may have ended it (some units answer so), or the answer
   * was lost on the way while the session lives on. One re-login, after logging the old session out (a live one
   * would otherwise stay open on the PVS until it expires); another empty answer before the login back-off has
   * passed is an error, not another login (a PVS answering empty now and then caused a login at nearly every poll).
   */
  private async emptyAnswer(label: string, cookie: Record<string, string>, exchanges: SessionExchanges) {
    const now = Date.now();
    const base = this.options.loginBackoffBaseMs ?? DEFAULT_LOGIN_BACKOFF_BASE_MS;
    const max = this.options.loginBackoffMaxMs ?? DEFAULT_LOGIN_BACKOFF_MAX_MS;
    if (now < this.emptyHeldUntil)
      throw new PvsError(
        "PVS_BAD_RESPONSE",
        `PVS at ${label} answered a LocalAPI read with nothing (HTTP 200, empty) again; next login for it in ${Math.ceil((this.emptyHeldUntil - now) / 1000)} s`,
        200,
      );
    // Empty answers that stopped for a while start the back-off again at its first step.
    if (now >= this.emptyHeldUntil + max) this.emptyRelogins = 0;
    this.emptyHeldUntil = now + Math.min(max, base * 2 ** this.emptyRelogins);
    this.emptyRelogins++;
    await exchanges.logout(cookie);
  }

  /** The cookie to read with, logging in first when needed (`fresh`: just logged in). */
  private async cookieFor(exchanges: SessionExchanges): Promise<{ cookie: Record<string, string>; fresh: boolean }> {
    const current = this.cookieHeader();
    if (current) return { cookie: current, fresh: false };
    const password = this.passwordForLogin();
    this.logins++;
    const answer = await exchanges.login(loginHeaders(password));
    if (answer.status === 401 || answer.status === 403) {
      this.refusedLogin(password);
      throw new PvsError("PVS_LOGIN_REFUSED", "login refused: check the serial/password", answer.status);
    }
    if (answer.status >= 400)
      throw new PvsError("PVS_HTTP_ERROR", `PVS answered HTTP ${answer.status} to the LocalAPI login`, answer.status);
    const cookie = sessionFromLogin(answer);
    if (!cookie) throw new PvsError("PVS_BAD_RESPONSE", "the LocalAPI login answer carried no session");
    this.loggedIn(cookie);
    // Closed while the login was on the wire: the session exists on the PVS now; the closer logs it out.
    if (exchanges.closing()) throw new PvsError("PVS_ABORTED", "the PVS connection is closed");
    return { cookie: { Cookie: `session=${cookie}` }, fresh: true };
  }

  /** The cookie header for a read, or null when a login must come first. */
  cookieHeader(now = Date.now()): Record<string, string> | null {
    if (this.cookie === null || now - this.since >= this.options.renewAfterMs) return null;
    return { Cookie: `session=${this.cookie}` };
  }

  /** The cookie to log out with: also one due for renewal, which the PVS still honours until it expires. */
  logoutHeader(): Record<string, string> | null {
    return this.cookie === null ? null : { Cookie: `session=${this.cookie}` };
  }

  get active(): boolean {
    return this.cookie !== null;
  }

  /**
   * The password to log in with; throws without one, while the PVS's refusal of it still holds, or while
   * logins are backed off after rejected sessions.
   */
  passwordForLogin(now = Date.now()): string {
    const password = this.options.password();
    if (!password)
      throw new PvsError(
        "PVS_NO_PASSWORD",
        "no password for the LocalAPI: the PVS serial could not be read; enter the password (last 5 characters of the serial) in the PVS settings",
      );
    if (this.refused && this.refused.password === password && now - this.refused.at < this.options.refusedHoldMs) {
      throw new PvsError(
        "PVS_LOGIN_REFUSED",
        "login refused: check the serial/password (not retried for a few minutes)",
        401,
      );
    }
    if (now < this.loginHeldUntil) {
      throw new PvsError(
        "PVS_SESSION_EXPIRED",
        `the PVS rejected its last LocalAPI sessions; next login in ${Math.ceil((this.loginHeldUntil - now) / 1000)} s`,
      );
    }
    return password;
  }

  loggedIn(cookie: string, now = Date.now()): void {
    this.options.onSession?.(cookie);
    this.cookie = cookie;
    this.since = now;
    this.refused = null;
  }

  /** A session read succeeded: the session works, logins are no longer held back. */
  worked(): void {
    this.rejections = 0;
    this.loginHeldUntil = 0;
  }

  /** The PVS rejected a session it had just given: no new login before a back-off (doubling) has passed. */
  rejectedFresh(now = Date.now()): void {
    this.cookie = null;
    const base = this.options.loginBackoffBaseMs ?? DEFAULT_LOGIN_BACKOFF_BASE_MS;
    const max = this.options.loginBackoffMaxMs ?? DEFAULT_LOGIN_BACKOFF_MAX_MS;
    this.loginHeldUntil = now + Math.min(max, base * 2 ** this.rejections);
    this.rejections++;
  }

  /** Epoch ms before which no login is sent (0: none held). */
  get loginHeldUntilMs(): number {
    return this.loginHeldUntil;
  }

  refusedLogin(password: string, now = Date.now()): void {
    this.cookie = null;
    this.refused = { password, at: now };
  }

  /** The PVS no longer knows the session (expired, rebooted). */
  invalidate(): void {
    this.cookie = null;
  }
}
