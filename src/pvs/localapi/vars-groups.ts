// The LocalAPI data this package reads, in four groups (devices, site totals, supervisor, network), each
// through a server-side cache: created once with its `match=` or `name=` selection, then re-read by id, as the
// vendor recommends (pypvs doc/LocalAPI.md "create a cache", "Query a cached data set").
//
// Firmware facts (tjmonk/fcgi_vars src/fcgi_vars.c) this follows:
// - A named cache only grows (ProcessSelectCache selects it, VARCACHE_AddUnique adds to it; only `clearcache=`
//   empties it), and an answer lists the whole cache. Re-sending the selection with the cache id is how devices
//   that appear later (inverters waking at sunrise) join it.
// - A cache id alone that holds nothing, a match that selects nothing, and a `name=` list with one unknown name
//   are all `400 Bad request` (SendVarsResponse ENOENT; ProcessNameQuery ENOENT, errorcode 0x0100). A name list
//   is therefore all-or-nothing: the names it did find were still added to the named cache before the failure.
// - Caches belong to the varserver process, not the session: a reboot forgets them (cache read → 400).
import { PvsClient } from "../client/client";
import { toPvsError } from "../http/errors";
import { RequestOptions } from "../http/request";
import { PUBLIC_VARS, VarsSelection, varsRequest, withoutSecrets } from "./vars-query";
import { JsonObject, setOwn } from "../../model/safe-object";

export type Group = "devices" | "live" | "system" | "network";

/** Server-side cache ids: one per data group. */
const CACHE_IDS: Record<Group, string> = {
  devices: "nrpvsdev",
  live: "nrpvslive",
  system: "nrpvssys",
  network: "nrpvsnet",
};
/** The device selection is sent again this often, so that devices which appeared since join the cache. */
const DEVICE_CACHE_RESEND_MS = 15 * 60_000;
/** A device seen before but missing now: send the selection again, at most this often. */
const DEVICE_CACHE_RECHECK_MS = 5 * 60_000;
const FLASHWEAR = "/sys/pvs/flashwear_type_b";
/** The groups whose last answer is kept for readWithin: the slow ones (a device answer can be large). */
const REMEMBERED: ReadonlySet<Group> = new Set<Group>(["system", "network"]);
/**
 * The supervisor group's cache once the flash-wear variable hung: the hung request already put it into the
 * first cache (caches only grow), so every later read of that one would hang too.
 */
const SYSTEM_CACHE_WITHOUT_FLASHWEAR = "nrpvssys_nofw";

function systemVars(model: string | null, withFlashwear: boolean): string[] {
  const info = [
    "serialnum",
    "model",
    "hwrev",
    "fwrev",
    "sw_rev",
    "sys_type",
    "boardtype",
    "uptime",
    "cpu_usage",
    "ram_usage",
    "flash_usage",
    "active_interface",
  ].map((n) => `/sys/info/${n}`);
  if (model !== "PVS6") return info; // PVS5 has no flash-wear or cellular-toggle variables
  return [
    ...info,
    ...(withFlashwear ? [FLASHWEAR] : []),
    "/sys/toggle_cell/broadband_connected",
    "/sys/toggle_cell/cell_connected",
    "/sys/toggle_cell/low_data_mode",
  ];
}

const isEmpty = (vars: JsonObject) => Object.keys(vars).length === 0;

export class VarsGroups {
  private readonly caches = new Map<Group, { createdAt: number; resend: boolean }>();
  /**
   * The last answer of each group's selection (a cache made or its selection re-sent) and when it started: reads
   * that may share an answer started within `shareWithinMs` (the other nodes polling on the same beat) take it,
   * instead of reading the cache by id right after it (bench/amplification.ts counted that extra read).
   */
  private readonly selected = new Map<Group, { startedAt: number; vars: JsonObject }>();
  /** The last answer of each REMEMBERED group, however it was read, and when that read started (see readWithin). */
  private readonly last = new Map<Group, { readAt: number; vars: JsonObject }>();
  private flashwearHangs = false;
  /** Names this unit turned out not to have: left out of every later list, which one of them would fail whole. */
  private readonly lacking = new Set<string>();
  private readonly knownSerials = new Set<string>();

  constructor(
    private readonly client: PvsClient,
    private readonly model: () => string | null,
  ) {}

  /** A fresh detection (firmware update, replaced PVS): nothing known about this unit's variables holds. */
  forget(): void {
    this.caches.clear();
    this.selected.clear();
    this.last.clear();
    this.lacking.clear();
    this.flashwearHangs = false;
  }

  /** Names a list left out because this unit lacks them (for tests and diagnostics). */
  lackingNames(): string[] {
    return [...this.lacking];
  }

  /** The unauthenticated identity read: serial, model, firmware, hardware revision, whichever this unit has. */
  readPublic(signal: AbortSignal, options: RequestOptions): Promise<JsonObject> {
    return this.readNames(PUBLIC_VARS, undefined, false, signal, options);
  }

  /**
   * The group's last answer, as it was, when its read started less than `maxAgeMs` ago; else a read now. With the
   * time that read started (Date.now() clock), so that a caller can say how old the figures are.
   */
  async readWithin(
    group: Group,
    maxAgeMs: number,
    signal: AbortSignal,
    shareWithinMs = 0,
    onStart?: () => void,
  ): Promise<{ vars: JsonObject; readAt: number }> {
    const last = this.last.get(group);
    if (last && Date.now() - last.readAt < maxAgeMs) return { vars: withoutSecrets(last.vars), readAt: last.readAt };
    const readAt = Date.now();
    const vars = await this.read(group, signal, shareWithinMs, onStart);
    return { vars, readAt: this.last.get(group)?.readAt ?? readAt };
  }

