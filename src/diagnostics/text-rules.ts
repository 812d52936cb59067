// The diagnostics file's rules for secrets in free text, whatever key holds it: network identities (MAC, public IP
// addresses, cell modem identifiers) and secrets written as `name=value` (a Wi-Fi key in a log line, the session
// cookie quoted by an error page). Each rule takes a string and gives it back with what it found replaced.
import { isIPv6 } from "net";

export const REDACTED = "[redacted]";
export const MAC_MASK = "xx:xx:xx:xx:xx:xx";
/** TEST-NET-3 (RFC 5737) and the IPv6 documentation prefix (RFC 3849): clearly not an address of theirs. */
export const IPV4_MASK = "203.0.113.0";
export const IPV6_MASK = "2001:db8::";

/**
 * A MAC address with separators: six pairs of hex digits split by `:` or `-`, or three quads split by `.`. A
 * longer run of pairs (a certificate's SHA-256 fingerprint, `AB:CD:…` 32 pairs) is not a MAC and stays whole.
 */
const MAC = new RegExp(
  [
    String.raw`(?<![0-9A-Fa-f][:-]?)[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![:-]?[0-9A-Fa-f])`,
    String.raw`(?<![0-9A-Fa-f.])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![.]?[0-9A-Fa-f])`,
  ].join("|"),
  "g",
);
/** Twelve hex digits without separators are a MAC only where the text says so (`HWaddr 0012AB34CD56`, `mac=…`). */
const BARE_MAC =
  /((?:mac|hwaddr|hw addr|ether|bssid|lladdr)(?:[ _-]?addr(?:ess)?)?[^0-9A-Za-z]{0,4})[0-9A-Fa-f]{12}(?![0-9A-Za-z])/gi;
