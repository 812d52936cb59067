// The device list in the same normalized shape on both APIs. Legacy: DeviceList, then, when the list shows
// SunVault parts, the energy-storage-system status merged into them (a storage report that fails does not cost
// the device list). LocalAPI: the device, live and system variable groups.
import { applyLabels, DeviceList } from "../../model/device";
import { emptyStorage, hasStorage, mergeEssStatus, StorageSummary } from "../../model/ess-status";
import { legacySecrets, legacyUnknowns, normalizeDeviceList, Unknowns } from "../../model/legacy-device-list";
import { redactDeep } from "../../model/redact";
import { JsonObject } from "../../model/safe-object";
import { LiveData, normalizeLiveData, normalizeVars, varsSecrets } from "../../model/localapi-device-list";
import { ApiKind, buildFromVersion } from "./identity";
import { PvsClient } from "../client/client";
import { PvsError, toPvsError } from "../http/errors";
import { legacyCommand, legacyPath } from "../legacy/dl-cgi";
import { ReadContext } from "./read-context";
import { VarsGroups } from "../localapi/vars-groups";
import { Freshness, ReadOptions } from "../http/request";

export interface DeviceListReading {
  api: ApiKind;
  list: DeviceList;
  unknowns: Unknowns;
  storage: StorageSummary | null;
  /** The varserver's site totals (`/sys/livedata/`); null on the legacy API. */
  live: LiveData | null;
  /**
   * The answers as received (unmasked: callers redact with `secrets` before they leave the package):
   * the DeviceList (legacy) or the variables (LocalAPI), and the storage report (legacy, storage sites).
   */
  raw: { main: JsonObject; storage: JsonObject | null };
  secrets: string[];
}

/**
 * The supervisor figures (`/sys/info/`, `/sys/pvs/`: uptime, memory, flash wear, firmware) change slowly: the device
 * list reads them at most this often and shows the last reading, with its own time, in between. Every request
 * counts on a PVS (pypvs issue 49: polling crashed PVS units). A firmware update reboots the PVS, which forgets its
 * caches: the next read sees that and reads them again (VarsGroups), so the new build is still seen at once.
 */
export const SYSTEM_READ_EVERY_MS = 30 * 60_000;

export const DEVICE_LIST_REQUEST = legacyCommand("DeviceList");
export const ESS_STATUS_REQUEST = legacyPath("energy-storage-system/status");

export async function readLegacyDeviceList(
  client: PvsClient,
  signal: AbortSignal,
  options: ReadOptions = {},
): Promise<DeviceListReading> {
  const deviceList = await client.request(DEVICE_LIST_REQUEST, signal, options);
  const list = normalizeDeviceList(deviceList);
  const secrets = legacySecrets(deviceList);
  let storage: StorageSummary | null = null;
  let essStatus: JsonObject | null = null;
  if (hasStorage(list)) {
    try {
      essStatus = await client.request(ESS_STATUS_REQUEST, signal);
      storage = mergeEssStatus(list, redactDeep(essStatus, secrets));
    } catch (err) {
      const error = toPvsError(err);
      if (error.code === "PVS_ABORTED") throw error;
      storage = emptyStorage({ code: error.code, message: error.message });
    }
  }
  return {
    api: "legacy",
    list,
    unknowns: legacyUnknowns(deviceList),
    storage,
    live: null,
    raw: { main: deviceList, storage: essStatus },
    secrets,
  };
}

/**
 * The device list, its devices named as the user labelled them. On the legacy API, a DeviceList asked for again
 * within the DeviceList ration waits for it to pass ("wait"), or gets the last answer at once ("reuse").
 */
export async function readDeviceList(
  ctx: ReadContext,
  signal: AbortSignal,
  read: Freshness | ReadOptions,
  labels: ReadonlyMap<string, string>,
): Promise<DeviceListReading> {
  const options: ReadOptions = typeof read === "string" ? { freshness: read } : read;
  return ctx.detection.withApi(signal, async (api) => {
    const reading =
      api === "legacy" ? await legacyDeviceList(ctx, signal, options) : await varsDeviceList(ctx, signal, options);
    // A PVS always has meters or inverters: a list without them is a PVS starting up, not a site without devices.
    if (!reading.list.devices.some((d) => d.deviceType !== "PVS")) {
      const error = new PvsError(
        "PVS_NO_DEVICES",
        "the PVS listed no devices (it may be starting up or rediscovering them); nothing was sent, the last readings are kept",
      );
      ctx.client.reportFailure(error);
      throw error;
    }
    ctx.client.reportSuccess();
    ctx.client.pace.noteDevices(reading.list.devices);
    applyLabels(reading.list.devices, labels);
    return reading;
  });
}

async function legacyDeviceList(
  ctx: ReadContext,
  signal: AbortSignal,
  options: ReadOptions,
): Promise<DeviceListReading> {
  const reading = await readLegacyDeviceList(ctx.client, signal, options);
  ctx.detection.noteBuild(
    buildFromVersion(
      typeof reading.list.supervisor?.properties.SWVER === "string" ? reading.list.supervisor.properties.SWVER : null,
    ),
  );
  return reading;
}

/** Per connection, the time the supervisor of its last system reading was given (the PVS's clock), by read. */
const systemTimes = new WeakMap<VarsGroups, { readAt: number; time: string | null }>();

/**
 * The time of a system reading made before this poll: the one given to it then, or, when another node read it
 * (pvs-comm), the live time less its age in whole seconds.
 */
function earlierSystemTime(groups: VarsGroups, readAt: number, live: JsonObject): string | null {
  const known = systemTimes.get(groups);
  if (known?.readAt === readAt) return known.time;
  const time = normalizeLiveData(live)?.time ?? null;
  const at = time === null ? NaN : Date.parse(time) - Math.round((Date.now() - readAt) / 1000) * 1000;
  return Number.isFinite(at) ? new Date(at).toISOString() : null;
}

async function varsDeviceList(
  { groups, detection, secrets: owner }: ReadContext,
  signal: AbortSignal,
  { shareWithinMs = 0, onStart }: ReadOptions,
): Promise<DeviceListReading> {
  const startedAt = Date.now();
  const devices = await groups.read("devices", signal, shareWithinMs, onStart);
  const live = await groups.read("live", signal, shareWithinMs, onStart);
  const { vars: system, readAt } = await groups.readWithin(
    "system",
    SYSTEM_READ_EVERY_MS,
    signal,
    shareWithinMs,
    onStart,
  );
  const secrets = [...owner.list(), ...varsSecrets(system)];
  const systemTime = readAt < startedAt ? earlierSystemTime(groups, readAt, live) : undefined;
  const normalized = normalizeVars({ devices, live, system, systemTime });
  systemTimes.set(groups, { readAt, time: normalized.list.supervisor?.dataTime ?? null });
  detection.noteBuild(
    buildFromVersion(typeof system["/sys/info/sw_rev"] === "string" ? system["/sys/info/sw_rev"] : null),
  );
  groups.noteSerials(normalized.list.devices.map((d) => d.serial).filter((s): s is string => s !== null));
  return {
    api: "localapi",
    list: redactDeep(normalized.list, secrets),
    unknowns: normalized.unknowns,
    storage: normalized.storage,
    live: normalized.live,
    raw: { main: { ...devices, ...live, ...system }, storage: null },
    secrets,
  };
}
