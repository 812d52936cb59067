// One error type with stable codes: the nodes show it in their status, and Catch nodes receive `code`.

export type PvsErrorCode =
  | "PVS_NOT_CONFIGURED" // the node has no usable pvs-config
  | "PVS_BAD_CONFIG" // the pvs-config has an invalid setting
  | "PVS_NO_HOST" // the pvs-config has no host yet (a new node): nothing is sent
  | "PVS_UNREACHABLE" // connection refused, reset, host not found, network down
  | "PVS_TIMEOUT" // no complete answer within the timeout
  | "PVS_FORBIDDEN" // HTTP 403 (legacy lock-out or locked firmware)
  | "PVS_LOGIN_REFUSED" // the LocalAPI refused the owner login (wrong serial/password)
  | "PVS_NO_PASSWORD" // the LocalAPI needs a password and the PVS serial could not be read
  | "PVS_SESSION_EXPIRED" // the LocalAPI session stayed invalid after logging in again
  | "PVS_CERT_MISMATCH" // HTTPS certificate differs from the pinned fingerprint
  | "PVS_HTTP_ERROR" // any other HTTP status >= 400
  | "PVS_HTML_RESPONSE" // an HTML page where JSON was expected
  | "PVS_NOT_JSON" // a body that is not JSON (or is cut short)
  | "PVS_TOO_LARGE" // a body over the size limit
  | "PVS_COMMAND_FAILED" // {"result":"error"} and the like
  | "PVS_BAD_RESPONSE" // JSON, but not the shape the command answers with
  | "PVS_NO_DEVICES" // a device list without any device but the PVS itself (starting up, rediscovering)
  | "PVS_NOT_ALLOWED" // a command or path outside the read-only allow-list
  | "PVS_NOT_SUPPORTED" // a read this PVS's API does not offer (a legacy ?Command= on LocalAPI firmware)
  | "PVS_BAD_INPUT" // an input message this node cannot use
  | "PVS_CONTROL_OFF" // a battery write while the pvs-config does not allow battery control
  | "PVS_BAD_VALUE" // a battery mode or reserve outside what the owner may set
  | "PVS_WRITE_TOO_SOON" // a second write of one battery setting within 5 minutes
  | "PVS_CIRCUIT_OPEN" // failed several times in a row: not asked again until the back-off has passed
  | "PVS_ABORTED" // the request was cancelled because its node closed
  | "PVS_INTERNAL"; // a fault in this package; the message says what

export class PvsError extends Error {
  readonly code: PvsErrorCode;
  /** HTTP status, when the PVS answered with one. */
  readonly statusCode?: number;
  /** PVS_CIRCUIT_OPEN: when the PVS will be asked again (epoch ms), and the failure that opened it. */
  retryAt?: number;
  reason?: PvsErrorCode;

  constructor(code: PvsErrorCode, message: string, statusCode?: number) {
    super(message);
    this.name = "PvsError";
    this.code = code;
    if (statusCode !== undefined) this.statusCode = statusCode;
  }
}

/** Whatever was thrown, as a PvsError. Normalizer PayloadErrors keep their code. */
export function toPvsError(err: unknown): PvsError {
  if (err instanceof PvsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return new PvsError(code === "PVS_BAD_RESPONSE" ? "PVS_BAD_RESPONSE" : "PVS_INTERNAL", message);
}
