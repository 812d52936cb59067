// The device list as InfluxDB points, in the shape node-red-contrib-influxdb's "influxdb batch" node writes:
// `msg.payload = [{ measurement, tags, fields, timestamp }]`. Pure: no Node-RED here.
//
// - One point per device with measurements, in the measurement `<prefix>_<category>` (`pvs_inverter`,
//   `pvs_meter`, `pvs_supervisor`, `pvs_storage`…), one for the site (`pvs_site`) and, on the LocalAPI, one for
//   the PVS's own totals (`pvs_live`).
// - `timestamp` is a Date: when the PVS sampled the device (`dataTime`), not when Node-RED polled. The batch
//   node converts a Date for any precision (a number would be read as nanoseconds unless the precision is
//   set), on InfluxDB 1.x and 2.x alike. A point re-sent with the same data time overwrites itself, so a
//   device whose data did not change between polls is not stored twice.
// - `fields` are numbers only (written as floats); a measurement the PVS did not report (null) is left out,
//   never written as 0 or as text. A device without any numeric measurement gives no point.
// - `tags` are strings: `serial` (the supervisor's masked, as everywhere), `device_type`, `model`, the
//   meter `role`, the user's `label`, when known. The site and live points carry `pvs`, the supervisor's masked
//   serial, so that two PVSs writing to one database keep two sites.
import { Device, meterRole } from "../device";
import { DeviceListPayload } from "../device-list-output";
import { setOwn } from "../safe-object";
import { isMeasurement, liveMetrics, safeId, safeText, siteMetrics } from "./common";

export interface InfluxPoint {
  measurement: string;
  tags: { [tag: string]: string };
  fields: { [field: string]: number };
  /** When the data was sampled; absent when the PVS gave no time (InfluxDB then uses its own clock). */
  timestamp?: Date;
}

export interface InfluxOptions {
  /** Measurement names start with this and `_` (default "pvs"). */
  prefix?: string;
}

/** A measurement name prefix made of letters, digits and `_` (a topic-style "home/pvs" becomes "home_pvs"). */
export function measurementPrefix(prefix: string | undefined): string {
  return safeId(prefix ?? "") || "pvs";
}

function timeOf(...times: Array<string | null | undefined>): Date | undefined {
  for (const t of times) {
    if (typeof t !== "string") continue;
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return new Date(ms);
  }
  return undefined;
}

function withTimestamp(point: Omit<InfluxPoint, "timestamp">, timestamp: Date | undefined): InfluxPoint {
  return timestamp ? { ...point, timestamp } : point;
}

function tagsOf(device: Device): InfluxPoint["tags"] {
  const tags: InfluxPoint["tags"] = {};
  const put = (name: string, value: string | null | undefined) => {
    // node-influx escapes commas, spaces and `=` in tags, not a newline, which would end the point.
    const clean = typeof value === "string" ? safeText(value) : "";
    if (clean !== "") tags[name] = clean;
  };
  put("serial", device.serial);
  put("device_type", device.deviceType);
  put("model", device.model);
  put("role", meterRole(device));
  put("label", device.label);
  return tags;
}

function fieldsOf(entries: Iterable<[string, number | null]>): InfluxPoint["fields"] | null {
  const fields: InfluxPoint["fields"] = {};
  let any = false;
  for (const [name, value] of entries) {
    // `time` is reserved by InfluxDB; the PVS has no such measurement, but a point must never carry one.
    if (!isMeasurement(value) || name === "time") continue;
    const key = safeText(name);
    if (key !== "") setOwn(fields, key, value);
    any = true;
  }
  return any ? fields : null;
}

/** The points of one device-list payload, in the order of its devices, then the site, then the PVS's totals. */
export function influxPoints(payload: DeviceListPayload, options: InfluxOptions = {}): InfluxPoint[] {
  const prefix = measurementPrefix(options.prefix);
  const points: InfluxPoint[] = [];
  for (const device of payload.devices) {
    // Without a serial a device has no identity: its points could not be told apart from another's.
    if (device.serial === null || device.serial.trim() === "") continue;
    const fields = fieldsOf(Object.entries(device.metrics));
    if (!fields) continue;
    const measurement = `${prefix}_${safeId(device.category)}`;
    points.push(withTimestamp({ measurement, tags: tagsOf(device), fields }, timeOf(device.dataTime, payload.time)));
  }
  const pvs: InfluxPoint["tags"] = {};
  const pvsSerial = safeText(payload.supervisor?.serial ?? "");
  if (pvsSerial !== "") pvs.pvs = pvsSerial;
  const site = fieldsOf(siteMetrics(payload));
  if (site)
    points.push(withTimestamp({ measurement: `${prefix}_site`, tags: { ...pvs }, fields: site }, timeOf(payload.time)));
  const live = fieldsOf(liveMetrics(payload));
  if (live)
    points.push(
      withTimestamp(
        { measurement: `${prefix}_live`, tags: { ...pvs }, fields: live },
        timeOf(payload.live?.time, payload.time),
      ),
    );
  return points;
}
