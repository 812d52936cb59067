// A certificate's SHA-256 fingerprint, one rule for the pin a user types (runtime, editor) and the fingerprint a
// PVS presents (src/pvs/http/tls-trust.ts). Pure: the editor bundles it too.

/** "AB:CD:…" (Node's `fingerprint256` form), from any spelling with or without separators; null if it is not one. */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.replace(/[\s:-]/g, "").toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)!.join(":");
}

/**
 * A pin setting: blank (or not text) means no pin, null; otherwise its normalised form, or "invalid" when the
 * text is not a SHA-256 fingerprint.
 */
export function pinnedFingerprint(value: unknown): string | null | "invalid" {
  const text = typeof value === "string" ? value.trim() : "";
  if (text === "") return null;
  return normalizeFingerprint(text) ?? "invalid";
}
