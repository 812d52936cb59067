// pvs-config: one PVS. Owns the connection (API detection, the shared client, the LocalAPI session) that
// every node using this PVS goes through, and answers the editor's question "what did you find?".
import { Node, NodeAPI } from "node-red";
import { PvsConnection } from "./pvs/connection";
import { ApiSetting } from "./pvs/detect";
import { normalizeFingerprint } from "./pvs/tls-trust";
import { endpointLabel, Protocol } from "./pvs/transport";
import { cleanHost, CONFIG_DEFAULTS as DEFAULTS } from "./node-red/config-settings";
import { numberSetting } from "./node-red/numbers";
import { siteMemoryStore } from "./node-red/site-memory-store";
import { PvsConfigCredentials, PvsConfigDef, PvsConfigNode } from "./node-red/types";

/** A variable read is quick or hangs; a DeviceList may take a minute. */
const LOCALAPI_TIMEOUT_MAX_MS = 15_000;

export = function (RED: NodeAPI): void {
  function PvsConfig(this: PvsConfigNode, def: PvsConfigDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const users = new Set<string>();
    const host = cleanHost(def.host || DEFAULTS.host);
    const protocol: Protocol = def.protocol === "https" ? "https" : "http";
    const api: ApiSetting = def.api === "legacy" || def.api === "localapi" ? def.api : "auto";
    const port = numberSetting(def.port, protocol === "https" ? 443 : DEFAULTS.port, 1, 65535, "port");
    const localPort = numberSetting(def.localPort, DEFAULTS.localPort, 1, 65535, "LocalAPI port");
    const timeout = numberSetting(def.timeout, DEFAULTS.timeoutS, 1, 600, "timeout");
    const spacing = numberSetting(def.minSpacing, DEFAULTS.minSpacingS, 0, 3600, "minimum spacing");
    const deviceListEvery = numberSetting(def.deviceListEvery, DEFAULTS.deviceListEveryS, 0, 24 * 3600, "DeviceList interval");
    const pinnedText = typeof def.fingerprint === "string" ? def.fingerprint.trim() : "";
    const pinned = pinnedText === "" ? null : normalizeFingerprint(pinnedText);
    const password = typeof node.credentials?.password === "string" && node.credentials.password.trim() !== "" ? node.credentials.password.trim() : null;
    const problems = [
      host ? null : `host "${String(def.host)}" is not a host name or IP address`,
      "error" in port ? port.error : null,
      "error" in localPort ? localPort.error : null,
      "error" in timeout ? timeout.error : null,
      "error" in spacing ? spacing.error : null,
      "error" in deviceListEvery ? deviceListEvery.error : null,
      pinnedText !== "" && pinned === null ? "the pinned certificate fingerprint is not a SHA-256 fingerprint (64 hex digits)" : null,
    ].filter((p): p is string => p !== null);

    node.configError = problems.length ? problems.join("; ") : null;
    node.label = endpointLabel({ protocol, host: host ?? String(def.host), port: "value" in port ? port.value : DEFAULTS.port });
    node.pvs =
      host && "value" in port && "value" in localPort && "value" in timeout && "value" in spacing && "value" in deviceListEvery && problems.length === 0
        ? new PvsConnection({
            api,
            protocol,
            host,
            port: port.value,
            localApiPort: localPort.value,
            timeoutMs: timeout.value * 1000,
            localApiTimeoutMs: Math.min(timeout.value * 1000, LOCALAPI_TIMEOUT_MAX_MS),
            spacingMs: spacing.value * 1000,
            heavyIntervalMs: deviceListEvery.value * 1000,
            password,
            pinnedFingerprint: pinned,
          })
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
      users.clear();
      // Cancels whatever is still waiting or on the wire (the users' own close handlers drop late answers)
      // and ends the LocalAPI session, so that redeploys do not leave sessions open on the PVS.
      const closing = node.pvs ? node.pvs.close() : Promise.resolve();
      closing.then(
        () => done(),
        () => done(),
      );
    });
  }

  RED.nodes.registerType<PvsConfigNode, PvsConfigDef, unknown, PvsConfigCredentials>("pvs-config", PvsConfig, { credentials: { password: { type: "password" } } });

  // The editor asks a deployed pvs-config what it found: API, model, build, masked serial, certificate.
  RED.httpAdmin.get("/pvs-config/:id/info", RED.auth.needsPermission("pvs-config.read"), (req, res) => {
    const id = String(req.params.id);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
      res.status(400).json({ error: "bad node id" });
      return;
    }
    const found = RED.nodes.getNode(id) as PvsConfigNode | null;
    if (!found || found.type !== "pvs-config") {
      res.json({ deployed: false });
      return;
    }
    const pvs = found.pvs;
    res.json({ deployed: true, label: found.label, configError: found.configError, ...(pvs ? { ...pvs.info(), health: pvs.health(), budget: pvs.budget() } : {}) });
  });
};
