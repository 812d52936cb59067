// Home Assistant MQTT discovery for the device list: one HA device per PVS device (the PVS, its meters,
// every inverter, storage parts), a sensor per measurement, and the site's figures on the PVS. The state
// topics are the MQTT format's (mqtt.ts); this adds the retained config messages
// `<discovery prefix>/sensor/pvs_<id>/<object id>/config`. Pure: no Node-RED here.
//
// Names, device classes and units are homeassistant-names.ts's. Ids are `[a-z0-9_]`: `pvs_<sanitised serial>`,
// so the supervisor is `pvs_zt01234567890`, never its serial and never its mask. An entity's unique id and object
// id use the metric's name in the PVS's units (`p_3phsum_kw` also with SI units), so that changing the Units
// setting updates the entities a user has (their history, their Energy dashboard) instead of leaving orphans.
import { Device, meterRole } from "../device";
import { DeviceListPayload } from "../device-list-output";
import { JsonObject } from "../safe-object";
import { deviceId, liveMetrics, pvsUnitName, safeId, safeText, siteMetrics, topicPrefix } from "./common";
import { LIVE_NAMES, nameFrom, NAMES, sensorClass, SITE_NAMES, STORAGE_NAMES } from "./homeassistant-names";
import { DEFAULT_PREFIX, deviceTopic, liveTopic, metricTopic, MqttMessage, pvsIdOf, siteTopic } from "./mqtt";

export { humanName, sensorClass } from "./homeassistant-names";
export type { SensorClass, StateClass } from "./homeassistant-names";

export const DEFAULT_DISCOVERY_PREFIX = "homeassistant";
/** What Home Assistant shows as "unknown" on a sensor (its PAYLOAD_NONE). */
export const HA_NONE = "None";

export interface DiscoveryOptions {
  /** The state topics' prefix (the MQTT format's), default "pvs". */
  prefix?: string;
  /** Home Assistant's discovery prefix, default "homeassistant". */
  discoveryPrefix?: string;
  /** Seconds after which HA shows a sensor unavailable if no new state arrived; null or 0 for never. */
  expireAfterS?: number | null;
}

/**
 * An inverter's entities HA enables at once; its other ones (voltages, currents, DC side…) are there, disabled, to keep
 * a 1,000-panel site light.
 */
const INVERTER_PRIMARY = new Set(["p_3phsum_kw", "ltea_3phsum_kwh"]);

const CONDITIONS = ["ok", "asleep", "fault", "error", "stale", "unknown"];

const ORIGIN = { name: "@pvs-local/node-red-sunpower", support_url: "https://github.com/pvs-local/node-red-sunpower" };

const KIND_NAMES: Readonly<Record<string, string>> = {
  production: "Production meter",
  consumption: "Consumption meter",
  storage: "Storage meter",
};

/**
 * The name HA shows for a device: the user's label, or its kind and serial ("Inverter E00122000000001", "PVS
 * ZT01234567890").
 */
function deviceName(device: Device): string {
  const label = safeText(device.label ?? "");
  if (label) return label;
  const shown = safeText(device.serial ?? "").replace(/\*+$/, "");
  const role = meterRole(device);
  const kind =
    device.category === "supervisor"
      ? "PVS"
      : device.category === "meter"
        ? role
          ? KIND_NAMES[role]
          : "Meter"
        : device.category === "inverter"
          ? "Inverter"
          : safeText(device.deviceType ?? "") || "Device";
  return `${kind} ${shown}`.trim();
}

const text = (v: unknown): string | null =>
  typeof v === "string" && safeText(v) !== "" ? safeText(v) : typeof v === "number" ? String(v) : null;

/** The `device` block of a device's entities. */
function deviceBlock(device: Device, id: string, via: string | null): JsonObject {
  const p = device.properties;
  const block: JsonObject = { identifiers: [`pvs_${id}`], name: deviceName(device), manufacturer: "SunPower" };
  const model = text(device.model);
  if (model) block.model = model;
  // The supervisor's serial is masked: a value with asterisks is not a serial number, so it is left out.
  const serial = text(device.serial);
  if (device.category !== "supervisor" && serial) block.serial_number = serial;
  const sw = text(p.SWVER) ?? text(p.sw_rev);
  if (sw) block.sw_version = sw;
  const hw = text(p.hw_version) ?? text(p.HWVER) ?? text(p.hwrev);
  if (hw) block.hw_version = hw;
  if (via && via !== `pvs_${id}`) block.via_device = via;
  return block;
}

