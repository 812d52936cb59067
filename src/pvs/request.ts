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
  /** The one write (telemetryEnableRequest): its answer says done or refused, and a 403 is a refusal, not an expired session. */
  write?: boolean;
  /** A request that costs the PVS dearly (the legacy DeviceList): asked at most once per the client's heavy interval. */
  heavy?: boolean;
  /** What the request budget counts it as: "DeviceList", "supervisor/info", "vars"… */
  label: string;
}

/** How a heavy request asked again within its interval is served. */
export type Freshness =
  /** Wait for the interval to pass, then ask (timer polls: every answer is new). */
  | "wait"
  /** Take the answer of the last one at once (a user's "poll now" within the interval). */
  | "reuse";

export interface RequestOptions {
  freshness?: Freshness;
  /**
   * Sent after the spacing even while backing off or with the breaker open: the one look at the firmware
   * after a legacy 403, which may mean the PVS was updated to the LocalAPI (rate-limited by the caller).
   */
  urgent?: boolean;
  /**
   * Asks whether an API is there at all (the LocalAPI probe on a PVS whose legacy API answered): its failure
   * says "not here", not "the PVS is failing", so it does not count towards back-off and breaker.
   */
  probe?: boolean;
}
