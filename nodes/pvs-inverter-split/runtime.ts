// pvs-inverter-split: one message per device of a pvs-device-list message, in chunks so that a list of
// hundreds of inverters never blocks the runtime. The split itself is src/model/split.ts.
import { NodeAPI, Node, NodeDef, NodeMessage, NodeMessageInFlow } from "node-red";
import { splitDeviceList, SplitError, SplitSettings, topicPrefixOf } from "../../src/model/split";
import { PvsError } from "../../src/pvs/http/errors";
import { ChunkedSender } from "../../src/node-red/chunked-send";
import { clock, errorStatus, translator } from "../../src/node-red/status";
import { migrateSettings } from "../../src/node-red/node-settings";
import { PVS_INVERTER_SPLIT_SETTINGS } from "./settings";

interface SplitDef extends NodeDef, SplitSettings {
  topicPrefix: string;
  /** Where the prefix comes from: "str" (as typed), or msg, flow, global, env (a TypedInput). */
  topicPrefixType?: string;
}

type Done = (err?: Error) => void;

export = function (RED: NodeAPI): void {
  function PvsInverterSplit(this: Node, def: SplitDef): void {
    RED.nodes.createNode(this, def);
    def = migrateSettings(PVS_INVERTER_SPLIT_SETTINGS, def);
    const node = this;
    const t = translator(RED);
    const prefixType = ["msg", "flow", "global", "env"].includes(def.topicPrefixType ?? "")
      ? (def.topicPrefixType as string)
      : "str";
    /** The topic prefix for one message: as typed, or read from the message, context or environment. */
    const prefixFor = (msg: NodeMessageInFlow): Promise<string | null> =>
      prefixType === "str"
        ? Promise.resolve(topicPrefixOf(def.topicPrefix))
        : new Promise((resolve) => {
            RED.util.evaluateNodeProperty(def.topicPrefix ?? "", prefixType, node, msg, (err, value: unknown) =>
              resolve(err ? null : topicPrefixOf(value)),
            );
          });
    // Splits still sending, a chunk per event-loop turn: other flows keep running during a 1,000-device split.
    const sender = new ChunkedSender();

    const split = (msg: NodeMessageInFlow, send: (m: NodeMessage[][]) => void, done: Done, prefix: string | null) => {
      const result = splitDeviceList(msg as Record<string, unknown>, def, { prefix, sequence: RED.util.generateId() });
      if (result instanceof SplitError) {
        const error = new PvsError("PVS_BAD_INPUT", result.message);
        node.status(errorStatus(t, error));
        return done(error);
      }
      sender
        .send(result.messages, (chunk) => {
          const outputs: NodeMessage[][] = Array.from({ length: result.outputs }, () => []);
          for (const [output, out] of chunk) outputs[output].push(out as NodeMessage);
          send(outputs);
        })
        .then(
          (sent) => {
            // Fewer than selected: the node closed part way.
            if (sent === result.count) {
              const text = `${t("status.sent", { count: result.count })} · ${clock()}`;
              node.status({ fill: "green", shape: "dot", text });
            }
            done();
          },
          (err: Error) => {
            const error =
              err instanceof SplitError
                ? err
                : new SplitError("PVS_SPLIT_FAILED", `sending the split failed: ${err.message}`);
            node.status({ fill: "red", shape: "ring", text: `${t("status.splitFailed")} · ${clock()}` });
            // done(err) reports it as node.error(err, msg) does: once, to Catch nodes, with the code.
            done(error);
          },
        );
    };

    node.on("input", (msg, send, done) => {
      prefixFor(msg).then(
        (prefix) => split(msg, send, done, prefix),
        () => split(msg, send, done, null),
      );
    });

    node.on("close", (_removed: boolean, done: () => void) => {
      sender.cancel();
      node.status({});
      done();
    });
  }

  RED.nodes.registerType("pvs-inverter-split", PvsInverterSplit);
};