/** One entity: its config topic's object id and what its config says. */
interface Entity {
  objectId: string;
  config: JsonObject;
}

/** A group of entities under one HA device (a PVS device, or the site on the PVS). */
interface Group {
  /** What the tracker remembers it by (the site shares the PVS's node id, not its key). */
  key: string;
  /** The discovery topic's node id: `pvs_<id>`. */
  nodeId: string;
  /** What the entities share (device block, availability); a change re-sends them all. */
  shared: string;
  entityKeys: string[];
  entities(keys: readonly string[]): Entity[];
}

export interface Discovery {
  /** Devices (and the site) whose discovery is sent now. */
  groups: number;
  /** The config messages, built as they are read. */
  messages: Iterable<MqttMessage>;
}

/**
 * Remembers what was announced, so that configs go out on the first payload and then only for what is new or
 * changed: a device that appears, a measurement a device starts reporting (inverters at sunrise), a firmware
 * version or a name. Entities are never removed by this: a device that leaves the list keeps its entities
 * (shown unavailable), as HA keeps a device whose config topic is not cleared.
 */
export class DiscoveryTracker {
  private readonly announced = new Map<string, { shared: string; keys: Set<string> }>();
  private readonly prefix: string;
  private readonly discoveryPrefix: string;
  private readonly expireAfterS: number | null;

  constructor(options: DiscoveryOptions = {}) {
    this.prefix = topicPrefix(options.prefix, DEFAULT_PREFIX);
    this.discoveryPrefix = topicPrefix(options.discoveryPrefix, DEFAULT_DISCOVERY_PREFIX);
    this.expireAfterS = options.expireAfterS && options.expireAfterS > 0 ? Math.round(options.expireAfterS) : null;
  }

  /** Forgets what was announced: the next payload announces everything again. */
  reset(): void {
    this.announced.clear();
  }

  /** The discovery messages this payload needs: everything the first time, then what is new or changed. */
  update(payload: DeviceListPayload): Discovery {
    const work: Array<{ group: Group; keys: string[] }> = [];
    for (const group of this.groups(payload)) {
      const seen = this.announced.get(group.key);
      if (!seen || seen.shared !== group.shared) {
        this.announced.set(group.key, { shared: group.shared, keys: new Set(group.entityKeys) });
        work.push({ group, keys: group.entityKeys });
        continue;
      }
      const fresh = group.entityKeys.filter((k) => !seen.keys.has(k));
      if (fresh.length === 0) continue;
      for (const k of fresh) seen.keys.add(k);
      work.push({ group, keys: fresh });
    }
    const discoveryPrefix = this.discoveryPrefix;
    function* messages(): Generator<MqttMessage> {
      for (const { group, keys } of work) {
        for (const entity of group.entities(keys)) {
          yield {
            topic: `${discoveryPrefix}/sensor/${group.nodeId}/${entity.objectId}/config`,
            payload: entity.config,
            retain: true,
          };
        }
      }
    }
    return { groups: work.length, messages: messages() };
  }

  private common(
    stateTopic: string,
    uniqueId: string,
    name: string,
    device: JsonObject,
    availability: string | null,
  ): JsonObject {
    const config: JsonObject = { name, unique_id: uniqueId, state_topic: stateTopic };
    if (availability)
      config.availability = [{ topic: availability, payload_available: "online", payload_not_available: "offline" }];
    if (this.expireAfterS) config.expire_after = this.expireAfterS;
    config.device = device;
    config.origin = ORIGIN;
    return config;
  }

  private *groups(payload: DeviceListPayload): Generator<Group> {
    const supervisor = payload.supervisor;
    const supervisorId = supervisor ? deviceId(supervisor) : null;
    const via = supervisorId ? `pvs_${supervisorId}` : null;
    const listed = new Set<string>();
    for (const d of payload.devices) {
      const id = deviceId(d);
      if (id) listed.add(id);
    }
    for (const device of payload.devices) {
      const id = deviceId(device);
      if (id === null) continue;
      // SunVault parts hang under the storage system they belong to, when it is listed; the rest under the PVS.
      const parentId = device.parent ? safeId(device.parent) : "";
      const block = deviceBlock(device, id, parentId !== "" && listed.has(parentId) ? `pvs_${parentId}` : via);
      yield this.deviceGroup(device, id, block);
    }
    yield this.siteGroup(payload, supervisor, supervisorId, via);
  }

