// Defaults and input cleaning for pvs-config (shared with its tests).
import { Protocol } from "../pvs/transport";

export const CONFIG_DEFAULTS = { host: "172.27.153.1", port: 80, localPort: 443, protocol: "http" as Protocol, timeoutS: 120, minSpacingS: 5, deviceListEveryS: 120 };

/** Accepts what people paste: "http://172.27.153.1/", " pvs.local ". Returns null if it is not a host name. */
export function cleanHost(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const host = value
    .trim()
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/.*$/, "")
    .replace(/^\[(.*)\]$/, "$1");
  return /^[A-Za-z0-9.\-:_]{1,253}$/.test(host) ? host : null;
}
