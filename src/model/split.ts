// pvs-inverter-split's split, without Node-RED: a pvs-device-list payload in, one message per selected device
// out (topic <prefix>/<kind>/<serial>, a copy of the device, parts for a join), on one output or one per kind.
import { Device, devicesOf, splitGroup } from "./device";
import { SplitGroup } from "./device-types";

/** What the node's form says (its `defaults`); absent or odd values mean the form's defaults. */
export interface SplitSettings {
  splitInverters?: boolean;
  splitMeters?: boolean;
  splitSupervisor?: boolean;
  splitOther?: boolean;
  /** "single": everything on one output; "perType": inverters, meters, supervisor, other on outputs 1-4. */
  outputMode?: string;
  /** Only these devices (serials as outputs show them); empty = every device of the ticked kinds. */
  serials?: unknown;
}

export interface SplitOptions {
  /** The topic prefix, checked by topicPrefixOf; null when it was unusable. */
  prefix: string | null;
  /** Names the split's sequences: parts.id is `<sequence>-<output>`. */
  sequence: string;
}

/** A split that could not be made, with a stable code for Catch nodes as the package's other errors carry. */
export class SplitError extends Error {
  constructor(
    readonly code: "PVS_BAD_INPUT" | "PVS_SPLIT_FAILED",
    message: string,
  ) {
    super(message);
  }
}

/** One device's message; the input message's other properties are carried along. */
export interface DeviceMessage {
  topic: string;
  payload: Device;
  deviceType: string | null;
  label?: string;
  parts: { id: string; index: number; count: number; type: "array" };
  [carried: string]: unknown;
}

export interface Split {
  /** How many messages: the selected devices. */
  count: number;
  /** How many outputs the messages go to: 1, or 4 (inverters, meters, supervisor, other). */
  outputs: number;
  /**
   * The messages with their output index, built as they are read, so that a sender can spread the copying of
   * a thousand devices over turns of the event loop. Reading throws a PVS_SPLIT_FAILED SplitError for a device
   * that cannot be copied (a function put into the payload by a flow).
   */
  messages: Iterable<[number, DeviceMessage]>;
}

const OUTPUT_INDEX: Record<SplitGroup, number> = { inverter: 0, meter: 1, supervisor: 2, other: 3 };

/** A topic prefix as typed or read (message, context, environment): text without MQTT wildcards, or null. */
export function topicPrefixOf(value: unknown): string | null {
  if (value === undefined || value === null || value === "") return "pvs";
  if (typeof value !== "string" || /[+#]/.test(value)) return null;
  return value.trim().replace(/\/+$/, "") || "pvs";
}

function topicSafe(s: string): string {
  return s.replace(/[+#/\s]/g, "_");
}

/** Topic segment: the category, or for "other" the device type, made safe for MQTT topics. */
function topicSegment(device: Device, category: SplitGroup): string {
  return category === "other"
    ? topicSafe((device.deviceType ?? "device").toLowerCase().replace(/\s+/g, "-"))
    : category;
}

/** The split of one input message (`payload` a pvs-device-list payload), or why there is none. */
export function splitDeviceList(
  msg: Record<string, unknown>,
  settings: SplitSettings,
  options: SplitOptions,
): Split | SplitError {
  const { prefix, sequence } = options;
  if (prefix === null)
    return new SplitError("PVS_BAD_INPUT", "the topic prefix is not a text without MQTT wildcards (+, #)");
  const devices = devicesOf(msg.payload);
  if (typeof devices === "string") return new SplitError("PVS_BAD_INPUT", devices);
  const perType = settings.outputMode === "perType";
  const wanted: Record<SplitGroup, boolean> = {
    inverter: settings.splitInverters !== false,
    meter: settings.splitMeters === true,
    supervisor: settings.splitSupervisor === true,
    other: settings.splitOther === true,
  };
  const serials = Array.isArray(settings.serials) ? settings.serials : [];
  const only = new Set(serials.filter((s): s is string => typeof s === "string" && s !== ""));
  const selected = devices.filter(
    (d) => wanted[splitGroup(d)] && (only.size === 0 || (d.serial !== null && only.has(d.serial))),
  );
  const outputOf = (d: Device) => (perType ? OUTPUT_INDEX[splitGroup(d)] : 0);
  const totals = [0, 0, 0, 0];
  for (const d of selected) totals[outputOf(d)]++;
  const { payload: _payload, topic: _topic, parts: _parts, _msgid, ...carried } = msg;

  const messageFor = (device: Device, index: number): [number, DeviceMessage] => {
    const category = splitGroup(device);
    const output = outputOf(device);
    const serial = topicSafe(device.serial ?? `unknown-${index}`);
    const message: DeviceMessage = {
      ...carried,
      topic: `${prefix}/${topicSegment(device, category)}/${serial}`,
      payload: structuredClone(device),
      deviceType: device.deviceType,
      ...(device.label !== undefined ? { label: device.label } : {}),
      parts: { id: `${sequence}-${output}`, index: 0, count: totals[output], type: "array" },
    };
    return [output, message];
  };

  function* messages(): Generator<[number, DeviceMessage]> {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < selected.length; i++) {
      let built: [number, DeviceMessage];
      try {
        built = messageFor(selected[i], i);
      } catch (err) {
        // A device no copy can be made of (a function put into the payload by a flow), or a serial or type
        // that is not text: the whole split fails, so that a join downstream never waits for a missing part.
        throw new SplitError(
          "PVS_SPLIT_FAILED",
          `device ${i + 1} of ${selected.length} (${selected[i].deviceType ?? "unknown type"}) cannot be copied into a message, so none was sent: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      built[1].parts.index = counts[built[0]]++;
      yield built;
    }
  }

  return { count: selected.length, outputs: perType ? 4 : 1, messages: { [Symbol.iterator]: messages } };
}
