// One device-list reading on the legacy API: DeviceList, then, when the list shows SunVault parts, the
// energy-storage-system status merged into them. A storage report that fails does not cost the device list.
import { DeviceList } from "../model/device";
import { emptyStorage, hasStorage, mergeEssStatus, StorageSummary } from "../model/ess-status";
import { legacySecrets, legacyUnknowns, normalizeDeviceList, Unknowns } from "../model/legacy-device-list";
import { redactDeep } from "../model/redact";
import { JsonObject } from "../model/safe-object";
import { PvsClient } from "./client";
import { toPvsError } from "./errors";
import { legacyCommand, legacyPath } from "./legacy";

export interface DeviceListReading {
  list: DeviceList;
  unknowns: Unknowns;
  storage: StorageSummary | null;
  /** The answers as received (unmasked: callers redact with `secrets` before they leave the package). */
  raw: { deviceList: JsonObject; essStatus: JsonObject | null };
  secrets: string[];
}

export const DEVICE_LIST_REQUEST = legacyCommand("DeviceList");
export const ESS_STATUS_REQUEST = legacyPath("energy-storage-system/status");

export async function readLegacyDeviceList(client: PvsClient, signal: AbortSignal): Promise<DeviceListReading> {
  const deviceList = await client.request(DEVICE_LIST_REQUEST, signal);
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
  return { list, unknowns: legacyUnknowns(deviceList), storage, raw: { deviceList, essStatus }, secrets };
}