const IPV4 = /(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])/g;
/** Candidates for an IPv6 address (checked with net.isIPv6): hex groups and at least two colons, standing alone. */
const IPV6 = /(?<![0-9A-Za-z:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Za-z:.])/g;
/** Text just before a version number in free text: `v1.2.3.4`, `version 1.2.3.4`, `"SWVER":"1.2.3.4"`. */
const VERSION_BEFORE =
  /(?:(?<![A-Za-z0-9])v|(?<![A-Za-z0-9])(?:ver|vers|version|rev|revision|[sfh]w_?ver|[sfh]w_?rev|firmware|build)["'\s:=]{0,4})$/i;
/**
 * Cell modem identifiers standing alone: a 15-digit IMEI, a 19 or 20-digit ICCID (ITU-T E.118: it starts with 89,
 * the telecom industry identifier). Not inside a longer number or a decimal.
 */
const MODEM_ID = /(?<![0-9A-Za-z.])(?:\d{15}|89\d{17,18}[Ff]?)(?![0-9A-Za-z]|\.\d)/g;
/**
 * A secret written as `name=value` or `name: value` in free text (or as JSON text inside a string): Wi-Fi keys
 * (`psk:…`, `key=…`, `wpa_passphrase=…`), passwords, tokens, the session cookie, SSIDs, modem identifiers. A
 * quoted value runs to its closing quote (`"correct horse"`, also `\"…\"` in JSON text twice encoded), any other
 * to the next space, quote or separator; an Authorization's scheme (`basic`) goes with its value. The name's
 * prefix is bounded (`wpa_key`, `sta0_wpa_key`) and a quoted value too, so that the match costs linear time.
 * Groups: 1 the name and separator, 2 and 3 a quoted value and its quote, 4 a bare value.
 */
const NAMED_SECRET = new RegExp(
  String.raw`(?<![A-Za-z0-9])((?:[A-Za-z0-9]{1,20}[_-]){0,3}` +
    String.raw`(?:[eb]?ssid|psk|key|passphrase|pass|passwd|password|pwd|secret|token|cookie|session(?:id)?|` +
    String.raw`authorization|imei|iccid|imsi)\\?["']?\s*[=:]\s*)` +
    String.raw`(?:(\\?["'])((?:(?!\2).){1,256}?)\2|((?:(?:basic|bearer|digest)\s+)?[^\s"'\\,;&<>]+))`,
  "gi",
);
/** The session cookie wherever it is written (`Cookie: session=…`, a URL): its value is masked wherever else it is. */
const SESSION_COOKIE = /session=([^\s"'\\,;&<>]+)/gi;
/** Values that name no secret (an empty field, a mode), so they are not masked wherever else they appear. */
const PLAIN_VALUE =
  /^(none|null|nil|true|false|on|off|open|yes|no|ok|n\/a|na|unknown|disabled?|enabled?|auto|any|default|wpa\d?|psk\d?|wep|sae|\[redacted\])$/i;

/** Whether `text` may hold a `name=value` secret (most strings of a file do not: a cheap test first). */
const mayName = (text: string) => text.length >= 5 && (text.includes("=") || text.includes(":"));

/** Replaces MAC addresses (all spellings with separators, and bare ones the text calls a MAC). */
export function maskMacs(text: string): string {
  if (text.length < 12) return text;
  return text.replace(MAC, MAC_MASK).replace(BARE_MAC, (_all: string, before: string) => before + MAC_MASK);
}

/** A private, loopback, link-local, shared or multicast address: not a user's public IP. */
function isPrivateIpv4(octets: number[]): boolean {
  const [a, b] = octets;
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127) ||
    a >= 224
  );
}

/** A global unicast IPv6 address (2000::/3) other than the documentation prefix 2001:db8::/32: a user's public one. */
function isPublicIpv6(text: string): boolean {
  if (!isIPv6(text)) return false;
  const first = parseInt(text.split(":")[0] || "0", 16);
  const second = parseInt(text.split(":")[1] || "0", 16);
  return first >= 0x2000 && first <= 0x3fff && !(first === 0x2001 && second === 0x0db8);
}

/**
 * Replaces public IPv4 and IPv6 addresses. `isVersion`: the string is a version field's value (`SWVER`,
 * `fw_version`), where `1.2.3.4` is a version; elsewhere only a version word just before it makes it one.
 */
export function maskAddresses(text: string, isVersion: boolean): string {
  if (text.length < 6) return text;
  const v4 =
    isVersion || !text.includes(".")
      ? text
      : text.replace(IPV4, (all: string, a: string, b: string, c: string, d: string, at: number, whole: string) => {
          const octets = [a, b, c, d].map(Number);
          if (octets.some((o) => o > 255) || isPrivateIpv4(octets)) return all;
          return VERSION_BEFORE.test(whole.slice(Math.max(0, at - 24), at)) ? all : IPV4_MASK;
        });
  return v4.includes(":") ? v4.replace(IPV6, (all: string) => (isPublicIpv6(all) ? IPV6_MASK : all)) : v4;
}

/** Replaces IMEIs and ICCIDs standing alone, except the digit strings in `keep` (inverter serials are 15 digits). */
export function maskModemIds(text: string, keep: ReadonlySet<string>): string {
  if (text.length < 15) return text;
  return text.replace(MODEM_ID, (found: string) => (keep.has(found) ? found : REDACTED));
}

/** Replaces the values of `name=value` secrets (see NAMED_SECRET). */
export function maskNamedSecrets(text: string): string {
  if (!mayName(text)) return text;
  return text.replace(NAMED_SECRET, (_all: string, name: string, quote: string | undefined) =>
    quote ? name + quote + REDACTED + quote : name + REDACTED,
  );
}

/** Adds the values of `name=value` secrets in `text` to `found` (to be masked wherever else they appear). */
export function collectNamedSecrets(text: string, found: Set<string>): void {
  if (!mayName(text)) return;
  for (const m of text.matchAll(NAMED_SECRET))
    addSecretValue(m[3] ?? m[4].replace(/^(basic|bearer|digest)\s+/i, ""), found);
  if (text.includes("=")) for (const m of text.matchAll(SESSION_COOKIE)) addSecretValue(m[1], found);
}

/**
 * Adds `value` to the secrets masked wherever they appear: not when it names no secret (`none`, `WPA2`) or is
 * too short or too plain a number to be told from other text (a Wi-Fi key of digits has at least 8).
 */
export function addSecretValue(value: string, found: Set<string>): void {
  const v = value.trim();
  if (v.length < 3 || PLAIN_VALUE.test(v) || (/^[\d.:-]+$/.test(v) && v.length < 8)) return;
  found.add(v);
}

/** At most this many known secrets, of at most this length: a hostile answer cannot make the masking slow. */
const MAX_KNOWN = 256;
const MAX_KNOWN_LENGTH = 256;

/**
 * A function masking each of `values` where it stands as a whole (not inside a longer word or number), in any
 * case. Each value is looked for (lower-case `includes`) before its pattern runs: most strings hold none.
 */
export function knownMasker(values: Iterable<string>, replacement: string): (text: string) => string {
  const known = [...values]
    .filter((v) => v.length <= MAX_KNOWN_LENGTH)
    .slice(0, MAX_KNOWN)
    .sort((a, b) => b.length - a.length)
    .map((v) => {
      const body = v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const start = /^\w/.test(v) ? "(?<!\\w)" : "";
      const end = /\w$/.test(v) ? "(?!\\w)" : "";
      return { lower: v.toLowerCase(), pattern: new RegExp(start + body + end, "gi") };
    });
  if (known.length === 0) return (text) => text;
  const shortest = Math.min(...known.map((k) => k.lower.length));
  return (text) => {
    if (text.length < shortest) return text;
    let out = text;
    let lower = out.toLowerCase();
    for (const { lower: value, pattern } of known) {
      if (!lower.includes(value)) continue;
      out = out.replace(pattern, replacement);
      lower = out.toLowerCase();
    }
    return out;
  };
}
