// What the shared client sends: requests with the same key are the same request (and are coalesced).

/** Which API a request goes to: the legacy dl_cgi (HTTP) or the LocalAPI's variable server (HTTPS). */
export type RequestKind = "dl_cgi" | "vars";

export interface PvsRequest {
  key: string;
  kind: RequestKind;
  path: string;
  params: Record<string, string>;
  /**
   * A query string sent exactly as written, instead of `params` (which axios percent-encodes): the LocalAPI's
   * varserver does not URL-decode its query (see vars-query.ts).
   */
  query?: string;
  /**
   * A light request is one that is cheap for the PVS (a LocalAPI variable read or login, the open
   * supervisor/info): spaced by the client's light spacing, not the full one that protects the PVS from its
   * costly dl_cgi commands. (Unrelated to the DeviceList ration, see `rationed`.)
   */
  light?: boolean;
  /** Overrides the client's default timeout for this request. */
  timeoutMs?: number;
  /** A LocalAPI read that needs the owner session (public variables do not). */
  session?: boolean;
  /**
   * The one write (telemetryEnableRequest): its answer says done or refused, and a 403 is a refusal, not an expired
   * session.
   */
  write?: boolean;
  /**
   * The legacy DeviceList, which costs the PVS dearly: started at most once per DeviceList ration (the client's
   * `deviceListEveryMs`).
   */
  rationed?: boolean;
  /** What the request budget counts it as: "DeviceList", "supervisor/info", "vars"… */
  label: string;
}

/** How a rationed request (the DeviceList) asked again within its ration is served. */
export type Freshness =
  /** Wait for the ration to pass, then ask (timer polls: every answer is new). */
  | "wait"
  /** Take the answer of the last one at once (a user's "poll now" within the ration). */
  | "reuse";

export interface RequestOptions {
  freshness?: Freshness;
  /**
   * Take the answer of an identical request that started at most this many ms ago instead of asking again:
   * timer polls of several nodes on one beat (see Poller) share one request even when one of them comes a
   * moment after the others' answer. 0 (default): only requests still waiting or in flight are shared.
   */
  shareWithinMs?: number;
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
  /**
   * A user's command (pvs-command): the PVS answering that the command failed (`result: error`, an HTML page
   * on older units) is that command's outcome, not a failing PVS, so it gets the spacing, not a back-off.
   * Timeouts, resets, 403 and 5xx still count.
   */
  command?: boolean;
  /**
   * Called once when this caller's request goes on the wire (at once when it joins one already there); never
   * when it is answered from memory. A node shows "polling…" from then, its last reading while it waits.
   */
  onStart?: () => void;
}

/** How a node's read may be answered: see RequestOptions. */
export type ReadOptions = Pick<RequestOptions, "freshness" | "shareWithinMs" | "onStart">;
