// This PVS's secrets: its serial (the LocalAPI owner password's source) and the password the user set. The
// owner password derives from them, and every text that leaves the package is masked with them.
import { redactSerial, redactText } from "../../model/redact";
import { Identity } from "./identity";

/** Where the serial comes from: the API detection's identity, now and as last seen. */
export interface SerialSource {
  /** What the PVS said it is in the current detection (the password's source). */
  readonly identity: Identity | null;
  /** The current identity, or the one before it while a fresh detection has not succeeded (for masking). */
  readonly lastIdentity: Identity | null;
}

/** Session cookies remembered for masking: the last ones (a session lasts minutes, a diagnostics file 50 frames). */
const MAX_SESSIONS = 16;

export class OwnerSecrets {
  private readonly cookies: string[] = [];

  constructor(
    private readonly serials: SerialSource,
    /** The owner password the user set (settings may change it); empty: derived from the serial. */
    private readonly userPassword: () => string | null | undefined,
  ) {}

  /** Every string that must never leave the package unmasked. */
  list(): string[] {
    return [this.serials.lastIdentity?.serial, this.userPassword()].filter(
      (s): s is string => typeof s === "string" && s.length > 0,
    );
  }

  /**
   * Remembers a session cookie the client was given: an error page may quote it after the client has dropped it
   * (a 500 ends the session), so every one it held is masked, not only the current one.
   */
  heldSession(cookie: string): void {
    if (cookie.length < 8 || this.cookies.includes(cookie)) return;
    this.cookies.push(cookie);
    if (this.cookies.length > MAX_SESSIONS) this.cookies.shift();
  }

  /** The session cookies held lately (see heldSession), for the diagnostics file to mask wherever they appear. */
  sessions(): string[] {
    return [...this.cookies];
  }

  /**
   * `text` with the secrets masked as they are (session cookies wholly), then the serial in any other spelling
   * (lower case, split by a dash) and its password alone (a host name, a `Server` header): answers quote them as
   * they like.
   */
  redact(text: string): string {
    const serial = this.serials.lastIdentity?.serial;
    let masked = redactText(text, this.list());
    for (const cookie of this.cookies) {
      if (masked.includes(cookie)) masked = masked.split(cookie).join("[redacted]");
    }
    return serial ? redactSerial(masked, serial) : masked;
  }

  /** The LocalAPI owner password: the user's, else the last 5 characters of the serial; null while unknown. */
  password(): string | null {
    const password = this.userPassword();
    if (password) return password;
    const serial = this.serials.identity?.serial;
    return serial && serial.length >= 5 ? serial.slice(-5) : null;
  }
}
