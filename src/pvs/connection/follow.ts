// Following a PVS to its new address. Users of smcneece/ha-esunpower report that a PVS changes address after its
// (roughly daily) reboots and when it flips between Wi-Fi and Ethernet; dacarson/homebridge-pvs6 browses again by
// mDNS once the unit is unreachable. Here a connection that stopped reaching its PVS looks for the same serial by
// mDNS (src/pvs/discovery/browse.ts) and moves there; the rule of when to look is FollowRule, pure and tested alone.
import { createHash } from "crypto";
import { Health } from "../client/breaker";
import { BrowseOptions, findPvsWhere, PvsUnit } from "../discovery/browse";
import type { ConnectionMemory } from "./connection-memory";

/** The rule's timings and the way to search (tests make them short, or search without a network). */
export interface FollowTuning {
  /** Unreachable failures in a row after which the PVS is looked for (default 3: the breaker opens then too). */
  afterFailures?: number;
  /** Or unreachable for this long since the first failure of the streak (default 60 s). */
  afterMs?: number;
  /** Least time between two searches (default 60 s); doubles after each that found nothing, up to browseMaxMs. */
  browseEveryMs?: number;
  /** Longest time between two searches of a PVS that stays gone (default 30 minutes). */
  browseMaxMs?: number;
  /** How long one search listens at most (default 5 s; it ends as soon as the serial answers). */
  browseTimeoutMs?: number;
  /** The search (default: mDNS, findPvsWhere). */
  find?: (matches: (serial: string) => boolean, options: BrowseOptions) => Promise<PvsUnit | null>;
}

/**
 * The PVS's serial as the connection keeps it across a restart: a SHA-256 digest, as the serial itself is the
 * LocalAPI password's source and a context store is a file in the clear. Compared whole, case-blind (host names and
 * TXT records may come lower-cased; serials are upper-case letters and digits).
 */
export function serialDigest(serial: string): string {
  return createHash("sha256").update(`pvs-serial:${serial.trim().toUpperCase()}`).digest("hex");
}

/**
 * When to look for the PVS elsewhere: only after failures that mean "nothing answers at this address"
 * (PVS_UNREACHABLE: refused, reset, no route, no connect within the deadline; not a timeout, an HTTP error or a
 * refused login, which come from a PVS that is there), `afterFailures` in a row or for `afterMs`, whichever first.
 * Then at most once per `browseEveryMs`, doubling after each search that found nothing (a PVS that is off or gone
 * does not cause a browse storm), back to the first step once the PVS answers or was found.
 */
export class FollowRule {
  private streakSince: number | null = null;
  private lastBrowseAt = -Infinity;
  private waitMs: number;

  constructor(private readonly tuning: Required<Omit<FollowTuning, "find">>) {
    this.waitMs = tuning.browseEveryMs;
  }

  /** Hears the health after a request's end; true when a search is due now. */
  due(health: Pick<Health, "failuresInARow" | "lastError">, now: number): boolean {
    const unreachable = health.failuresInARow > 0 && health.lastError?.code === "PVS_UNREACHABLE";
    if (!unreachable) {
      if (health.failuresInARow === 0) this.answered();
      this.streakSince = null;
      return false;
    }
    this.streakSince ??= now;
    const long = health.failuresInARow >= this.tuning.afterFailures || now - this.streakSince >= this.tuning.afterMs;
    return long && now - this.lastBrowseAt >= this.waitMs;
  }

  /** A search started; `found`: it found the PVS at another address (the wait starts again from its first step). */
  browsed(now: number, found: boolean): void {
    this.lastBrowseAt = now;
    this.waitMs = found ? this.tuning.browseEveryMs : Math.min(this.waitMs * 2, this.tuning.browseMaxMs);
    if (found) this.streakSince = null;
  }

  private answered(): void {
    this.streakSince = null;
    this.waitMs = this.tuning.browseEveryMs;
  }
}

export const FOLLOW_DEFAULTS: Required<Omit<FollowTuning, "find">> = {
  afterFailures: 3,
  afterMs: 60_000,
  browseEveryMs: 60_000,
  browseMaxMs: 30 * 60_000,
  browseTimeoutMs: 5000,
};

/** What the follower needs of its connection. */
export interface FollowAccess {
  health(): Health;
  /** The serial of the PVS as the detection read it (supervisor/info SERIAL, /sys/info/serialnum); null if unknown. */
  serial(): string | null;
  /** Whether following is on (the pvs-config setting `follow`; may change on a redeploy). */
  enabled(): boolean;
  /** Sends every request from now on to `host`. */
  redirect(host: string): void;
}

/** A change of the address requests go to; serial masked. */
export interface PvsMove {
  from: string;
  to: string;
  /** found: by mDNS, with the same serial; back: to the configured host; restored: where a restart found it kept. */
  reason: "found" | "back" | "restored";
}

