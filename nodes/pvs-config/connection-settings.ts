// pvs-config's settings checked and made into connection options (host and port rules: src/settings/address.ts),
// for the config node and the editor's "Test connection", which tests the form's settings before they are deployed.
import { PVS_CONFIG_SETTINGS } from "./settings";
import { pinnedFingerprint } from "../../src/model/fingerprint";
import { ConnectionOptions } from "../../src/pvs/connection/connection";
import { ApiSetting } from "../../src/pvs/connection/identity";
import { formatEndpoint, Protocol } from "../../src/pvs/http/transport";
import { cleanHost, defaultPort, portSetting } from "../../src/settings/address";
import { numberSetting } from "../../src/node-red/numbers";

const DEFAULTS = PVS_CONFIG_SETTINGS.defaults;

/** A variable read is quick or hangs; a DeviceList may take a minute. */
const LOCALAPI_TIMEOUT_MAX_MS = 15_000;
const MAX_LABELS = 5000;
const MAX_LABEL_LENGTH = 64;
const NO_HOST = "no host: set the PVS's address (Search the network finds it), then deploy";

/** The settings as the editor stores them (numbers may arrive as strings, from env vars too). */
export interface ConfigSettings {
  host?: unknown;
  port?: unknown;
  protocol?: unknown;
  api?: unknown;
  localPort?: unknown;
  telemetryPort?: unknown;
  timeout?: unknown;
  minSpacing?: unknown;
  deviceListEvery?: unknown;
  fingerprint?: unknown;
  labels?: unknown;
  follow?: unknown;
}

export interface ParsedSettings {
  /** Null when a setting is invalid; `problems` say which. */
  options: ConnectionOptions | null;
  problems: string[];
  /** Why there are no options: no host yet (a new node), or an invalid setting; null with options. */
  code: "PVS_NO_HOST" | "PVS_BAD_CONFIG" | null;
  /** host:port, for messages and status (never a secret). */
  endpoint: string;
}

/** Device names by serial: only short strings are kept, and a bounded number of them. */
export function cleanLabels(value: unknown): Map<string, string> {
  const labels = new Map<string, string>();
  if (typeof value !== "object" || value === null || Array.isArray(value)) return labels;
  for (const [serial, label] of Object.entries(value)) {
    if (labels.size >= MAX_LABELS) break;
    if (typeof label !== "string" || serial.length === 0 || serial.length > MAX_LABEL_LENGTH) continue;
    const text = label.trim().slice(0, MAX_LABEL_LENGTH);
    if (text !== "") labels.set(serial, text);
  }
  return labels;
}

export function parseSettings(def: ConfigSettings, password: string | null): ParsedSettings {
  // No host: a new node the user has not set up yet (an earlier version's node got its host by migration).
  const noHost = def.host === undefined || def.host === null || (typeof def.host === "string" && !def.host.trim());
  const host = noHost ? null : cleanHost(def.host);
  const protocol: Protocol = def.protocol === "https" ? "https" : "http";
  const api: ApiSetting = def.api === "legacy" || def.api === "localapi" ? def.api : "auto";
  const port = portSetting(def.port, defaultPort(protocol), "port");
  const localPort = portSetting(def.localPort, Number(DEFAULTS.localPort), "LocalAPI port");
  const telemetryPort = portSetting(def.telemetryPort, Number(DEFAULTS.telemetryPort), "telemetry port");
  const timeout = numberSetting(def.timeout, Number(DEFAULTS.timeout), 1, 600, "timeout");
  const spacing = numberSetting(def.minSpacing, Number(DEFAULTS.minSpacing), 0, 3600, "minimum spacing");
  const deviceListEvery = numberSetting(
    def.deviceListEvery,
    Number(DEFAULTS.deviceListEvery),
    0,
    24 * 3600,
    "DeviceList interval",
  );
  const pinned = pinnedFingerprint(def.fingerprint);
  const problems = [
    noHost ? NO_HOST : host ? null : `host "${String(def.host)}" is not a host name or IP address`,
    "error" in port ? port.error : null,
    "error" in localPort ? localPort.error : null,
    "error" in telemetryPort ? telemetryPort.error : null,
    "error" in timeout ? timeout.error : null,
    "error" in spacing ? spacing.error : null,
    "error" in deviceListEvery ? deviceListEvery.error : null,
    pinned === "invalid" ? "the pinned certificate fingerprint is not a SHA-256 fingerprint (64 hex digits)" : null,
  ].filter((p): p is string => p !== null);
  const label = formatEndpoint({
    protocol,
    host: host ?? String(def.host ?? ""),
    port: "value" in port ? port.value : defaultPort(protocol),
  });
  const ok =
    host &&
    "value" in port &&
    "value" in localPort &&
    "value" in telemetryPort &&
    "value" in timeout &&
    "value" in spacing &&
    "value" in deviceListEvery &&
    pinned !== "invalid";
  const options: ConnectionOptions | null = ok
    ? {
        api,
        protocol,
        host,
        port: port.value,
        localPort: localPort.value,
        telemetryPort: telemetryPort.value,
        timeoutMs: timeout.value * 1000,
        localApiTimeoutMs: Math.min(timeout.value * 1000, LOCALAPI_TIMEOUT_MAX_MS),
        minSpacingMs: spacing.value * 1000,
        deviceListEveryMs: deviceListEvery.value * 1000,
        password,
        fingerprint: pinned,
        labels: cleanLabels(def.labels),
        // Off only when unticked: a flow of an earlier version got it on by its migration.
        follow: def.follow !== false && def.follow !== "false",
      }
    : null;
  const code = options ? null : noHost ? "PVS_NO_HOST" : "PVS_BAD_CONFIG";
  return { options, problems, code, endpoint: label };
}
