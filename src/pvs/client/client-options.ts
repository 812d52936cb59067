// What a PvsClient is built with and what it reports: the settings of one PVS's client (limits, back-off, the
// LocalAPI's port and password), its defaults, and the counts getStats returns.
import { PvsErrorCode } from "../http/errors";
import { Endpoint } from "../http/transport";

/** The LocalAPI side of a PVS: HTTPS on its own port, the owner password, certificate trust. */
export interface LocalApiOptions {
  port: number;
  /** The owner password (last 5 characters of the serial, or the user's); null while unknown. */
  password: () => string | null;
  /** Deadline of one variable read; some variables make the firmware hang forever. */
  timeoutMs?: number;
  /** Pinned SHA-256 certificate fingerprint ("AB:CD:…"), or null to accept the PVS's self-signed certificate. */
  fingerprint?: string | null;
  /** Hears the fingerprint of every certificate the PVS presents. */
  onCertificate?: (fingerprint: string) => void;
  /** Hears every session cookie a login got (a secret: the diagnostics mask it wherever it shows up). */
  onSession?: (cookie: string) => void;
  renewAfterMs?: number;
  refusedHoldMs?: number;
  /** First wait before a new login after the PVS rejected a fresh session (doubles up to 5 min). */
  loginBackoffBaseMs?: number;
}

export const DEFAULT_LOCALAPI_TIMEOUT_MS = 15_000;

export interface ClientOptions extends Endpoint {
  /** Deadline of one request, from sending it to the end of the answer. */
  timeoutMs: number;
  /** Minimum quiet time between the end of one request and the start of the next. */
  minSpacingMs: number;
  /**
   * Quiet time after a light request (a LocalAPI variable read or login, the open supervisor/info): these are
   * cheap for the PVS (pypvs sends its reads back to back), so a LocalAPI poll takes a second, not 15 s.
   * Default: the smaller of `minSpacingMs` and 500 ms.
   */
  lightSpacingMs?: number;
  /** Back-off after failures: base doubles per consecutive failure up to max. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Failures in a row after which requests fail fast until the back-off has passed (circuit breaker). */
  openAfter?: number;
  /** The DeviceList ration: least time between the starts of two legacy DeviceLists; 0 = no limit. */
  deviceListEveryMs?: number;
  maxBodyBytes?: number;
  /** Masks secrets in text taken from an answer before it reaches an error message. */
  redact?: (text: string) => string;
  /** Present when the PVS may serve the LocalAPI. */
  localApi?: LocalApiOptions;
}

export interface ClientStats {
  /** Requests sent to the PVS (logins included). */
  requests: number;
  /** LocalAPI logins sent. */
  logins: number;
  failures: number;
  /** Requests answered by sharing another caller's request. */
  coalesced: number;
  /** DeviceLists answered with the previous answer, because they were asked again within the DeviceList ration. */
  reused: number;
  /** Requests refused at once because the circuit breaker was open. */
  refused: number;
  consecutiveFailures: number;
  lastDurationMs: number | null;
  lastErrorCode: PvsErrorCode | null;
  /** Epoch ms before which the next request will not start. */
  nextRequestAt: number;
}

export const DEFAULT_BACKOFF_BASE_MS = 5_000;
export const DEFAULT_BACKOFF_MAX_MS = 5 * 60_000;
export const DEFAULT_LIGHT_SPACING_MS = 500;

/** The quiet time after an exchange: the full spacing, or the light one after a light request. */
export function gapAfter(options: ClientOptions, light: boolean | undefined): number {
  const lightMs = options.lightSpacingMs ?? Math.min(options.minSpacingMs, DEFAULT_LIGHT_SPACING_MS);
  return light ? Math.min(lightMs, options.minSpacingMs) : options.minSpacingMs;
}
