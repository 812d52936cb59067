// A tiny HTTPS server in front of the emulator's LocalAPI, for answers the emulator does not give: every request is
// passed on and its answer sent back, except where a test rewrites a login's Set-Cookie headers or answers a read
// itself (an empty 200 on every fourth read).
import http from "http";
import https from "https";
import { AddressInfo } from "net";
import { selfSignedCertificate } from "../../src/emulator/self-signed";

export interface ProxyAnswer {
  status: number;
  body: string;
}

export interface ProxyHooks {
  /** The Set-Cookie headers a login answer carries instead of the emulator's (`real`). */
  loginCookies?: (real: string[]) => string[];
  /** An answer to a `/vars` read instead of the emulator's (n counts the reads from 1); null: pass it on. */
  read?: (n: number) => ProxyAnswer | null;
}

export interface LocalApiProxy {
  port: number;
  /** `/vars` reads that reached the proxy. */
  reads: number;
  stop(): Promise<void>;
}

export async function localApiProxy(targetPort: number, hooks: ProxyHooks): Promise<LocalApiProxy> {
  const certificate = selfSignedCertificate("proxy.local");
  const state = { reads: 0 };
  const server = https.createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    const isRead = (req.url ?? "").startsWith("/vars");
    if (isRead) {
      state.reads++;
      const own = hooks.read?.(state.reads);
      if (own) {
        res.writeHead(own.status, { "Content-Type": "application/json" });
        res.end(own.body);
        return;
      }
    }
    const upstream = https.request(
      {
        host: "127.0.0.1",
        port: targetPort,
        path: req.url,
        method: req.method,
        headers: req.headers,
        rejectUnauthorized: false,
      },
      (answer: http.IncomingMessage) => {
        const headers = { ...answer.headers };
        if ((req.url ?? "").startsWith("/auth?login") && hooks.loginCookies)
          headers["set-cookie"] = hooks.loginCookies(answer.headers["set-cookie"] ?? []);
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get reads() {
      return state.reads;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
