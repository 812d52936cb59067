// One real HTTP(S) request per call, on a fresh connection (so each sees the certificate served right then).
import http from "http";
import https from "https";
import { TLSSocket } from "tls";

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** The server certificate's SHA-256, on HTTPS. */
  fingerprint?: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Fails the request when no answer came within this many ms. */
  timeoutMs?: number;
}

export function request(url: string, options: RequestOptions = {}): Promise<Reply> {
  const secure = url.startsWith("https:");
  const headers = {
    ...options.headers,
    ...(options.body !== undefined ? { "Content-Length": String(Buffer.byteLength(options.body)) } : {}),
  };
  return new Promise((resolve, reject) => {
    const callback = (res: http.IncomingMessage) => {
      const fingerprint = secure ? (res.socket as TLSSocket).getPeerCertificate().fingerprint256 : undefined;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, fingerprint });
      });
    };
    const common = { method: options.method ?? "GET", headers, agent: false as const };
    const req = secure
      ? https.request(url, { ...common, rejectUnauthorized: false }, callback)
      : http.request(url, common, callback);
    req.on("error", reject);
    if (options.timeoutMs !== undefined)
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.end(options.body);
  });
}

export const basic = (user: string, password: string) =>
  `basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

/** Logs in as ssm_owner and returns the Cookie header value to send. */
export async function login(baseUrl: string, serial: string): Promise<string> {
  const reply = await request(`${baseUrl}/auth?login`, {
    headers: { Authorization: basic("ssm_owner", serial.slice(-5)) },
  });
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`);
  return `session=${(reply.json as { session: string }).session}`;
}

export interface VarsList {
  values: Array<{ name: string; value: string }>;
  count: number;
}

/** Asks `/vars` with a query string; `cookie` null sends none. */
export function vars(baseUrl: string, query: string, cookie: string | null, timeoutMs?: number): Promise<Reply> {
  return request(`${baseUrl}/vars?${query}`, { headers: cookie === null ? {} : { Cookie: cookie }, timeoutMs });
}

/** The values of a default-format `/vars` answer, by name. */
export function byName(reply: Reply): Map<string, string> {
  const list = reply.json as VarsList;
  return new Map(list.values.map((v) => [v.name, v.value]));
}
