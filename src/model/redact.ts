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

/**
 * The copy is built with a work list, not recursion: an answer nested thousands of levels deep (the PVS
 * sends what it sends) must be masked, not overflow the stack.
 */
function redact(value: unknown, secrets: readonly string[]): unknown {
  let result: unknown;
  const work: Array<{ value: unknown; put: (copy: unknown) => void }> = [{ value, put: (copy) => (result = copy) }];
  for (let task = work.pop(); task; task = work.pop()) {
    const v = task.value;
    if (typeof v === "string") {
      task.put(redactText(v, secrets));
    } else if (Array.isArray(v)) {
      const out: unknown[] = new Array<unknown>(v.length);
      task.put(out);
      v.forEach((item: unknown, i) => work.push({ value: item, put: (copy) => (out[i] = copy) }));
    } else if (typeof v === "object" && v !== null) {
      const out: { [key: string]: unknown } = {};
      task.put(out);
      for (const [k, item] of Object.entries(v)) {
        const key = redactText(k, secrets);
        work.push({ value: item, put: (copy) => Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true }) });
      }
    } else {
      task.put(v);
    }
  }
  return result;
}
