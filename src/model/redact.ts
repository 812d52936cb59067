// The PVS serial is a secret: its last 5 characters are the LocalAPI password.

const MASK = "*****";

/** Hides the last 5 characters, which are the password; the rest still tells two PVS units apart. */
export function maskSerial(serial: string): string {
  return serial.length <= MASK.length ? MASK : serial.slice(0, -MASK.length) + MASK;
}

/**
 * Returns a copy of `value` in which every string containing one of `secrets` has it masked.
 * Used on everything that leaves the package (outputs, raw answers, error texts).
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  const live = secrets.filter((s) => s.length > 0);
  if (live.length === 0) return value;
  return redact(value, live) as T;
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0 && out.includes(secret)) out = out.split(secret).join(maskSerial(secret));
  }
  return out;
}

function redact(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets));
  if (typeof value === "object" && value !== null) {
    const out: { [key: string]: unknown } = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, redactText(k, secrets), { value: redact(v, secrets), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
