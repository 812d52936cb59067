// What the shared client sends: requests with the same key are the same request (and are coalesced).

/** Which API a request goes to: the legacy dl_cgi (HTTP) or the LocalAPI's variable server (HTTPS). */
export type RequestKind = "dl_cgi" | "vars";

export interface PvsRequest {
  key: string;
  kind: RequestKind;
  path: string;
  params: Record<string, string>;
  /** Overrides the client's default timeout for this request. */
  timeoutMs?: number;
  /** A LocalAPI read that needs the owner session (public variables do not). */
  session?: boolean;
}
