// Identifiers and names from the wire (serials, models, device types) made safe to show and to key by: the C0
// and C1 control characters (NUL, newline, escape…), the Unicode line separators and the bidirectional
// overrides (U+202E shows a serial reversed) become spaces, and lone surrogates, which are not text, too. Such
// characters break MQTT topics (NUL is forbidden in a topic, MQTT 3.1.1 section 4.7.3), InfluxDB line protocol (a
// newline ends a point) and what Home Assistant shows; no real serial or model contains one.

/** What cleanIdentifier replaces: C0, DEL, C1, ALM, LRM/RLM, U+2028-U+202E, U+2066-U+2069, BOM, lone surrogates. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]|\p{Cs}/gu;
// eslint-disable-next-line no-control-regex -- as above
const UNSAFE_ONE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]|\p{Cs}/u;

/** Whether a text holds a character cleanIdentifier would replace. */
export function hasControlCharacters(text: string): boolean {
  return UNSAFE_ONE.test(text);
}

/**
 * The text with each unsafe character replaced by a space (one for one, so a masked serial keeps its mask over the
 * same characters), then trimmed.
 */
export function cleanIdentifier(text: string): string {
  return (hasControlCharacters(text) ? text.replace(UNSAFE, " ") : text).trim();
}

/** cleanIdentifier for a value that may be absent; null when nothing is left. */
export function cleanOptional(text: string | null | undefined): string | null {
  if (typeof text !== "string") return null;
  const clean = cleanIdentifier(text);
  return clean === "" ? null : clean;
}
