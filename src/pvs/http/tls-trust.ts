// Trust for the PVS's self-signed HTTPS certificate, scoped to one PVS connection: the certificate is not
// checked against public CAs (no PVS has one), but it can be pinned by its SHA-256 fingerprint. The check
// runs before the agent hands the socket to the request, so nothing (above all no password) is sent to a
// server whose certificate does not match the pin.
import { Duplex } from "stream";
import https from "https";
import tls from "tls";
// One rule for a fingerprint, the pin's and the certificate's.
import { normalizeFingerprint } from "../../model/fingerprint";
import { armConnectDeadline } from "./connect-deadline";

export class CertificateMismatchError extends Error {
  readonly code = "PVS_CERT_MISMATCH";
  constructor(
    readonly seen: string,
    readonly pinned: string,
  ) {
    super(`certificate ${seen} does not match the pinned ${pinned}`);
  }
}

export interface TlsObserver {
  /** Called with the fingerprint of every certificate the PVS presents on a new connection. */
  onCertificate(fingerprint: string): void;
}

export class PvsHttpsAgent extends https.Agent {
  private readonly connecting = new Set<tls.TLSSocket>();

  constructor(
    private pinned: string | null,
    private readonly observer: TlsObserver,
  ) {
    super({ keepAlive: false, maxSockets: 1 });
  }

  /**
   * Another pin (or none) from the next connection on. No keep-alive: every request makes a new connection, so
   * nothing is sent after this over a connection the new pin did not check (a request already on the wire ends
   * on its own).
   */
  pin(fingerprint: string | null): void {
    this.pinned = fingerprint;
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    // Verification is ours (below), for this connection only; Node's global TLS settings are untouched.
    const socket = tls.connect({ ...(options as tls.ConnectionOptions), rejectUnauthorized: false });
    armConnectDeadline(socket, "secureConnect");
    this.connecting.add(socket);
    let settled = false;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      this.connecting.delete(socket);
      socket.off("error", onError);
      socket.off("close", onClose);
      if (err) socket.destroy();
      callback?.(err, socket);
    };
    const onError = (err: Error) => settle(err);
    const onClose = () =>
      settle(Object.assign(new Error("connection closed during the TLS handshake"), { code: "ECONNRESET" }));
    socket.once("error", onError);
    socket.once("close", onClose);
    socket.once("secureConnect", () => {
      const seen = socket.getPeerCertificate()?.fingerprint256 ?? "";
      this.observer.onCertificate(seen);
      if (this.pinned !== null && normalizeFingerprint(seen) !== this.pinned)
        settle(new CertificateMismatchError(seen, this.pinned));
      else settle(null);
    });
    return undefined;
  }

  override destroy(): void {
    for (const socket of this.connecting) socket.destroy();
    this.connecting.clear();
    super.destroy();
  }
}
