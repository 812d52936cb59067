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

/**
 * A function masking `secrets` in any value: strings directly, objects and arrays as masked copies, anything
 * else as it is. Strings shorter than the shortest secret cannot hold one and are returned at once.
 */
export function masker(secrets: readonly string[]): <T>(value: T) => T {
  const live = secrets.filter((s) => s.length > 0);
  if (live.length === 0) return (value) => value;
  const shortest = Math.min(...live.map((s) => s.length));
  return <T>(value: T): T => {
    if (typeof value === "string") return (value.length < shortest ? value : redactText(value, live)) as T;
    return typeof value === "object" && value !== null ? (redact(value, live) as T) : value;
  };
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
 * sends what it sends) must be masked, not overflow the stack. It runs on every poll over every field of
 * every device, so it allocates nothing but the copy: two parallel stacks of (original, copy) containers.
 */
function redact(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redactText(value, secrets);
  if (typeof value !== "object" || value === null) return value;
  const root = emptyLike(value);
  const originals: object[] = [value];
  const copies: Array<{ [key: string]: unknown }> = [root];
  for (let original = originals.pop(); original !== undefined; original = originals.pop()) {
    const copy = copies.pop() as { [key: string]: unknown };
    if (Array.isArray(original)) {
      for (let i = 0; i < original.length; i++) copy[i] = copyOf(original[i]);
    } else {
      const source = original as { [key: string]: unknown };
      for (const k in source) {
        if (!Object.hasOwn(source, k)) continue;
        const key = redactText(k, secrets);
        const item = copyOf(source[k]);
        // A "__proto__" key from JSON.parse is an own property; plain assignment would change the prototype.
        if (key === "__proto__")
          Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
        else copy[key] = item;
      }
    }
  }
  return root;

  function copyOf(item: unknown): unknown {
    if (typeof item === "string") return redactText(item, secrets);
    if (typeof item !== "object" || item === null) return item;
    const child = emptyLike(item);
    originals.push(item);
    copies.push(child);
    return child;
  }
}

function emptyLike(value: object): { [key: string]: unknown } {
  return (Array.isArray(value) ? new Array<unknown>(value.length) : {}) as { [key: string]: unknown };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The serial in any spelling a text may give it: any case, and any one separator (`-`, `_`, `.`, `:`, space)
 * between two of its characters (`zt99887766-554q7x9z`).
 */
export function serialSpellings(serial: string): RegExp {
  return new RegExp([...serial].map(escapeRegExp).join("[-_.: ]?"), "gi");
}

/**
 * The LocalAPI password the serial gives (its last 5 characters) wherever it ends a token, in any case: alone
 * (`Server: lighttpd Q7X9Z`), or as a larger token's tail (a host name `pvs6-554q7x9z`). A password of digits
 * only is left inside a number (`1200123.5`), where it is a coincidence, not the password; so is a token `keep`
 * names (a device serial the user asked to keep that happens to end the same way).
 */
export function passwordSpellings(
  password: string,
  keep: (token: string) => boolean = () => false,
): (text: string, replacement: string) => string {
  const pattern = new RegExp(`${escapeRegExp(password)}(?![A-Za-z0-9])`, "gi");
  const digits = /^\d+$/.test(password);
  return (text, replacement) =>
    text.replace(pattern, (found: string, at: number, whole: string) => {
      let start = at;
      while (start > 0 && /[A-Za-z0-9]/.test(whole[start - 1])) start--;
      if (start < at && keep(whole.slice(start, at + found.length))) return found;
      if (!digits) return replacement;
      const before = whole.slice(Math.max(0, at - 1), at);
      const after = whole.slice(at + found.length, at + found.length + 2);
      return /[\d.]/.test(before) || /^\.\d/.test(after) ? found : replacement;
    });
}

/**
 * `text` with `serial` masked in every spelling (see serialSpellings) and its password wherever it ends a token
 * (see passwordSpellings): what an error text or a diagnostics file must not hold however the PVS spelled them.
 */
export function redactSerial(text: string, serial: string, replacement = maskSerial(serial)): string {
  if (serial.length < 6) return text;
  const password = serial.slice(-MASK.length);
  let out = text.replace(serialSpellings(serial), replacement);
  if (out.toLowerCase().includes(password.toLowerCase())) out = passwordSpellings(password)(out, MASK);
  return out;
}
