// The device list as MQTT messages: one retained topic per device and metric, ready for Node-RED's core
// "mqtt out" node (each message carries `topic`, `payload` and `retain`). Pure: no Node-RED here.
//
//   <prefix>/<category>/<id>/<metric>       a measurement: the number, as the payload (metric names as in the
//                                           device list: `p_3phsum_kw`, or `p_3phsum_w` with SI units)
//   <prefix>/<category>/<id>/condition      ok, asleep, fault, error, stale or unknown
//   <prefix>/<category>/<id>/data_time      when the PVS sampled the device, ISO-8601 UTC
//   <prefix>/<category>/<id>/availability   "online" while the device is listed, "offline" once it is missing
//   <prefix>/site/<pvs>/<metric>            the site's figures (`production_kw`, `today_production_kwh`…)
//   <prefix>/live/<pvs>/<metric>            the PVS's own totals (LocalAPI only)
//
// `<pvs>` is the supervisor's id (its masked serial without the mask, as in its device topics), so that two
// PVSs under one prefix do not overwrite each other's site; without a supervisor in the list the level is left out.
// `<id>` is the serial made of `[a-z0-9_]` (see safeId): never the supervisor's real serial, never its mask.
import { JsonObject } from "../safe-object";
import { DeviceListPayload } from "../device-list-output";
import { deviceId, liveMetrics, safeId, siteMetrics, topicLevel, topicPrefix } from "./common";

/** A type, not an interface, so that it is a Node-RED message as it stands. */
export type MqttMessage = {
  topic: string;
  /** A number, a text, or (discovery) an object the mqtt out node sends as JSON. */
  payload: number | string | JsonObject;
  retain: true;
};

export interface MqttOptions {
  /** First topic level(s), default "pvs". */
  prefix?: string;
  /**
   * The payload of a measurement the PVS did not report (null in the device list): "" by default, which as a
   * retained message clears the topic's last value; "None" for Home Assistant, which shows it as unknown.
   */
  nullPayload?: string;
}

export const DEFAULT_PREFIX = "pvs";

/** The topic level of a device: `<prefix>/<category>/<id>`. */
export function deviceTopic(prefix: string, category: string, id: string): string {
  return `${prefix}/${topicLevel(category)}/${id}`;
}

/** The id of the PVS a payload came from (its supervisor's), or null when the list has no supervisor. */
export function pvsIdOf(payload: Pick<DeviceListPayload, "supervisor">): string | null {
  return payload.supervisor ? deviceId(payload.supervisor) : null;
}

export function siteTopic(prefix: string, pvs: string | null, name: string): string {
  return `${prefix}/site/${pvs ? `${pvs}/` : ""}${safeId(name)}`;
}

export function liveTopic(prefix: string, pvs: string | null, name: string): string {
  return `${prefix}/live/${pvs ? `${pvs}/` : ""}${safeId(name)}`;
}

/** The metric's own level under its device (its name made topic-safe). */
export function metricTopic(base: string, name: string): string {
  return `${base}/${safeId(name)}`;
}

/**
 * Every state message of one payload: per device its measurements, condition, data time and availability;
 * missing devices "offline"; the site; the PVS's totals. Built lazily, so a sender can spread the work.
 */
export function* mqttStateMessages(payload: DeviceListPayload, options: MqttOptions = {}): Generator<MqttMessage> {
  // Cleaned here too (no wildcard, NUL or control in a topic), whoever built the options.
  const prefix = topicPrefix(options.prefix, DEFAULT_PREFIX);
  const none = options.nullPayload ?? "";
  const message = (topic: string, value: number | string | null): MqttMessage => ({
    topic,
    payload: value === null ? none : value,
    retain: true,
  });
  for (const device of payload.devices) {
    const id = deviceId(device);
    if (id === null) continue;
    const base = deviceTopic(prefix, device.category, id);
    yield message(`${base}/availability`, "online");
    yield message(`${base}/condition`, device.condition);
    yield message(`${base}/data_time`, device.dataTime);
    for (const [name, value] of Object.entries(device.metrics)) yield message(metricTopic(base, name), value);
  }
  for (const missing of payload.missing) {
    const id = deviceId(missing);
    if (id !== null) yield message(`${deviceTopic(prefix, missing.category, id)}/availability`, "offline");
  }
  const pvs = pvsIdOf(payload);
  for (const [name, value] of siteMetrics(payload)) yield message(siteTopic(prefix, pvs, name), value);
  for (const [name, value] of liveMetrics(payload)) yield message(liveTopic(prefix, pvs, name), value);
}
