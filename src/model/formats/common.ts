// What the output formats (InfluxDB, MQTT, Home Assistant) share: safe identifiers, the site's numbers as a
// flat list, and the metric names in the PVS's own units. Pure: no Node-RED here.
import { Device } from "../device";
import { DeviceListPayload } from "../device-list-output";
import { cleanIdentifier } from "../identifiers";

/**
 * A text as an output may show it (a tag, a device name): control and bidirectional characters made spaces
 * (identifiers.ts). The model cleans what it reads off the wire; a format cleans again, for payloads built elsewhere.
 */
export const safeText = (text: string): string => cleanIdentifier(text);

/**
 * An identifier made of `[a-z0-9_]` only: lower case, every run of other characters becomes one `_`, and no
 * `_` at either end. The supervisor's masked serial `ZT01234567890*****` becomes `zt01234567890`: the mask
 * (and the password it hides) never reaches a topic or an id. Empty when nothing is left.
 */
export function safeId(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** A device's identifier in topics and ids (its sanitised serial), or null for a device without a serial. */
export function deviceId(device: Pick<Device, "serial">): string | null {
  const id = device.serial === null ? "" : safeId(device.serial);
  return id === "" ? null : id;
}

/** A topic prefix as the user typed it, cleaned: no wildcards, no spaces or controls, no slash at either end. */
export function topicPrefix(value: unknown, fallback: string): string {
  const text = typeof value === "string" ? cleanIdentifier(value) : "";
  const clean = text
    .replace(/[+#\s\0]+/g, "_")
    .replace(/\/{2,}/g, "/")
    .replace(/^\/+|\/+$/g, "");
  return clean === "" ? fallback : clean;
}

/** One topic level from a name (a device category): letters, digits, `_` and `-`; anything else becomes `_`. */
export function topicLevel(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, "_") || "_";
}

/** Finite numbers only: what can be written as a measurement. */
export const isMeasurement = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * The site's figures as one flat list: its numbers (`production_kw`, `import_kwh`…) and today's energy as
 * `today_production_kwh`…; in W/Wh with SI units. Values the site cannot measure are absent, as in the payload.
 */
export function siteMetrics(payload: DeviceListPayload): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [name, value] of Object.entries(payload.site)) if (isMeasurement(value)) out.push([name, value]);
  const today = payload.site.today;
  if (today)
    for (const [name, value] of Object.entries(today)) if (isMeasurement(value)) out.push([`today_${name}`, value]);
  return out;
}

/** The LocalAPI's own site totals (`payload.live`), null fields included (the PVS did not report them). */
export function liveMetrics(payload: DeviceListPayload): Array<[string, number | null]> {
  if (!payload.live) return [];
  return Object.entries(payload.live).filter(
    (e): e is [string, number | null] => e[0] !== "time" && (e[1] === null || isMeasurement(e[1])),
  );
}

/** A metric name in the PVS's units (`p_3phsum_w` → `p_3phsum_kw`), so one table of names serves both unit systems. */
export function pvsUnitName(name: string): string {
  for (const [si, pvs] of [
    ["_wh", "_kwh"],
    ["_var", "_kvar"],
    ["_va", "_kva"],
    ["_w", "_kw"],
  ] as const) {
    if (name.endsWith(si) && !name.endsWith(pvs)) return name.slice(0, -si.length) + pvs;
  }
  return name;
}
