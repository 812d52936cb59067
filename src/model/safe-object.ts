// Helpers for building output objects from untrusted keys.

/** A plain JSON object as parsed off the wire. */
export type JsonObject = { [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Sets an own property even for keys such as `__proto__`, which a plain assignment would turn into a
 * prototype change. Keys come from the device, so they must never reach an object's prototype.
 */
export function setOwn(target: JsonObject, key: string, value: unknown): void {
  // "__proto__" is the only key with a setter on Object.prototype; every other key assigns an own property,
  // and plain assignment is many times faster than defineProperty on the 25,000 fields of a large site.
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