  /**
   * One data group through its server-side cache: created once, re-read by id, created again when the PVS forgot it.
   * `onStart` hears when a request of the read goes on the wire (a node shows "polling…" only then).
   */
  async read(group: Group, signal: AbortSignal, shareWithinMs = 0, onStart?: () => void): Promise<JsonObject> {
    const readAt = Date.now();
    const vars = await this.readGroup(group, signal, shareWithinMs, onStart);
    if (REMEMBERED.has(group)) this.last.set(group, { readAt, vars });
    return withoutSecrets(vars);
  }

  private async readGroup(
    group: Group,
    signal: AbortSignal,
    shareWithinMs: number,
    onStart?: () => void,
  ): Promise<JsonObject> {
    const recent = this.selected.get(group);
    if (
      shareWithinMs > 0 &&
      recent &&
      Date.now() - recent.startedAt <= shareWithinMs &&
      this.caches.get(group)?.resend === false
    )
      return recent.vars;
    let cache = this.cacheId(group);
    const state = this.caches.get(group);
    const usable =
      state && !state.resend && (group !== "devices" || Date.now() - state.createdAt < DEVICE_CACHE_RESEND_MS);
    if (usable) {
      const vars = await this.client.request(varsRequest(null, { cache }), signal, { shareWithinMs, onStart });
      if (!isEmpty(vars)) return vars;
      // HTTP 400 for a cache id: the PVS forgot it (reboot, as after a firmware update). Create it again below;
      // what other groups last read may be from before the reboot, so readWithin reads them again.
      this.last.clear();
    }
    const startedAt = Date.now();
    let vars: JsonObject;
    try {
      vars = await this.select(group, cache, signal, onStart);
    } catch (err) {
      const error = toPvsError(err);
      // Some firmware never answers a read that includes the flash-wear variable: leave it out from now on.
      if (group !== "system" || error.code !== "PVS_TIMEOUT" || this.flashwearHangs || this.model() !== "PVS6")
        throw error;
      this.flashwearHangs = true;
      cache = this.cacheId(group);
      vars = await this.select(group, cache, signal, onStart);
    }
    if (isEmpty(vars)) {
      this.caches.delete(group); // no such variables on this PVS (HTTP 400): none, not an error
      return {};
    }
    this.caches.set(group, { createdAt: Date.now(), resend: false });
    this.selected.set(group, { startedAt, vars });
    return vars;
  }

  /** The serials of the last device read: one seen before but missing now may only be missing from the cache. */
  noteSerials(serials: Iterable<string>): void {
    const now = new Set(serials);
    const missing = [...this.knownSerials].some((s) => !now.has(s));
    for (const s of now) if (this.knownSerials.size < 10_000) this.knownSerials.add(s);
    const cache = this.caches.get("devices");
    if (missing && cache && Date.now() - cache.createdAt >= DEVICE_CACHE_RECHECK_MS) cache.resend = true;
  }

  private cacheId(group: Group): string {
    return group === "system" && this.flashwearHangs ? SYSTEM_CACHE_WITHOUT_FLASHWEAR : CACHE_IDS[group];
  }

  private selection(group: Group): VarsSelection {
    switch (group) {
      case "devices":
        return { match: "/sys/devices/" };
      case "live":
        return { match: "/sys/livedata/" };
      case "network":
        return { match: "/net/" };
      case "system":
        return { names: systemVars(this.model(), !this.flashwearHangs) };
    }
  }

  private select(group: Group, cache: string, signal: AbortSignal, onStart?: () => void): Promise<JsonObject> {
    const selection = this.selection(group);
    if ("names" in selection) return this.readNames(selection.names, cache, true, signal, { onStart });
    return this.client.request(varsRequest(selection, { cache }), signal, { onStart });
  }

  /**
   * A name list that survives names this unit lacks. The whole list first; on a 400 (one unknown name fails it
   * whole), the named cache, which kept the names that were found; without a cache, or when it holds nothing,
   * each name alone. Names that no answer holds are remembered as lacking and left out from then on.
   */
  private async readNames(
    names: readonly string[],
    cache: string | undefined,
    session: boolean,
    signal: AbortSignal,
    options: RequestOptions,
  ): Promise<JsonObject> {
    const wanted = names.filter((n) => !this.lacking.has(n));
    if (wanted.length === 0) return {};
    const ask = (selection: VarsSelection | null) =>
      this.client.request(varsRequest(selection, { cache, session }), signal, options);
    const whole = await ask({ names: wanted });
    if (!isEmpty(whole)) return whole;
    let found: JsonObject = wanted.length > 1 && cache !== undefined ? await ask(null) : {};
    if (isEmpty(found) && wanted.length > 1) {
      found = {};
      for (const name of wanted) for (const [n, v] of Object.entries(await ask({ names: [name] }))) setOwn(found, n, v);
    }
    // Only what an owner's session cannot read is lacking; without a session a name may only be hidden.
    if (session)
      for (const name of wanted) if (!Object.prototype.hasOwnProperty.call(found, name)) this.lacking.add(name);
    return found;
  }
}
