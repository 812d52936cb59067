// pvs-config's settings: what its edit dialog saves, their defaults and their migrations, for the runtime
// (src/node-red/node-settings.ts, parseSettings) and the editor (editor.ts) alike.
import { defaultPort } from "../../src/settings/address";
import { BaseProps, NodeSettings, VERSIONS_BEGIN } from "../../src/settings/node-settings";

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
  /** Whether pvs-battery may write the SunVault's mode and reserve; off unless the owner turns it on. */
  allowBatteryControl: boolean;
}

export const PVS_CONFIG_SETTINGS: NodeSettings<PvsConfigProps> = {
  type: "pvs-config",
  defaults: {
    name: "",
    host: "172.27.153.1",
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
    allowBatteryControl: false,
  },
  dependentDefaults: (def) => ({ port: defaultPort(def.protocol) }),
  migrations: [
    VERSIONS_BEGIN,
    // Battery control came later: a PVS saved before it stays read-only.
    { version: 2, up: (def) => void (def.allowBatteryControl ??= false) },
  ],
};
