// pvs-inverter-split: one message per device of a pvs-device-list message, in chunks so that a list of
// hundreds of inverters never blocks the runtime.
import { NodeAPI, Node, NodeDef, NodeMessage, NodeMessageInFlow } from "node-red";
import { Device, devicesOf, splitGroup } from "../../src/model/device";
import { SplitGroup } from "../../src/model/device-types";
import { PvsError } from "../../src/pvs/http/errors";
import { ChunkedSender } from "../../src/node-red/chunked-send";
import { clock, errorStatus, translator } from "../../src/node-red/status";
import { migrateSettings } from "../../src/node-red/node-settings";

interface SplitDef extends NodeDef {
  topicPrefix: string;
  /** Where the prefix comes from: "str" (as typed), or msg, flow, global, env (a TypedInput). */
  topicPrefixType?: string;
  splitInverters: boolean;
  splitMeters: boolean;
  splitSupervisor: boolean;
  splitOther: boolean;
  /** "single": everything on one output; "perType": inverters, meters, supervisor, other on outputs 1-4. */
  outputMode: "single" | "perType";
  /**
   * Only these devices (serials as outputs show them), picked in the editor; empty = every device of the ticked kinds.
   */
  serials?: unknown;
}

const OUTPUT_INDEX: Record<SplitGroup, number> = { inverter: 0, meter: 1, supervisor: 2, other: 3 };

/** Topic segment: the category, or for "other" the device type, made safe for MQTT topics. */
function topicSegment(device: Device, category: SplitGroup): string {
  return category === "other"
    ? topicSafe((device.deviceType ?? "device").toLowerCase().replace(/\s+/g, "-"))
    : category;
}

function topicSafe(s: string): string {
  return s.replace(/[+#/\s]/g, "_");
}

/** A split that could not be made: a stable code for Catch nodes, as the package's other errors carry. */
type SplitError = Error & { code: "PVS_SPLIT_FAILED" };

function splitError(message: string): SplitError {
  return Object.assign(new Error(message), { code: "PVS_SPLIT_FAILED" as const });
}

function isSplitError(err: Error): err is SplitError {
  return (err as { code?: unknown }).code === "PVS_SPLIT_FAILED";
}

export = function (RED: NodeAPI): void {
  function PvsInverterSplit(this: Node, def: SplitDef): void {
    RED.nodes.createNode(this, def);
    def = migrateSettings("pvs-inverter-split", def);
    const node = this;
    const t = translator(RED);
    const prefixType = ["msg", "flow", "global", "env"].includes(def.topicPrefixType ?? "")
      ? (def.topicPrefixType as string)
      : "str";
    const cleanPrefix = (value: unknown): string | null => {
      if (value === undefined || value === null || value === "") return "pvs";
      if (typeof value !== "string" || /[+#]/.test(value)) return null;
      return value.trim().replace(/\/+$/, "") || "pvs";
    };
    /** The topic prefix for one message: as typed, or read from the message, context or environment. */
    const prefixFor = (msg: NodeMessageInFlow): Promise<string | null> =>
      prefixType === "str"
        ? Promise.resolve(cleanPrefix(def.topicPrefix))
        : new Promise((resolve) => {
            RED.util.evaluateNodeProperty(def.topicPrefix ?? "", prefixType, node, msg, (err, value: unknown) =>
              resolve(err ? null : cleanPrefix(value)),
            );
          });
    const perType = def.outputMode === "perType";
    const wanted: Record<SplitGroup, boolean> = {
      inverter: def.splitInverters !== false,
      meter: def.splitMeters === true,
      supervisor: def.splitSupervisor === true,
      other: def.splitOther === true,
    };
    const only = new Set(
      Array.isArray(def.serials) ? def.serials.filter((s): s is string => typeof s === "string" && s !== "") : [],
    );
    // Splits still sending, a chunk per event-loop turn: other flows keep running during a 1,000-device split.
    const sender = new ChunkedSender();

    node.on("input", (msg, send, done) => {
      prefixFor(msg).then(
        (prefix) => split(msg, send, done, prefix),
        () => split(msg, send, done, null),
      );
    });

    const split = (
      msg: NodeMessageInFlow,
      send: (m: NodeMessage[][]) => void,
      done: (err?: Error) => void,
      prefix: string | null,
    ): void => {
      if (prefix === null) {
        const error = new PvsError("PVS_BAD_INPUT", "the topic prefix is not a text without MQTT wildcards (+, #)");
        node.status(errorStatus(t, error));
        done(error);
        return;
      }
      const devices = devicesOf(msg.payload);
      if (typeof devices === "string") {
        const error = new PvsError("PVS_BAD_INPUT", devices);
        node.status(errorStatus(t, error));
        done(error);
        return;
      }
      const selected = devices.filter(
        (d) => wanted[splitGroup(d)] && (only.size === 0 || (d.serial !== null && only.has(d.serial))),
      );
      const counts = [0, 0, 0, 0];
      const totals = [0, 0, 0, 0];
      for (const d of selected) totals[perType ? OUTPUT_INDEX[splitGroup(d)] : 0]++;
      const { payload: _payload, topic: _topic, parts: _parts, _msgid, ...carried } = msg as NodeMessageInFlow;
      const sequence = RED.util.generateId();

      const messageFor = (device: Device, index: number): [number, NodeMessage] => {
        const category = splitGroup(device);
        const output = perType ? OUTPUT_INDEX[category] : 0;
        const position = counts[output]++;
        const serial = topicSafe(device.serial ?? `unknown-${index}`);
        return [
          output,
          {
            ...carried,
            topic: `${prefix}/${topicSegment(device, category)}/${serial}`,
            payload: structuredClone(device),
            deviceType: device.deviceType,
            ...(device.label !== undefined ? { label: device.label } : {}),
            parts: { id: `${sequence}-${output}`, index: position, count: totals[output], type: "array" },
          },
        ];
      };
      // Built lazily, a chunk per turn; the sender reads them all before it sends the first one.
      function* messages(): Generator<[number, NodeMessage]> {
        for (let i = 0; i < selected.length; i++) {
          let built: [number, NodeMessage];
          try {
            built = messageFor(selected[i], i);
          } catch (err) {
            throw splitError(
              `device ${i + 1} of ${selected.length} (${selected[i].deviceType ?? "unknown type"}) cannot be copied into a message, so none was sent: ${err instanceof Error ? err.message : String(err)}`,
            );
          }
          yield built;
        }
      }

      sender
        .send(messages(), (chunk) => {
          const outputs: NodeMessage[][] = perType ? [[], [], [], []] : [[]];
          for (const [output, out] of chunk) outputs[output].push(out);
          send(outputs);
        })
        .then(
          (sent) => {
            // Fewer than selected: the node closed part way.
            if (sent === selected.length)
              node.status({
                fill: "green",
                shape: "dot",
                text: `${t("status.sent", { count: selected.length })} · ${clock()}`,
              });
            done();
          },
          (err: Error) => {
            const error = isSplitError(err) ? err : splitError(`sending the split failed: ${err.message}`);
            node.status({ fill: "red", shape: "ring", text: `${t("status.splitFailed")} · ${clock()}` });
            // done(err) reports it as node.error(err, msg) does: once, to Catch nodes, with the code.
            done(error);
          },
        );
    };

    node.on("close", (_removed: boolean, done: () => void) => {
      sender.cancel();
      node.status({});
      done();
    });
  }

  RED.nodes.registerType("pvs-inverter-split", PvsInverterSplit);
};
