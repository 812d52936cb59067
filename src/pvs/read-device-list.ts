// One device-list reading on the legacy API: DeviceList, then, when the list shows SunVault parts, the
// energy-storage-system status merged into them. A storage report that fails does not cost the device list.
import { DeviceList } from "../model/device";
import { emptyStorage, hasStorage, mergeEssStatus, StorageSummary } from "../model/ess-status";
import { legacySecrets, legacyUnknowns, normalizeDeviceList, Unknowns } from "../model/legacy-device-list";
import { redactDeep } from "../model/redact";
import { JsonObject } from "../model/safe-object";
import { LiveData } from "../model/varserver";
import { ApiKind } from "./detect";
import { PvsClient } from "./client";
import { toPvsError } from "./errors";
import { legacyCommand, legacyPath } from "./legacy";
import { ReadOptions } from "./request";

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

export const DEVICE_LIST_REQUEST = legacyCommand("DeviceList");
export const ESS_STATUS_REQUEST = legacyPath("energy-storage-system/status");

export async function readLegacyDeviceList(client: PvsClient, signal: AbortSignal, options: ReadOptions = {}): Promise<DeviceListReading> {
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
  return { api: "legacy", list, unknowns: legacyUnknowns(deviceList), storage, live: null, raw: { main: deviceList, storage: essStatus }, secrets };
}
