// A fake PVS for the client's property tests: a raw HTTP server (legacy dl_cgi) and an HTTPS server (LocalAPI,
// self-signed) on 127.0.0.1 that answer each request with what the property chose, framing faults included.
import http from "http";
import https from "https";
import net from "net";
import { selfSignedCertificate } from "../../src/emulator/self-signed";

export type Delivery =
  /** Content-Length and the whole body. */
  | "whole"
  /** No Content-Length: chunked. */
  | "chunked"
  /** Content-Length larger than what is sent, then the socket destroyed. */
  | "short"
  /** `body` is written to the socket as is (status line and headers included), then the socket ends. */
  | "raw"
  /** `streamBytes` of body in 64 KB chunks, never held whole; chunked unless a Content-Length header is given. */
  | "stream";

export interface Answer {
  status: number;
  headers: ReadonlyArray<readonly [string, string]>;
  body: Buffer;
  delivery: Delivery;
  streamBytes?: number;
}

export interface Seen {
  url: string;
  cookie: string | undefined;
  authorization: string | undefined;
}

export type Planner = (seen: Seen) => Answer;

export class FakePvs {
  httpPort = 0;
  httpsPort = 0;
  seen: Seen[] = [];
  plan: Planner = () => answer(200, "{}");
  private readonly servers: Array<http.Server | https.Server> = [];

  async start(): Promise<void> {
    const cert = selfSignedCertificate("localhost");
    const plain = http.createServer((req, res) => this.handle(req, res));
    const secure = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => this.handle(req, res));
    for (const server of [plain, secure]) {
      server.on("clientError", (_err, socket: net.Socket) => socket.destroy());
      server.on("tlsClientError", (_err: Error, socket: net.Socket) => socket.destroy());
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      this.servers.push(server);
    }
    this.httpPort = (plain.address() as net.AddressInfo).port;
    this.httpsPort = (secure.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const server of this.servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const seen: Seen = { url: req.url ?? "", cookie: req.headers.cookie, authorization: req.headers.authorization };
    this.seen.push(seen);
    req.socket.on("error", () => undefined);
    res.on("error", () => undefined);
    send(req.socket, res, this.plan(seen));
  }
}

function send(socket: net.Socket, res: http.ServerResponse, a: Answer): void {
  if (a.delivery === "raw") {
    socket.end(a.body);
    return;
  }
  res.statusCode = a.status;
  const grouped = new Map<string, string[]>();
  for (const [name, value] of a.headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? values[0] : values);
  if (a.delivery === "chunked") {
    res.end(a.body);
    return;
  }
  if (a.delivery === "stream") {
    stream(res, a.streamBytes ?? 0);
    return;
  }
  if (a.delivery === "whole") {
    res.setHeader("Content-Length", a.body.length);
    res.end(a.body);
    return;
  }
  res.setHeader("Content-Length", a.body.length + 1 + (a.body.length % 7) * 1000);
  res.flushHeaders();
  if (a.body.length > 0) res.write(a.body);
  // Written after the body, so its callback runs once everything before it left: then cut the connection.
  socket.write(Buffer.alloc(0), () => socket.destroy());
}

/** Streams `total` bytes of a JSON-looking body in 64 KB chunks, with back-pressure, until done or cut off. */
function stream(res: http.ServerResponse, total: number): void {
  const chunk = Buffer.alloc(64 * 1024, "[1,2,3,4,5,6,7,8,9,0],");
  let sent = 0;
  let closed = false;
  res.on("close", () => (closed = true));
  const pump = () => {
    while (!closed && sent < total) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once("drain", pump);
        return;
      }
    }
    if (!closed) res.end();
  };
  pump();
}

export function answer(
  status: number,
  body: string | Buffer,
  headers: ReadonlyArray<readonly [string, string]> = [["Content-Type", "application/json"]],
  delivery: Delivery = "whole",
): Answer {
  return { status, headers, body: typeof body === "string" ? Buffer.from(body, "utf8") : body, delivery };
}

/** A login the client accepts. */
export const GOOD_LOGIN = answer(200, '{"status":"ok"}', [
  ["Set-Cookie", "session=0123456789abcdef; Path=/; HttpOnly"],
]);
