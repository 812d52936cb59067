// The diagnostics file's redaction: every key and string of the file, whatever its place, goes through the same
// steps, so that a secret is caught by what it is, not by where the PVS happened to put it.
// 1. Values of keys that name a secret or a network identity (SSID, Wi-Fi key, password, cookie, session, token,
//    MAC, IMEI/ICCID) are replaced; the secrets among them (not the MACs) are also masked wherever else they
//    appear, with the values of `name=value` secrets and session cookies found in any text (collectSecrets).
// 2. Device serials become stable pseudonyms (the same serial, the same pseudonym throughout), unless kept.
// 3. The supervisor's serial in any spelling (any case, split by a separator, or as the masked form outputs show)
//    becomes REPLAY_SERIAL, so the replayed PVS still logs in; its password (the last 5 characters) is masked
//    wherever it ends a token (a host name, a `Server` header).
// 4. Known secrets, `name=value` secrets, MACs, IMEIs and ICCIDs, public IPv4 and IPv6 addresses are replaced in
//    any text; an address-like version (`"SWVER": "1.2.3.4"`) is kept when its key or the text before says so.
import { maskSerial, passwordSpellings, serialSpellings } from "../model/redact";
import { isJsonObject, JsonObject } from "../model/safe-object";
import {
  addSecretValue,
  collectNamedSecrets,
  knownMasker,
  maskAddresses,
  maskMacs,
  maskModemIds,
  maskNamedSecrets,
  REDACTED,
} from "./text-rules";

/** The supervisor serial a diagnostics file carries instead of the real one (replay logs in with "AG000"). */
export const REPLAY_SERIAL = "ZT000000000DIAG000";

/** Keys whose values are secrets (the last path segment of a `/vars` name, or a JSON key). */
const SECRET_KEY = /ssid|wpa|psk|passw|passphrase|secret|token|cookie|authoriz|session|imei|iccid|imsi|msisdn/i;
/** Keys whose values are a MAC address (`lmac`, `mac_address`, `macAddr`, `hwaddr`, `bssid`, `wifiMac`). */
const MAC_KEY = /(^|_|-)mac($|_|-)|mac_?addr|lmac|wmac|hwaddr|ethaddr|lladdr|bssid|[a-z]Mac$/i;
/** Keys whose string value is a version (`SWVER`, `fw_version`, `hw_rev`; not `dns_resolver` or `driver`). */
const VERSION_WORD = /^(sw|fw|hw|os|kernel|app|boot|rom|dsp|mcu|pic|radio)?(ver|vers|version|rev|revision)$|^firmware$/;

/** The last segment of a `/vars` name (`/net/sta0/ssid` → `ssid`), else the key itself. */
const leafOf = (key: string) => key.slice(key.lastIndexOf("/") + 1);

/** A key's words: split at separators and camelCase humps, lower case (`fwVersion` → `fw`, `version`). */
const wordsOf = (leaf: string) =>
  leaf
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);

function isSecretKey(leaf: string): boolean {
  return SECRET_KEY.test(leaf) || /(^|[^A-Za-z])key$/i.test(leaf) || /[a-z]Key$/.test(leaf);
}

const isMacKey = (leaf: string) => MAC_KEY.test(leaf);
const isVersionKey = (leaf: string) => wordsOf(leaf).some((w) => VERSION_WORD.test(w));

/**
 * Visits every key of every object in `root` (iterative: answers may nest deeply); `visit` returns true where it
 * took the value, else an object value is walked into.
 */
export function eachEntry(root: unknown, visit: (item: JsonObject, key: string, value: unknown) => boolean): void {
  const stack: unknown[] = [root];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (Array.isArray(item)) {
      for (const v of item) if (typeof v === "object" && v !== null) stack.push(v);
      continue;
    }
    if (!isJsonObject(item)) continue;
    for (const [key, value] of Object.entries(item)) {
      if (!visit(item, key, value) && typeof value === "object" && value !== null) stack.push(value);
    }
  }
}

/** Every string of `root`: keys, values, array items at any depth (iterative, as eachEntry). */
function eachString(root: unknown, visit: (text: string) => void): void {
  const stack: unknown[] = [root];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item === "string") visit(item);
    else if (Array.isArray(item)) for (const v of item) stack.push(v);
    else if (isJsonObject(item))
      for (const [key, value] of Object.entries(item)) {
        visit(key);
        stack.push(value);
      }
  }
}

/**
 * The secrets to mask wherever they appear: values of secret-naming keys (an SSID, then found in a log line
 * `connected to MyHomeWiFi-7731`), and the values of `name=value` secrets and `session=` cookies in any text.
 */
