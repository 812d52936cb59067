// pvs-config's settings: what its edit dialog saves, their defaults and their migrations, for the runtime
// (src/node-red/node-settings.ts, parseSettings) and the editor (editor.ts) alike.
import { defaultPort } from "../../src/settings/address";
import { BaseProps, Migration, NodeSettings, VERSIONS_BEGIN } from "../../src/settings/node-settings";

/** A number setting as saved: a number, or text (a form field, an environment variable `${NAME}`). */
type NumberSetting = number | string;

export interface PvsConfigProps extends BaseProps {
  /** Host name or IP address, without a port (that is `port`). */
  host: string;
  /** Which API: detected from the firmware build ("auto"), or fixed. */
  api: "auto" | "localapi" | "legacy";
  /** The dl_cgi port. */
  port: NumberSetting;
  protocol: "http" | "https";
  /** The LocalAPI's HTTPS port. */
  localPort: NumberSetting;
  /** The PVS6 telemetry WebSocket's port. */
  telemetryPort: NumberSetting;
  /** Pinned SHA-256 fingerprint of the PVS's certificate; empty accepts its self-signed certificate. */
  fingerprint: string;
  /** Seconds. */
  timeout: NumberSetting;
  /** Seconds between the end of one request and the start of the next. */
  minSpacing: NumberSetting;
  /** Seconds: least time between two legacy DeviceList requests, however many nodes ask (0 = no limit). */
  deviceListEvery: NumberSetting;
  /** Names the user gave devices, by serial. */
  labels: Record<string, string>;
  /** Follow the PVS by mDNS when it stops answering at its address (src/pvs/connection/follow.ts). */
  follow: boolean;
  /** Whether pvs-battery may write the SunVault's mode and reserve; off unless the owner turns it on. */
  allowBatteryControl: boolean;
}

/** The host earlier versions gave a new node: the installer port (LAN1) of old firmware. */
export const EARLIER_DEFAULT_HOST = "172.27.153.1";

/** The settings version from which a node's host is its own: a new node has none until the user sets it. */
export const HOST_REQUIRED_VERSION = 2;

/**
 * 1 → 2, one release:
 * - a new node has no host (most units run new firmware and answer on the home network, at an address only the
 *   user knows). A node saved before without one, or blank, worked on the default of its day: it keeps it.
 * - following the PVS to a new address arrived, on for every flow saved before it too (a PVS that changed its
 *   address after a reboot was what users of earlier versions ran into).
 * - battery control arrived, off: a PVS saved before it stays read-only.
 */
export const HOST_FOLLOW_BATTERY_ARRIVE: Migration = {
  version: HOST_REQUIRED_VERSION,
  up: (def) => {
    if (def.host === undefined || def.host === null || def.host === "") def.host = EARLIER_DEFAULT_HOST;
    if (typeof def.follow !== "boolean") def.follow = true;
    if (typeof def.allowBatteryControl !== "boolean") def.allowBatteryControl = false;
  },
};

export const PVS_CONFIG_SETTINGS: NodeSettings<PvsConfigProps> = {
  type: "pvs-config",
  defaults: {
    name: "",
    host: "",
    api: "auto",
    port: defaultPort("http"),
    protocol: "http",
    localPort: 443,
    telemetryPort: 9002,
    fingerprint: "",
    timeout: 120,
    minSpacing: 5,
    deviceListEvery: 120,
    labels: {},
    follow: true,
    allowBatteryControl: false,
  },
  dependentDefaults: (def) => ({ port: defaultPort(def.protocol) }),
  migrations: [VERSIONS_BEGIN, HOST_FOLLOW_BATTERY_ARRIVE],
};