/**
 * One connection's following: where requests go now (the configured host, or where the PVS was found), the rule,
 * one search at a time, and what a restart takes over. Off (the setting), it searches nothing and keeps nothing.
 */
export class Follower {
  private readonly rule: FollowRule;
  private readonly find: NonNullable<FollowTuning["find"]>;
  private readonly timeoutMs: number;
  private current: string;
  /** The digest kept before a restart, until the detection reads the serial again. */
  private remembered: string | null = null;
  private readonly listeners = new Set<(move: PvsMove) => void>();
  private search: AbortController | null = null;
  private closed = false;

  constructor(
    private readonly access: FollowAccess,
    /** The host the user configured: never rewritten; the fallback when the PVS is found nowhere. */
    readonly configured: string,
    tuning: FollowTuning = {},
  ) {
    const { find, ...timings } = tuning;
    const rule = { ...FOLLOW_DEFAULTS, ...timings };
    this.rule = new FollowRule(rule);
    this.find = find ?? findPvsWhere;
    this.timeoutMs = rule.browseTimeoutMs;
    this.current = configured;
  }

  /** Where requests go now. */
  get target(): string {
    return this.current;
  }

  /** The digest of the serial of the PVS this connection reached, now or before a restart; null if it never did. */
  serialDigest(): string | null {
    const serial = this.access.serial();
    return serial ? serialDigest(serial) : this.remembered;
  }

  /** What a restart takes over; nothing while following is off. */
  memory(): Pick<ConnectionMemory, "serialDigest" | "followedHost"> | null {
    const digest = this.access.enabled() ? this.serialDigest() : null;
    if (digest === null) return null;
    return { serialDigest: digest, followedHost: this.current === this.configured ? null : this.current };
  }

  /** Takes over a stored memory (checked by readMemory): the serial's digest, and the followed address is tried. */
  restore(memory: Pick<ConnectionMemory, "serialDigest" | "followedHost">): void {
    if (!this.access.enabled() || !memory.serialDigest) return;
    this.remembered ??= memory.serialDigest;
    if (memory.followedHost && this.current === this.configured) this.moveTo(memory.followedHost, "restored");
  }

  /**
   * The detection read the serial: on a followed address that answers with another serial than the one remembered
   * (the address went to another PVS while Node-RED was down), back to the configured host.
   */
  identified(): void {
    const serial = this.access.serial();
    if (!serial || this.remembered === null) return;
    const same = serialDigest(serial) === this.remembered;
    this.remembered = null;
    if (!same && this.current !== this.configured) this.moveTo(this.configured, "back");
  }

  /** Following was turned off: requests go to the configured host again, a search under way is dropped. */
  turnedOff(): void {
    this.search?.abort();
    this.search = null;
    if (this.current !== this.configured) this.moveTo(this.configured, "back");
  }

  /** Hears each move; returns the way to stop hearing. */
  onMove(listener: (move: PvsMove) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After a request's end: starts a search when the rule says so, following is on and the serial is known. */
  check(): void {
    if (this.closed || this.search) return;
    const now = Date.now();
    if (!this.access.enabled() || !this.rule.due(this.access.health(), now)) return;
    const digest = this.serialDigest();
    if (digest === null) return;
    const search = new AbortController();
    this.search = search;
    const matches = (serial: string) => serialDigest(serial) === digest;
    let found = false;
    this.find(matches, { timeoutMs: this.timeoutMs, signal: search.signal })
      .then((unit) => {
        if (!this.closed && !search.signal.aborted) found = this.adopt(unit);
      })
      .catch(() => undefined) // a socket that cannot open: the next due search tries again
      .finally(() => {
        if (this.search === search) this.search = null;
        this.rule.browsed(now, found);
      });
  }

  close(): void {
    this.closed = true;
    this.search?.abort();
    this.search = null;
    this.listeners.clear();
  }

  /**
   * Moves to the unit found when it is elsewhere; true when it moved. Found nowhere while on a followed address: back
   * to the configured host (its name may resolve to the PVS again, or the user fixed the address).
   */
  private adopt(unit: PvsUnit | null): boolean {
    if (unit === null || unit.addresses.length === 0) {
      if (this.current !== this.configured) this.moveTo(this.configured, "back");
      return false;
    }
    if (unit.addresses.includes(this.current)) return false;
    this.moveTo(unit.addresses[0], "found");
    return true;
  }

  private moveTo(host: string, reason: PvsMove["reason"]): void {
    const from = this.current;
    this.current = host;
    this.access.redirect(host);
    for (const listener of [...this.listeners]) {
      try {
        listener({ from, to: host, reason });
      } catch {
        // A listener's fault must not stop the connection.
      }
    }
  }
}
