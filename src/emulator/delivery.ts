// How an answer reaches the client, or fails to: the faults a struggling PVS or its web server shows on the wire
// (a reset, an error page, another body, a huge or a cut-off answer), else the answer as it is.
import http from "http";
import { Fault, hugeBody } from "./faults";
import { Answer } from "./localapi";

/** Faults whose answer is the web server's own (an error page, another body): the request never reaches the handler. */
export const WEB_SERVER_ANSWERS = new Set<Fault["kind"]>(["status", "body", "huge"]);

/** Reads a request's whole body (a POST's form). */
export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/**
 * Sends `answer()` under `fault`: the web server's own faults never ask for the answer; null from it never answers
 * (a hanging variable).
 */
export function deliver(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  fault: Fault | null,
  answer: () => Answer | null,
): void {
  if (fault?.kind === "reset") return void req.socket.destroy();
  if (fault?.kind === "status")
    return send(res, fault.status, fault.body ?? `<html><body><h1>${fault.status}</h1></body></html>`, "text/html");
  if (fault?.kind === "body") return send(res, 200, fault.body, fault.contentType ?? "application/json");
  if (fault?.kind === "huge") return stream(res, hugeBody(fault.megabytes));
  const routed = answer();
  if (routed === null) return;
  if (routed.status === 204) {
    // fcgi_auth's logout: `Status: 204 OK` and no body, no Content-Type.
    res.writeHead(204, routed.headers);
    res.end();
    return;
  }
  const text = routed.raw && typeof routed.body === "string" ? routed.body : JSON.stringify(routed.body);
  const half = text.slice(0, Math.floor(text.length / 2));
  if (fault?.kind === "truncate") return send(res, routed.status, half, "application/json", routed.headers);
  if (fault?.kind === "reset-mid-body") {
    // The full length is announced, half is sent, then the connection drops.
    res.writeHead(routed.status, {
      ...routed.headers,
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(text),
    });
    res.write(half, () => req.socket.destroy());
    return;
  }
  send(res, routed.status, text, "application/json", routed.headers);
}

/** Sends a body chunk by chunk (chunked encoding), stopping when the client goes away. */
function stream(res: http.ServerResponse, chunks: Iterator<string>): void {
  res.writeHead(200, { "Content-Type": "application/json" });
  const next = () => {
    for (;;) {
      if (res.destroyed) return;
      const chunk = chunks.next();
      if (chunk.done) return void res.end();
      if (!res.write(chunk.value)) return void res.once("drain", next);
    }
  };
  next();
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}
