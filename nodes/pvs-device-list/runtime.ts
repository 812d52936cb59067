// pvs-device-list: polls the device list (and the SunVault report when there is storage) and sends the
// normalized, checked device list with the site's power and energy, or that list in an output format
// (InfluxDB points, MQTT topics, Home Assistant discovery).
import { NodeAPI, Node, NodeMessage, NodeStatus } from "node-red";
import { backupFromDevices } from "../../src/model/backup-readings";
import { backupStatus } from "../../src/model/backup-state";
import { Check } from "../../src/model/checks";
import { analyzeDeviceList, DeviceListPayload } from "../../src/model/device-list-output";
import { topicPrefix } from "../../src/model/formats/common";
import { DEFAULT_DISCOVERY_PREFIX, DiscoveryTracker, HA_NONE } from "../../src/model/formats/homeassistant";
import { influxPoints } from "../../src/model/formats/influx";
import { DEFAULT_PREFIX, mqttStateMessages } from "../../src/model/formats/mqtt";
import { redactDeep } from "../../src/model/redact";
import { UnitSystem } from "../../src/model/units";
import { BackupEvents } from "../../src/node-red/backup-events";
import { numberSetting } from "../../src/node-red/numbers";
import { setupPollingNode } from "../../src/node-red/polling-node";
import { apiTag, clock, MessageSource, sourceOf, Translate } from "../../src/node-red/status";
import { PollingDef } from "../../src/node-red/types";
import { defaultNumber, migrateSettings } from "../../src/node-red/node-settings";
import { PVS_DEVICE_LIST_SETTINGS } from "./settings";

/** What goes out: the device list (default), InfluxDB batch points, MQTT topics, or those with HA discovery. */
type OutputFormat = "list" | "influx" | "mqtt" | "homeassistant";

interface DeviceListDef extends PollingDef {
  includeRaw: boolean;
  /** "pvs" (kW, kWh, as the PVS reports) or "si" (W, Wh). */
  units?: UnitSystem;
  output?: OutputFormat;
  /** MQTT topics' first level(s) and InfluxDB measurement names' start (default "pvs"). */
  prefix?: string;
  /** Home Assistant's discovery prefix (default "homeassistant"). */
  discoveryPrefix?: string;
}

const OUTPUTS: readonly OutputFormat[] = ["list", "influx", "mqtt", "homeassistant"];

/**
 * Least seconds before HA shows a sensor unavailable: a few missed polls, a breaker's 5-minute pause, and two of
 * the night watch's half-hour reads (src/pvs/schedule/night.ts) with a margin.
 */
const MIN_EXPIRE_AFTER_S = 3900;

/** Keys of checks already logged by one node; bounded so that a long run of counter events cannot grow it. */
const MAX_REMEMBERED_CHECKS = 1000;

/** The messages of the chosen output format for one device-list message; undefined for the list itself. */
function expander(def: DeviceListDef): ((msg: NodeMessage) => Iterable<NodeMessage>) | undefined {
  const output: OutputFormat = OUTPUTS.includes(def.output as OutputFormat) ? (def.output as OutputFormat) : "list";
  if (output === "list") return undefined;
  const prefix = topicPrefix(def.prefix, DEFAULT_PREFIX);
  // Home Assistant: sensors expire after a few polls without news (never when polling only on input).
  const interval = numberSetting(
    def.interval,
    defaultNumber(PVS_DEVICE_LIST_SETTINGS, "interval"),
    0,
    7 * 24 * 3600,
    "interval",
  );
  const intervalS = "value" in interval ? interval.value : 0;
  const discovery =
    output === "homeassistant"
      ? new DiscoveryTracker({
          prefix,
          discoveryPrefix: topicPrefix(def.discoveryPrefix, DEFAULT_DISCOVERY_PREFIX),
          expireAfterS: intervalS > 0 ? Math.max(MIN_EXPIRE_AFTER_S, 3 * intervalS) : null,
        })
      : null;
  return function* expand(msg: NodeMessage): Generator<NodeMessage> {
    const payload = msg.payload as DeviceListPayload;
    if (output === "influx") {
      yield { ...msg, payload: influxPoints(payload, { prefix }) };
      return;
    }
    if (discovery) yield* discovery.update(payload).messages;
    yield* mqttStateMessages(payload, { prefix, nullPayload: discovery ? HA_NONE : "" });
  };
}

