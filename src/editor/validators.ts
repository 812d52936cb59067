// The validators the editors share. A setting may always be an environment variable, `${NAME}`, which Node-RED
// substitutes at deploy time: the editor cannot know its value, so it accepts it.
import { pinnedFingerprint } from "../model/fingerprint";
import { cleanHost, portNumber } from "../settings/address";

/** `${NAME}`: Node-RED's environment variable substitution in a setting. */
export function isEnvVar(value: unknown): boolean {
  return /^\$\{[^}]+\}$/.test(String(value));
}

/** A number from `min` to `max` (or a `${ENV}`); `message` is the reason shown when it is not. */
export function range(min: number, max: number, message: () => string): Validator {
  return function (value, opt) {
    if (isEnvVar(value)) return true;
    const n = Number(value);
    if (String(value).trim() !== "" && isFinite(n) && n >= min && n <= max) return true;
    return opt ? message() : false;
  };
}

/**
 * A polling interval in seconds: 0 (only on input) to a week. Unlike `range`, blank space counts as 0 here, as it
 * always has in these forms (the runtime takes it as the default).
 */
export function interval(message: () => string): Validator {
  return function (value, opt) {
    const n = Number(value);
    if (isEnvVar(value) || (value !== "" && isFinite(n) && n >= 0 && n <= 604800)) return true;
    return opt ? message() : false;
  };
}

/** One of the choices a select offers. */
export function oneOf(choices: readonly string[]): Validator {
  return (value) => value === undefined || choices.indexOf(String(value)) >= 0;
}

/** An MQTT topic prefix: no wildcards (`+`, `#`), which a topic one publishes to cannot contain. */
export function noWildcards(message: () => string): Validator {
  return function (value, opt) {
    if (!/[+#]/.test(typeof value === "string" ? value : "")) return true;
    return opt ? message() : false;
  };
}

/** A port: a whole decimal number from 1 to 65535 (src/settings/address.ts, the runtime's rule). */
export function port(message: () => string): Validator {
  return function (value, opt) {
    if (isEnvVar(value) || portNumber(value) !== null) return true;
    return opt ? message() : false;
  };
}

/** A host name or IP address, as pasted (src/settings/address.ts): not with a port, which is a setting of its own. */
export function host(message: () => string): Validator {
  return function (value, opt) {
    if (isEnvVar(value) || cleanHost(value) !== null) return true;
    return opt ? message() : false;
  };
}

/**
 * A required host: blank is invalid in a node of settings version `requiredFrom` or later (a new one), and valid in
 * one saved before, which its migration gives the default of its day.
 */
export function requiredHost(message: () => string, blank: () => string, requiredFrom: number): Validator {
  const valid = host(message);
  return function (value, opt) {
    if (value !== undefined && value !== null && value !== "") return valid.call(this, value, opt);
    const version = Number((this as { settingsVersion?: unknown }).settingsVersion);
    if (!Number.isInteger(version) || version < requiredFrom) return true;
    return opt ? blank() : false;
  };
}

/** A pinned certificate: blank (no pin) or a SHA-256 fingerprint in any spelling (src/model/fingerprint.ts). */
export function fingerprint(message: () => string): Validator {
  return function (value, opt) {
    if (isEnvVar(value) || pinnedFingerprint(value) !== "invalid") return true;
    return opt ? message() : false;
  };
}
