// pvs-device-list: polls Command=DeviceList and sends the normalized device list.
import { NodeAPI, Node, NodeMessage, NodeStatus } from "node-red";
import { DeviceListPayload, productionKw } from "./model/device";
import { legacySecrets, normalizeDeviceList } from "./model/legacy-device-list";
import { redactDeep } from "./model/redact";
import { legacyCommand } from "./pvs/legacy";
import { setupPollingNode } from "./node-red/polling-node";
import { clock, Translate } from "./node-red/status";
import { PollingDef, PvsConfigNode } from "./node-red/types";

interface DeviceListDef extends PollingDef {
  includeRaw: boolean;
}

export = function (RED: NodeAPI): void {
  function PvsDeviceList(this: Node, def: DeviceListDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(def.server) as PvsConfigNode | null;
    setupPollingNode(RED, node, def, {
      request: legacyCommand("DeviceList"),
      defaultTopic: "pvs/device-list",
      toMessage(raw, base) {
        const payload = normalizeDeviceList(raw);
        const msg: NodeMessage = { ...base, payload, pvs: { host: config?.label ?? null, api: "legacy", command: "DeviceList" } };
        if (def.includeRaw) msg.raw = redactDeep(raw, legacySecrets(raw));
        return msg;
      },
      okStatus(msg, t: Translate): NodeStatus {
        const payload = msg?.payload as DeviceListPayload;
        const kw = productionKw(payload);
        const count = payload.inverters.length;
        const power = kw === null ? t("status.noPower") : `${kw.toFixed(2)} kW`;
        return { fill: "green", shape: "dot", text: `${t("status.inverters", { count })} · ${power} · ${clock()}` };
      },
    });
  }

  RED.nodes.registerType("pvs-device-list", PvsDeviceList);
};