/**
 * A finding is logged once, not on every poll; it stays in payload.checks while it holds. Errors (part of the
 * answer unusable) also reach Catch nodes, with the check's code, while the rest of the reading goes out.
 */
function checkLogger(node: Node): (checks: Check[], msg: NodeMessage) => void {
  const logged = new Set<string>();
  return (checks, msg) => {
    for (const check of checks) {
      if (check.level === "info" || logged.has(check.key)) continue;
      if (logged.size >= MAX_REMEMBERED_CHECKS) logged.clear();
      logged.add(check.key);
      if (check.level === "warning") node.warn(check.message);
      else node.error(Object.assign(new Error(check.message), { code: check.code }), { ...msg });
    }
  };
}

/** "3 inverters · 4.20 kW · PVS6 b61846 LocalAPI · 14:05", yellow with faults or unusable parts. */
function deviceListStatus(msg: NodeMessage | null, t: Translate): NodeStatus {
  const payload = msg?.payload as DeviceListPayload;
  const { site } = payload;
  const inv = site.inverters;
  const watts = (site as { production_w?: number }).production_w;
  const kw = payload.unitSystem === "si" ? (watts === undefined ? undefined : watts / 1000) : site.production_kw;
  const count =
    inv.missing > 0
      ? t("status.invertersOf", { count: inv.reporting, known: inv.known })
      : t("status.inverters", { count: inv.reporting });
  const power = kw === undefined ? t("status.noPower") : `${kw.toFixed(2)} kW`;
  const fault = inv.fault > 0 ? ` · ${t("status.faults", { count: inv.fault })}` : "";
  // Part of the answer was unusable as sent: say so where the user looks first.
  const anomalies = payload.checks
    .filter((c) => c.level === "error")
    .map((c) => ` · ${t(c.code === "DUPLICATE_SERIAL" ? "status.duplicateSerial" : "status.noSerial")}`);
  const tag = apiTag(msg?.pvs as MessageSource);
  const fill = inv.fault > 0 || anomalies.length > 0 ? "yellow" : "green";
  return {
    fill,
    shape: "dot",
    text: `${count} · ${power}${fault}${anomalies.join("")}${tag ? ` · ${tag}` : ""} · ${clock()}`,
  };
}

export = function (RED: NodeAPI): void {
  function PvsDeviceList(this: Node, def: DeviceListDef): void {
    RED.nodes.createNode(this, def);
    def = migrateSettings(PVS_DEVICE_LIST_SETTINGS, def);
    const unitSystem: UnitSystem = def.units === "si" ? "si" : "pvs";
    const logChecks = checkLogger(this);
    const backup = new BackupEvents();
    const node = this;

    setupPollingNode(RED, this, def, {
      settings: PVS_DEVICE_LIST_SETTINGS,
      defaultTopic: "pvs/device-list",
      rationed: true,
      news: "devices",
      async produce({ pvs, config, signal, read }, base) {
        const reading = await pvs.readDeviceList(signal, read);
        const memory = await config.siteMemory.load();
        const payload = analyzeDeviceList(reading.list, {
          memory,
          unknowns: reading.unknowns,
          storage: reading.storage,
          live: reading.live,
          now: Date.now(),
          unitSystem,
        });
        config.siteMemory.save(memory);
        logChecks(payload.checks, base);
        pvs.client.answerLog.noteChecks(payload.checks);
        const data = reading.api === "legacy" ? "DeviceList" : "varserver";
        const msg: NodeMessage = { ...base, payload, pvs: sourceOf(config.endpoint, pvs, data) };
        // The SunVault's grid state: one `pvs/backup` message when it changes, before the list, on the second
        // output alone and never in an output format: the readings' output carries only readings.
        const event = backup.offer(backupStatus(backupFromDevices(payload.devices, payload.live)), { pvs: msg.pvs });
        if (event) node.send([null, event]);
        if (def.includeRaw) {
          msg.raw = redactDeep(reading.raw.main, reading.secrets);
          if (reading.raw.storage) msg.rawStorage = redactDeep(reading.raw.storage, reading.secrets);
        }
        return msg;
      },
      expand: expander(def),
      okStatus: (msg, t) => backup.status(t) ?? deviceListStatus(msg, t),
    });
  }

  RED.nodes.registerType("pvs-device-list", PvsDeviceList);
};
