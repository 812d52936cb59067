// One connection per PVS, whatever the number of pvs-config nodes that point at it: the nodes share
// one PvsConnection (one client, session, ration, breaker) by reference count, as Node-RED core's MQTT broker
// node shares one client. When the last one lets go, the connection is kept for a grace period, so that a
// redeploy (which closes every node, then starts them again) takes it back with its ration, breaker state,
// detection result and LocalAPI session instead of asking the PVS afresh. The process's one registry,
// which every pvs-config node uses, is in shared-connections.ts.
// Plain module: no Node-RED import, so that it can be tested and reused on its own.
import { ConnectionOptions, PvsConnection, SharedSettings } from "../pvs/connection/connection";
import { FollowTuning } from "../pvs/connection/follow";
import { SharedAnswer, SharedSetting } from "./admin-api";

/** Long enough for a redeploy of a large flow, short enough not to keep a removed PVS's session for long. */
export const DEFAULT_GRACE_MS = 60_000;

/** What the editor shows about a shared connection. */
export type SharedState = SharedAnswer;

interface Member {
  id: string;
  name: string;
  options: ConnectionOptions;
}

interface Entry {
  key: string;
  connection: PvsConnection;
  /** By lease, in join order: the first member's password, device names, fixed API and pin win a disagreement. */
  members: Map<string, Member>;
  grace: NodeJS.Timeout | null;
  /** The password the connection logs in with (the members' merged one). */
  password: string | null;
  /** Whether the last member to leave was deleted (not just redeployed). */
  removed: boolean;
}

/**
 * Which PVS, reached which way: host (lower case, without brackets), protocol and ports, nothing else. The API
 * setting and a pinned certificate are shared settings (mergeSettings): two connections to one PVS would cost it
 * two sessions and two rations, and each node would believe it was alone.
 */
export function pvsKey(options: ConnectionOptions): string {
  const host = options.host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  return JSON.stringify([host, options.protocol, options.port, options.localPort, options.telemetryPort ?? null]);
}

/**
 * Whether a key stored before a restart (a connection memory) names the PVS of `key`: the same key, or one written
 * by a version that also keyed the API setting and the pin (two more entries, now shared settings).
 */
export function samePvs(stored: unknown, key: string): boolean {
  if (stored === key) return true;
  if (typeof stored !== "string") return false;
  try {
    const old: unknown = JSON.parse(stored);
    return Array.isArray(old) && old.length === 7 && JSON.stringify(old.slice(0, 5)) === key;
  } catch {
    return false;
  }
}

/**
 * The most protective of the members' settings: the longest spacing, the longest DeviceList interval (0, no
 * ration, only when every member says 0), the longest timeout (a shorter one abandons a request the PVS is still
 * working on, and the retry costs it again). The first member that typed a password gives it; device names are
 * merged, the first member's name for a serial winning. The most specific API setting and trust: a fixed API
 * (legacy or LocalAPI) over Detect, a pinned certificate over none; between two fixed APIs or two pins, the first
 * member's (the first deployed). Following the PVS to a new address only when every member has it on (one that
 * turned it off knows its network: a reserved address, a PVS behind a router that mDNS does not cross).
 */
export function mergeSettings(members: readonly ConnectionOptions[]): SharedSettings {
  const max = (pick: (o: ConnectionOptions) => number | undefined) => Math.max(0, ...members.map((o) => pick(o) ?? 0));
  const labels = new Map<string, string>();
  for (const o of members)
    for (const [serial, label] of o.labels ?? new Map<string, string>())
      if (!labels.has(serial)) labels.set(serial, label);
  const localApiTimeouts = members.map((o) => o.localApiTimeoutMs).filter((ms): ms is number => ms !== undefined);
  return {
    timeoutMs: max((o) => o.timeoutMs),
    localApiTimeoutMs: localApiTimeouts.length ? Math.max(...localApiTimeouts) : undefined,
    minSpacingMs: max((o) => o.minSpacingMs),
    deviceListEveryMs: max((o) => o.deviceListEveryMs),
    password: members.map((o) => o.password).find((p) => typeof p === "string" && p !== "") ?? null,
    labels,
    api: members.map((o) => o.api).find((api) => api !== "auto") ?? "auto",
    fingerprint: members.map((o) => o.fingerprint).find((p) => typeof p === "string" && p !== "") ?? null,
    follow: members.length > 0 && members.every((o) => o.follow === true),
  };
}

function disagreements(members: readonly ConnectionOptions[]): SharedSetting[] {
  const differ = (pick: (o: ConnectionOptions) => unknown) =>
    new Set(members.map((o) => JSON.stringify(pick(o) ?? null))).size > 1;
  const labelsOf = (o: ConnectionOptions) => [...(o.labels ?? new Map<string, string>())].sort();
  return [
    differ((o) => o.minSpacingMs) ? "minSpacing" : null,
    differ((o) => o.timeoutMs) ? "timeout" : null,
    differ((o) => o.deviceListEveryMs ?? 0) ? "deviceListEvery" : null,
    differ((o) => o.password || null) ? "password" : null,
    differ(labelsOf) ? "labels" : null,
    differ((o) => o.api) ? "api" : null,
    differ((o) => o.fingerprint || null) ? "fingerprint" : null,
    differ((o) => o.follow === true) ? "follow" : null,
  ].filter((d): d is SharedSetting => d !== null);
}

