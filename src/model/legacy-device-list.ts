// Legacy `Command=DeviceList` answer -> DeviceListPayload.
import { assess, Device, DeviceList, newDevice, withViews } from "./device";
import { isKnownDeviceType, unknownFields } from "./device-types";
import { isPropertyField, metricOf, NOT_A_METRIC, optionalIdentifier, optionalSerial, secretForms } from "./fields";
import { PayloadError } from "./payload-error";
import { masker } from "./redact";
import { isJsonObject, JsonObject, setOwn } from "./safe-object";
import { parsePvsTime } from "./time";

/**
 * Normalizes a DeviceList answer. Throws PayloadError when the answer is not a device list at all;
 * any device that is present is carried whole, whatever fields it has.
 * The supervisor's serial (the LocalAPI password source) is masked everywhere in the result.
 */
export function normalizeDeviceList(raw: unknown): DeviceList {
  if (!isJsonObject(raw)) throw new PayloadError("the device list is not a JSON object");
  const list = raw.devices;
  if (!Array.isArray(list)) throw new PayloadError('the device list has no "devices" array');
  list.forEach((entry, i) => {
    if (!isJsonObject(entry)) throw new PayloadError(`device #${i + 1} of the list is not an object`);
  });
  const entries = list as JsonObject[];
  const secrets = legacySecrets(raw);
  // Masked while copied: the devices are built from the answer field by field anyway, so a second deep copy
  // just to mask them would double the cost of a poll on a large site.
  const mask = masker(secrets);
  const devices = entries.map((entry) => normalizeLegacyDevice(entry, mask));
  let curtime: string | null = null;
  for (let i = 0; i < entries.length && curtime === null; i++) curtime = parsePvsTime(entries[i].CURTIME);
  assess(curtime, devices);
  return withViews(curtime, devices);
}

/** What a device list holds that this package does not know: DEVICE_TYPEs, and fields per DEVICE_TYPE. */
export interface Unknowns {
  deviceTypes: { [deviceType: string]: number };
  fields: { [typeAndField: string]: number };
}

/** Counts the unknown DEVICE_TYPEs and fields of a legacy answer (they are still carried, see above). */
export function legacyUnknowns(raw: unknown): Unknowns {
  const out: Unknowns = { deviceTypes: {}, fields: {} };
  const list = isJsonObject(raw) && Array.isArray(raw.devices) ? raw.devices.filter(isJsonObject) : [];
  const bump = (bag: { [k: string]: number }, key: string) =>
    setOwn(bag, key, (Object.hasOwn(bag, key) ? bag[key] : 0) + 1);
  for (const entry of list) {
    const type = optionalIdentifier(entry.DEVICE_TYPE);
    if (!isKnownDeviceType(type)) {
      bump(out.deviceTypes, type ?? "(none)");
      continue;
    }
    for (const field of unknownFields(type, Object.keys(entry))) bump(out.fields, `${type}.${field}`);
  }
  return out;
}

/** The strings in a legacy answer that must never leave the package unmasked: the supervisor serial. */
export function legacySecrets(raw: unknown): string[] {
  const list = isJsonObject(raw) && Array.isArray(raw.devices) ? raw.devices : [];
  const fromList = list.filter(isJsonObject).find((e) => e.DEVICE_TYPE === "PVS")?.SERIAL;
  const fromStart = isJsonObject(raw) && isJsonObject(raw.supervisor) ? raw.supervisor.SERIAL : undefined;
  return [...new Set([fromList, fromStart].flatMap(secretForms))];
}

/** One device of the answer, with every string holding one of the secrets masked (keys too): see `masker`. */
export function normalizeLegacyDevice(entry: JsonObject, mask: <T>(value: T) => T = (value) => value): Device {
  const properties: JsonObject = {};
  const metrics: Device["metrics"] = {};
  for (const rawKey in entry) {
    if (!Object.hasOwn(entry, rawKey)) continue;
    const value = entry[rawKey];
    const key = mask(rawKey);
    if (isPropertyField(key)) {
      setOwn(properties, key, mask(value));
      continue;
    }
    const metric = metricOf(key, value);
    if (metric !== NOT_A_METRIC) setOwn(metrics, key, metric);
    else setOwn(properties, key, mask(value));
  }
  // Data age, staleness and condition need the whole answer: assess() fills them in.
  return newDevice({
    serial: mask(optionalSerial(entry.SERIAL)),
    deviceType: mask(optionalIdentifier(entry.DEVICE_TYPE)),
    model: mask(optionalIdentifier(entry.MODEL)),
    state: mask(optionalIdentifier(entry.STATE)),
    dataTime: parsePvsTime(entry.DATATIME),
    parent: mask(optionalIdentifier(entry.PARENT)),
    properties,
    metrics,
  });
}
