// Where a PVS is: pvs-config's host and port rules, one pure function each for the runtime (parseSettings), the
// editor's validators and the settings migration. A URL is built from host and port (src/pvs/http/transport.ts),
// so a host must not carry a port of its own, nor a port be anything but a whole decimal number.

/** The dl_cgi port when the setting is absent or blank: 443 for https, 80 for http (the PVS's web server). */
export function defaultPort(protocol: unknown): number {
  return protocol === "https" ? 443 : 80;
}

/** A port setting's number, or null: only decimal digits (not "80.5", not "0x50" that Number reads as 80). */
export function portNumber(value: unknown): number | null {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

/** A port setting: blank means `fallback`; otherwise a valid port or the reason it is not. */
export function portSetting(value: unknown, fallback: number, name: string): { value: number } | { error: string } {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === ""))
    return { value: fallback };
  const port = portNumber(value);
  return port === null
    ? { error: `${name} must be a whole number from 1 to 65535 (got "${String(value)}")` }
    : { value: port };
}

function isIPv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** An IPv6 address in text form (RFC 4291 section 2.2), with an IPv4 tail or not; no zone. */
function isIPv6(text: string): boolean {
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === "" ? [] : half.split(":")));
  const tail = groups[groups.length - 1];
  const v4 = tail !== undefined && tail.includes(".");
  if (v4 && !isIPv4(tail)) return false;
  const hex = v4 ? groups.slice(0, -1) : groups;
  if (!hex.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  const count = groups.length + (v4 ? 1 : 0);
  return halves.length === 2 ? count <= 7 : count === 8;
}

/**
 * The host to use, from what people paste ("http://172.27.153.1/", " pvs.local ", "[fe80::1]"), or null if it
 * is not a host name or IP address. A colon is only part of an IPv6 address: "192.168.1.10:8080" or a pasted
 * URL with a port is refused, as the port is a setting of its own.
 */
export function cleanHost(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const host = value
    .trim()
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/.*$/, "")
    .replace(/^\[(.*)\]$/, "$1");
  if (host.includes(":")) return isIPv6(host) ? host : null;
  return /^[A-Za-z0-9._-]{1,253}$/.test(host) ? host : null;
}