export interface RegistryOptions {
  graceMs?: number;
  /** Makes the connection (tests may wrap it). */
  create?: (options: ConnectionOptions) => PvsConnection;
  /**
   * Hears that a PVS's connection was finally closed (after its grace period); `removed`: its last node was deleted.
   */
  onClosed?: (key: string, removed: boolean) => void;
}

/** A member's hold on its PVS's connection. */
export interface Lease {
  readonly key: string;
  readonly connection: PvsConnection;
  /** What the editor shows; null once released. */
  shared(): SharedState | null;
  /**
   * Lets go. The last member's release starts the grace period (the promise resolves at once) or, with no grace
   * period, closes the connection (the promise resolves once it has logged out).
   */
  release(removed: boolean): Promise<void>;
}

export class PvsRegistry {
  /** Milliseconds a connection outlives its last member (0: closed with it). */
  graceMs: number;
  /** The follow rule's timings and search for the connections opened from now on (tests). */
  followTuning: FollowTuning | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly create: (options: ConnectionOptions) => PvsConnection;
  private readonly onClosed: (key: string, removed: boolean) => void;
  private leases = 0;

  constructor(options: RegistryOptions = {}) {
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.create = options.create ?? ((o) => new PvsConnection(o));
    this.onClosed = options.onClosed ?? (() => undefined);
  }

  /** Joins (or opens, or takes back from its grace period) the connection of `options`'s PVS. */
  acquire(member: { id: string; name: string }, options: ConnectionOptions): Lease {
    const key = pvsKey(options);
    let entry = this.entries.get(key);
    // A password changed while the connection waited for a redeploy: its session, refusal hold and back-off were
    // the old password's, so the PVS gets a fresh start (the old session is logged out).
    if (entry && entry.members.size === 0 && entry.password !== (options.password || null)) {
      void this.close(entry);
      entry = undefined;
    }
    if (!entry) {
      entry = {
        key,
        connection: this.create({ ...options, followTuning: this.followTuning ?? options.followTuning }),
        members: new Map(),
        grace: null,
        password: null,
        removed: false,
      };
      this.entries.set(key, entry);
    }
    if (entry.grace) clearTimeout(entry.grace);
    entry.grace = null;
    // By lease, not node id: a node restarted under its id must never let go of its successor's hold.
    const token = `${member.id}#${++this.leases}`;
    entry.members.set(token, { id: member.id, name: member.name, options });
    this.retune(entry);
    const held = entry;
    let released = false;
    return {
      key,
      connection: held.connection,
      shared: () => (released ? null : this.sharedState(held, token)),
      release: (removed) => {
        if (released) return Promise.resolve();
        released = true;
        return this.leave(held, token, removed);
      },
    };
  }

  /** The PVSs with a connection open (in use or in their grace period). */
  get size(): number {
    return this.entries.size;
  }

  /** Closes every connection now, in use or not (a process that stops, tests). */
  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    await Promise.all(entries.map((e) => this.close(e)));
  }

  private leave(entry: Entry, id: string, removed: boolean): Promise<void> {
    entry.members.delete(id);
    if (this.entries.get(entry.key) !== entry) return Promise.resolve();
    if (entry.members.size > 0) {
      this.retune(entry);
      return Promise.resolve();
    }
    entry.removed = removed;
    if (this.graceMs <= 0) return this.close(entry);
    // A process that exits (Node-RED stopping) does not wait for it: the PVS ends an unused session by itself.
    entry.grace = setTimeout(() => void this.close(entry), this.graceMs);
    entry.grace.unref?.();
    return Promise.resolve();
  }

  private async close(entry: Entry): Promise<void> {
    if (this.entries.get(entry.key) !== entry) return;
    this.entries.delete(entry.key);
    if (entry.grace) clearTimeout(entry.grace);
    entry.grace = null;
    try {
      await entry.connection.close();
    } catch {
      // Closing logs out with one short request whose failure changes nothing.
    }
    this.onClosed(entry.key, entry.removed);
  }

  private retune(entry: Entry): void {
    const settings = mergeSettings([...entry.members.values()].map((m) => m.options));
    entry.password = settings.password ?? null;
    entry.connection.retune(settings);
  }

  private sharedState(entry: Entry, self: string): SharedState {
    const members = [...entry.members.entries()];
    const options = members.map(([, m]) => m.options);
    const effective = mergeSettings(options);
    return {
      others: members.filter(([token]) => token !== self).map(([, m]) => ({ id: m.id, name: m.name })),
      effective: {
        timeout: (effective.timeoutMs ?? 0) / 1000,
        minSpacing: (effective.minSpacingMs ?? 0) / 1000,
        deviceListEvery: (effective.deviceListEveryMs ?? 0) / 1000,
        api: effective.api,
        fingerprint: effective.fingerprint ?? null,
      },
      disagree: disagreements(options),
      ...(entry.connection.followedTo ? { nowAt: entry.connection.followedTo } : {}),
    };
  }
}
