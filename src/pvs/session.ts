// The one LocalAPI session of a PVS, shared by every node that uses it: logged in on first need, reused
// across polls, renewed before the firmware's ~5-minute lifetime ends, and never retried with a password
// the PVS has just refused.
import { PvsError } from "./errors";

export interface SessionOptions {
  /** The owner password: last 5 characters of the serial, or the one the user set. Null while unknown. */
  password: () => string | null;
  /** Log in again once the session is this old (the firmware's lifetime is about 300 s). */
  renewAfterMs: number;
  /** How long a refused password is not tried again. */
  refusedHoldMs: number;
}

export const DEFAULT_RENEW_AFTER_MS = 240_000;
export const DEFAULT_REFUSED_HOLD_MS = 5 * 60_000;

export class LocalApiSession {
  private cookie: string | null = null;
  private since = 0;
  private refused: { password: string; at: number } | null = null;
  /** Logins sent to the PVS (for tests and the request budget). */
  logins = 0;

  constructor(private readonly options: SessionOptions) {}

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

  /** The password to log in with; throws without one, or while the PVS's refusal of it still holds. */
  passwordForLogin(now = Date.now()): string {
    const password = this.options.password();
    if (!password) throw new PvsError("PVS_NO_PASSWORD", "no password for the LocalAPI: the PVS serial could not be read; enter the password (last 5 characters of the serial) in the PVS settings");
    if (this.refused && this.refused.password === password && now - this.refused.at < this.options.refusedHoldMs) {
      throw new PvsError("PVS_LOGIN_REFUSED", "login refused: check the serial/password (not retried for a few minutes)", 401);
    }
    return password;
  }

  loggedIn(cookie: string, now = Date.now()): void {
    this.cookie = cookie;
    this.since = now;
    this.refused = null;
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
