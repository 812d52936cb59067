// The normalized device model shared by every output of the package.
import { isJsonObject, JsonObject } from "./safe-object";

/** One device of the PVS, whichever API reported it. */
export interface Device {
  /** `SERIAL`; the supervisor's own serial is masked (see redact.ts). Null when the PVS sent none. */
  serial: string | null;
  /** `DEVICE_TYPE` as reported, e.g. "PVS", "Power Meter", "Inverter". */
  deviceType: string | null;
  model: string | null;
  /** `STATE` as reported, e.g. "working" or "error". */
  state: string | null;
  /** When the PVS sampled this device's data (`DATATIME`), ISO-8601 UTC. */
  dataTime: string | null;
  /** UPPERCASE fields and descriptive lower-case fields (origin, interface, subtype…), as reported. */
  properties: JsonObject;
  /** Lower-case measurement fields as numbers; null where the PVS sent a placeholder such as "nan". */
  metrics: { [field: string]: number | null };
}

export interface DeviceListPayload {
  /** When the PVS produced the answer (`CURTIME`), ISO-8601 UTC. */
  time: string | null;
  devices: Device[];
  supervisor: Device | null;
  meters: { production: Device | null; consumption: Device | null };
  inverters: Device[];
}

/** Coarse classes used for topics and for splitting a list. */
export type DeviceCategory = "supervisor" | "meter" | "inverter" | "other";

export function deviceCategory(device: Device): DeviceCategory {
  switch (device.deviceType) {
    case "PVS":
      return "supervisor";
    case "Power Meter":
      return "meter";
    case "Inverter":
      return "inverter";
    default:
      return "other";
  }
}

/** Production or consumption, from `TYPE` (PVS5-METER-P/-C), the subtype, or the model's p/c suffix. */
export function meterRole(device: Device): "production" | "consumption" | null {
  if (device.deviceType !== "Power Meter") return null;
  const type = String(device.properties.TYPE ?? "").toUpperCase();
  if (type.endsWith("-P")) return "production";
  if (type.endsWith("-C")) return "consumption";
  const subtype = String(device.properties.subtype ?? "").toUpperCase();
  if (subtype.includes("PRODUCTION")) return "production";
  if (subtype.includes("CONSUMPTION")) return "consumption";
  const model = device.model ?? "";
  if (/p$/.test(model)) return "production";
  if (/c$/.test(model)) return "consumption";
  return null;
}

/** Builds the convenience views; they point at the same objects as `devices`. */
export function withViews(time: string | null, devices: Device[]): DeviceListPayload {
  return {
    time,
    devices,
    supervisor: devices.find((d) => d.deviceType === "PVS") ?? null,
    meters: {
      production: devices.find((d) => meterRole(d) === "production") ?? null,
      consumption: devices.find((d) => meterRole(d) === "consumption") ?? null,
    },
    inverters: devices.filter((d) => d.deviceType === "Inverter"),
  };
}

/** Sum of inverter AC power in kW (never the DC/MPPT power), or null when no inverter reports it. */
export function totalInverterPowerKw(payload: DeviceListPayload): number | null {
  let sum = 0;
  let seen = false;
  for (const inv of payload.inverters) {
    const p = inv.metrics.p_3phsum_kw;
    if (typeof p === "number") {
      sum += p;
      seen = true;
    }
  }
  return seen ? sum : null;
}

/** Site production in kW: the production meter when there is one, else the inverters' AC sum. */
export function productionKw(payload: DeviceListPayload): number | null {
  const meter = payload.meters.production?.metrics.p_3phsum_kw;
  return typeof meter === "number" ? meter : totalInverterPowerKw(payload);
}

/** The devices of a pvs-device-list payload, or an error text saying why this is not one. */
export function devicesOf(payload: unknown): Device[] | string {
  if (!isJsonObject(payload) || !Array.isArray(payload.devices)) return "msg.payload is not a pvs-device-list payload (no devices array)";
  const bad = payload.devices.findIndex((d) => !isJsonObject(d) || !("deviceType" in d) || !isJsonObject(d.metrics));
  if (bad >= 0) return `msg.payload.devices[${bad}] is not a device`;
  return payload.devices as Device[];
}
