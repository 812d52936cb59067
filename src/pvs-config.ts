// pvs-config: one PVS. Owns the single shared client that every node using this PVS goes through.
import { Node, NodeAPI } from "node-red";
import { PvsClient } from "./pvs/client";
import { endpointLabel, Protocol } from "./pvs/transport";
import { cleanHost, CONFIG_DEFAULTS as DEFAULTS } from "./node-red/config-settings";
import { numberSetting } from "./node-red/numbers";
import { siteMemoryStore } from "./node-red/site-memory-store";
import { PvsConfigDef, PvsConfigNode } from "./node-red/types";

export = function (RED: NodeAPI): void {
  function PvsConfig(this: PvsConfigNode, def: PvsConfigDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const users = new Set<string>();
    const host = cleanHost(def.host || DEFAULTS.host);
    const protocol: Protocol = def.protocol === "https" ? "https" : "http";
    const port = numberSetting(def.port, protocol === "https" ? 443 : DEFAULTS.port, 1, 65535, "port");
    const timeout = numberSetting(def.timeout, DEFAULTS.timeoutS, 1, 600, "timeout");
    const spacing = numberSetting(def.minSpacing, DEFAULTS.minSpacingS, 0, 3600, "minimum spacing");
    const problems = [
      host ? null : `host "${String(def.host)}" is not a host name or IP address`,
      "error" in port ? port.error : null,
      "error" in timeout ? timeout.error : null,
      "error" in spacing ? spacing.error : null,
    ].filter((p): p is string => p !== null);

    node.configError = problems.length ? problems.join("; ") : null;
    node.label = endpointLabel({ protocol, host: host ?? String(def.host), port: "value" in port ? port.value : DEFAULTS.port });
    node.client =
      host && "value" in port && "value" in timeout && "value" in spacing
        ? new PvsClient({ protocol, host, port: port.value, timeoutMs: timeout.value * 1000, spacingMs: spacing.value * 1000 })
        : null;
    node.siteMemory = siteMemoryStore(node, node.label);
    if (node.configError) node.error(`PVS settings: ${node.configError}`);

    node.register = (user: Node) => {
      users.add(user.id);
    };
    node.deregister = (user: Node) => {
      users.delete(user.id);
    };
    node.userCount = () => users.size;

    node.on("close", (removed: boolean, done: () => void) => {
      if (removed) node.siteMemory.forget();
      // Cancels whatever is still waiting or on the wire; the users' own close handlers drop late answers.
      node.client?.close();
      users.clear();
      done();
    });
  }

  RED.nodes.registerType("pvs-config", PvsConfig);
};
