// The split benchmark's baseline: what a user's function node would do with a device list, one message per
// inverter sent in one synchronous loop (each payload a copy, as pvs-inverter-split makes).
import { Node, NodeAPI, NodeMessageInFlow } from "node-red";

export = function (RED: NodeAPI): void {
  function NaiveSplit(this: Node, def: { id: string }): void {
    RED.nodes.createNode(this, def as never);
    this.on("input", (msg: NodeMessageInFlow, send, done) => {
      const payload = msg.payload as { inverters?: unknown[] };
      for (const inverter of payload.inverters ?? [])
        send({ topic: "pvs/inverter", payload: structuredClone(inverter) });
      done();
    });
  }
  RED.nodes.registerType("naive-split", NaiveSplit);
};
