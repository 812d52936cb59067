// pvs-comm: polls Command=Get_Comm and sends the PVS's network interfaces.
import { NodeAPI, Node, NodeMessage, NodeStatus } from "node-red";
import { commChanged, CommPayload, normalizeComm } from "./model/legacy-comm";
import { legacyCommand } from "./pvs/legacy";
import { setupPollingNode } from "./node-red/polling-node";
import { clock, Translate } from "./node-red/status";
import { PollingDef, PvsConfigNode } from "./node-red/types";

const GET_COMM = legacyCommand("Get_Comm");

interface CommDef extends PollingDef {
  onlyOnChange: boolean;
}

export = function (RED: NodeAPI): void {
  function PvsComm(this: Node, def: CommDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(def.server) as PvsConfigNode | null;
    let last: CommPayload | null = null;
    setupPollingNode(RED, node, def, {
      defaultTopic: "pvs/comm",
      async produce({ client, signal }, base) {
        const raw = await client.request(GET_COMM, signal);
        const payload = normalizeComm(raw);
        const changed = commChanged(last, payload);
        last = payload;
        if (def.onlyOnChange && !changed) return null;
        return { ...base, payload, pvs: { host: config?.label ?? null, api: "legacy", command: "Get_Comm" } } as NodeMessage;
      },
      okStatus(_msg, t: Translate): NodeStatus {
        const system = last?.system;
        const name = system?.interface ?? t("status.noInterface");
        if (system?.internet === true) return { fill: "green", shape: "dot", text: `${name} · ${t("status.internetUp")} · ${clock()}` };
        return { fill: "yellow", shape: "ring", text: `${name} · ${t("status.internetDown")} · ${clock()}` };
      },
    });
  }

  RED.nodes.registerType("pvs-comm", PvsComm);
};
