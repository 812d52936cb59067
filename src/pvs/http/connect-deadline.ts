// The connect deadline: a PVS address that never accepts a connection fails in seconds, not after the long
// answer deadline (which a legacy DeviceList needs, as it may take a minute once connected).
import { Socket } from "net";

/** How long the TCP connection (and the TLS handshake on HTTPS) may take; a PVS on the LAN takes milliseconds. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The code of the error a socket is destroyed with when it did not connect in time. */
export const CONNECT_TIMEOUT_CODE = "PVS_CONNECT_TIMEOUT";

/**
 * Destroys `socket` with a coded error unless it emits `ready` ('connect', or 'secureConnect' for TLS) within
 * `ms`. The request on the socket then fails with that error; once connected, only the answer deadline applies.
 */
export function armConnectDeadline(socket: Socket, ready: "connect" | "secureConnect", ms = CONNECT_TIMEOUT_MS): void {
  const timer = setTimeout(() => {
    const err = Object.assign(new Error(`no connection within ${Math.round(ms / 1000)} s`), {
      code: CONNECT_TIMEOUT_CODE,
    });
    socket.destroy(err);
  }, ms);
  const disarm = () => clearTimeout(timer);
  socket.once(ready, disarm);
  socket.once("close", disarm);
}
