// The editor sends <input type="number"> values as strings and env vars are always strings.

/** Parses a number setting; blank means the default, anything else out of range is an error text. */
export function numberSetting(
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  name: string,
): { value: number } | { error: string } {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === ""))
    return { value: fallback };
  const n = typeof value === "number" ? value : Number(String(value).trim());
  if (!Number.isFinite(n) || n < min || n > max)
    return { error: `${name} must be a number from ${min} to ${max} (got "${String(value)}")` };
  return { value: n };
}