export function collectSecrets(root: unknown): Set<string> {
  const found = new Set<string>();
  eachEntry(root, (_item, key, value) => {
    const leaf = leafOf(key);
    if (typeof value === "string" && isSecretKey(leaf) && !isMacKey(leaf)) addSecretValue(value, found);
    return false;
  });
  eachString(root, (text) => collectNamedSecrets(text, found));
  return found;
}

export interface RedactionPlan {
  /** Device serial → pseudonym (empty when serials are kept). */
  pseudonyms: ReadonlyMap<string, string>;
  /** The supervisor's serials (the connection's, and those the answers name). */
  supervisor: readonly string[];
  /** Secrets to mask wherever they appear (collectSecrets). */
  known: ReadonlySet<string>;
  /** Device serials left as they are (keepSerials): not mistaken for an IMEI. */
  keptSerials: ReadonlySet<string>;
}

/** Redacts one string; `version`: a version field's value (see maskAddresses); `isKey`: a key, not a value. */
type TextRule = (text: string, version: boolean, isKey?: boolean) => string;

/** The steps of the plan, compiled once for the whole file. */
function compile(plan: RedactionPlan): TextRule {
  const composite = [...plan.pseudonyms.keys()]
    .filter((s) => !/^[A-Za-z0-9]+$/.test(s))
    .sort((a, b) => b.length - a.length);
  const tokens = plan.pseudonyms.size > composite.length;
  const supervisor = [...plan.supervisor].sort((a, b) => b.length - a.length);
  const spellings = supervisor.flatMap((s) => [serialSpellings(s), serialSpellings(maskSerial(s))]);
  const passwords = [...new Set(supervisor.map((s) => s.slice(-5).toLowerCase()))].map((p) =>
    passwordSpellings(p, (token) => plan.keptSerials.has(token)),
  );
  const shortestSerial = Math.min(...supervisor.map((s) => s.length));
  const known = knownMasker(plan.known, REDACTED);
  return (text, version, isKey = false) => {
    let out = text;
    // A composite serial (a SunVault ESS's `00001ABC1234_01234567890ABCDEF`, which holds its inverter's serial)
    // gets its own pseudonym, not its inverter's with the rest left readable; the rest are whole tokens.
    for (const serial of composite)
      if (out.includes(serial)) out = out.split(serial).join(plan.pseudonyms.get(serial) as string);
    if (tokens) out = out.replace(/[A-Za-z0-9]+/g, (token) => plan.pseudonyms.get(token) ?? token);
    if (out.length >= shortestSerial) for (const spelling of spellings) out = out.replace(spelling, REPLAY_SERIAL);
    if (out.length >= 5) for (const password of passwords) out = password(out, "*****");
    // Not in keys: they are the firmware's names (`/sys/devices/11/meter/data`), which a common word as an SSID
    // ("data") would break.
    if (!isKey) out = known(out);
    out = maskMacs(maskNamedSecrets(out));
    out = maskModemIds(out, plan.keptSerials);
    return maskAddresses(out, version);
  };
}

/**
 * A redacted copy of `root` (see the file's head): built with a work list, not recursion, as answers may nest
 * thousands of levels deep.
 */
export function redactFile<T>(root: T, plan: RedactionPlan): T {
  const rule = compile(plan);
  // A file repeats a few keys thousands of times (one DeviceList field per device): each is looked at once.
  const keys = new Map<string, { name: string; secret: boolean; version: boolean }>();
  const keyOf = (key: string) => {
    let known = keys.get(key);
    if (!known) {
      const leaf = leafOf(key);
      known = {
        name: rule(key, false, true),
        secret: isSecretKey(leaf) || isMacKey(leaf),
        version: isVersionKey(leaf),
      };
      keys.set(key, known);
    }
    return known;
  };
  const stack: Array<[object, JsonObject]> = [];
  const copyOf = (value: unknown, version: boolean): unknown => {
    if (typeof value === "string") return rule(value, version);
    if (typeof value !== "object" || value === null) return value;
    const copy: unknown = Array.isArray(value) ? new Array<unknown>(value.length) : {};
    stack.push([value, copy as JsonObject]);
    return copy;
  };
  const top = copyOf(root, false);
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [original, copy] = next;
    if (Array.isArray(original)) {
      original.forEach((v: unknown, i) => (copy[i] = copyOf(v, false)));
      continue;
    }
    for (const [key, value] of Object.entries(original)) {
      const { name, secret, version } = keyOf(key);
      const item =
        secret && (typeof value === "string" || typeof value === "number") ? REDACTED : copyOf(value, version);
      // A "__proto__" key from JSON.parse is an own property; plain assignment would change the prototype.
      if (name === "__proto__")
        Object.defineProperty(copy, name, { value: item, enumerable: true, writable: true, configurable: true });
      else copy[name] = item;
    }
  }
  return top as T;
}