  private deviceGroup(device: Device, id: string, block: JsonObject): Group {
    const base = deviceTopic(this.prefix, device.category, id);
    const availability = `${base}/availability`;
    const metricKeys = Object.keys(device.metrics).filter((k) => safeId(k) !== "");
    const inverter = device.category === "inverter";
    const diagnosticDevice = device.category === "supervisor";
    return {
      key: `pvs_${id}`,
      nodeId: `pvs_${id}`,
      shared: JSON.stringify([block, availability]),
      entityKeys: ["condition", "data_time", ...metricKeys.map((k) => `metric:${k}`)],
      entities: (keys) =>
        keys.map((key): Entity => {
          if (key === "condition") {
            const config = this.common(`${base}/condition`, `pvs_${id}_condition`, "Condition", block, availability);
            Object.assign(config, { device_class: "enum", options: CONDITIONS, entity_category: "diagnostic" });
            return { objectId: "condition", config };
          }
          if (key === "data_time") {
            const config = this.common(`${base}/data_time`, `pvs_${id}_data_time`, "Data time", block, availability);
            Object.assign(
              config,
              { device_class: "timestamp", entity_category: "diagnostic" },
              inverter ? { enabled_by_default: false } : {},
            );
            return { objectId: "data_time", config };
          }
          const metric = key.slice("metric:".length);
          const objectId = safeId(pvsUnitName(metric));
          const { diagnostic, ...classes } = sensorClass(metric);
          const storageName = device.category === "storage" ? STORAGE_NAMES[pvsUnitName(metric)] : undefined;
          const config = this.common(
            metricTopic(base, metric),
            `pvs_${id}_${objectId}`,
            storageName ?? nameFrom(NAMES, metric),
            block,
            availability,
          );
          Object.assign(config, classes);
          if (diagnostic || diagnosticDevice) config.entity_category = "diagnostic";
          if (inverter && !INVERTER_PRIMARY.has(pvsUnitName(metric))) config.enabled_by_default = false;
          return { objectId, config };
        }),
    };
  }

  /** The site's figures and the PVS's own totals, as entities of the PVS device. */
  private siteGroup(
    payload: DeviceListPayload,
    supervisor: Device | null,
    supervisorId: string | null,
    via: string | null,
  ): Group {
    const nodeId = via ?? "pvs_site";
    const pvs = pvsIdOf(payload);
    // The site is as available as its PVS: its entities go unavailable with the supervisor's.
    const availability =
      supervisor && supervisorId ? `${deviceTopic(this.prefix, supervisor.category, supervisorId)}/availability` : null;
    const block: JsonObject =
      supervisor && supervisorId
        ? deviceBlock(supervisor, supervisorId, null)
        : { identifiers: [nodeId], name: "PVS site", manufacturer: "SunPower" };
    const entries = [
      ...siteMetrics(payload).map(([n]) => `site:${n}`),
      ...liveMetrics(payload).map(([n]) => `live:${n}`),
    ];
    return {
      key: `${nodeId}#site`,
      nodeId,
      shared: JSON.stringify([block, availability]),
      entityKeys: entries,
      entities: (keys) =>
        keys.map((key): Entity => {
          const live = key.startsWith("live:");
          const name = key.slice(5);
          const objectId = `${live ? "live" : "site"}_${safeId(pvsUnitName(name))}`;
          const { diagnostic, ...classes } = sensorClass(name);
          const topic = live ? liveTopic(this.prefix, pvs, name) : siteTopic(this.prefix, pvs, name);
          const config = this.common(
            topic,
            `${nodeId}_${objectId}`,
            nameFrom(live ? LIVE_NAMES : SITE_NAMES, name),
            block,
            availability,
          );
          Object.assign(config, classes);
          if (diagnostic) config.entity_category = "diagnostic";
          return { objectId, config };
        }),
    };
  }
}
