// pvs-comm: polls Command=Get_Comm and sends the PVS's network interfaces.
import { NodeAPI, Node, NodeMessage, NodeStatus } from "node-red";
import { commChanged, CommPayload } from "../../src/model/legacy-comm";
import { setupPollingNode } from "../../src/node-red/polling-node";
import { apiTag, clock, MessageSource, sourceOf, Translate } from "../../src/node-red/status";
import { PollingDef } from "../../src/node-red/types";
import { migrateSettings } from "../../src/node-red/node-settings";
import { PVS_COMM_SETTINGS } from "./settings";

interface CommDef extends PollingDef {
  onlyOnChange: boolean;
}

export = function (RED: NodeAPI): void {
  function PvsComm(this: Node, def: CommDef): void {
    RED.nodes.createNode(this, def);
    def = migrateSettings(PVS_COMM_SETTINGS, def);
    const node = this;
    let last: CommPayload | null = null;
    let source: MessageSource | null = null;
    setupPollingNode(RED, node, def, {
      settings: PVS_COMM_SETTINGS,
      defaultTopic: "pvs/comm",
      async produce({ pvs, config, signal, read }, base) {
        const { api, payload } = await pvs.readComm(signal, read);
        const changed = commChanged(last, payload);
        last = payload;
        source = sourceOf(config.endpoint, pvs, api === "legacy" ? "Get_Comm" : "varserver");
        if (def.onlyOnChange && !changed) return null;
        return { ...base, payload, pvs: source } as NodeMessage;
      },
      okStatus(_msg, t: Translate): NodeStatus {
        const system = last?.system;
        const name = system?.interface ?? t("status.noInterface");
        const tag = source ? ` · ${apiTag(source)}` : "";
        if (system?.internet === true)
          return { fill: "green", shape: "dot", text: `${name} · ${t("status.internetUp")}${tag} · ${clock()}` };
        // The LocalAPI does not say whether the internet is reachable: no claim either way.
        if (system?.internet === null && system.interface !== null)
          return { fill: "green", shape: "dot", text: `${name} · ${t("status.linkUp")}${tag} · ${clock()}` };
        return { fill: "yellow", shape: "ring", text: `${name} · ${t("status.internetDown")}${tag} · ${clock()}` };
      },
    });
  }

  RED.nodes.registerType("pvs-comm", PvsComm);
};
