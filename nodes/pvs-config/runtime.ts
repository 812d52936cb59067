// pvs-config: one PVS. Holds the connection (API detection, the shared client, the LocalAPI session) that
// every node using this PVS goes through, shared with every other pvs-config node on the same PVS and kept over
// redeploys (src/node-red/pvs-registry.ts), and answers the editor's question "what did you find?".
import { Node, NodeAPI } from "node-red";
import { ConnectionMemo, PvsConnection } from "../../src/pvs/connection/connection";
import { Lease, samePvs } from "../../src/node-red/pvs-registry";
import { sharedConnections } from "../../src/node-red/shared-connections";
import { ConfigSettings, parseSettings } from "../../src/node-red/config-settings";
import {
  connectionKey,
  STORED_PASSWORD,
  storedPasswordRefusal,
  testConnection,
} from "../../src/node-red/connection-test";
import { siteMemoryStore } from "../../src/node-red/site-memory-store";
import { diagnosticsFile, diagnosticsFileName } from "../../src/node-red/diagnostics-download";
import { PvsConfigCredentials, PvsConfigDef, PvsConfigNode } from "../../src/node-red/types";
import { migrateSettings } from "../../src/node-red/node-settings";

/** Context key of the connection memo a restart takes over (see PvsConnection.memo). */
const CONNECTION_MEMO = "pvsConnectionMemo";

export = function (RED: NodeAPI): void {
  function PvsConfig(this: PvsConfigNode, def: PvsConfigDef): void {
    RED.nodes.createNode(this, def);
    // A node saved by an earlier version: its missing settings are their defaults (src/node-red/node-settings.ts).
    def = migrateSettings("pvs-config", def);
    const node = this;
    const users = new Set<string>();
    const password =
      typeof node.credentials?.password === "string" && node.credentials.password.trim() !== ""
        ? node.credentials.password.trim()
        : null;
    const settings = parseSettings(def, password);
    node.configError = settings.problems.length ? settings.problems.join("; ") : null;
    node.label = settings.label;
    const lease: Lease | null = settings.options
      ? sharedConnections.acquire({ id: node.id, name: node.name || node.label }, settings.options)
      : null;
    node.pvs = lease?.connection ?? null;
    node.connectionKey = settings.options ? connectionKey(settings.options) : null;
    node.pvsKey = lease?.key ?? null;
    node.shared = () => lease?.shared() ?? null;
    node.siteMemory = siteMemoryStore(node, node.label, lease?.key ?? null);
    if (node.configError) node.error(`PVS settings: ${node.configError}`);
    // A restart takes over the last detection, DeviceList start and lock-out where a context store keeps them;
    // nothing secret is in the memo (PvsConnection.memo). A memo of another PVS (address changed) is
    // ignored; one an earlier version keyed with the API setting and pin too is this PVS's. It is stored whenever
    // it changes, not only on close, so that a crash does not lose it.
    const saveMemo = (memo: ConnectionMemo) => {
      try {
        if (lease) node.context().set(CONNECTION_MEMO, { pvs: lease.key, memo });
      } catch {
        // Kept in memory over redeploys anyway (the grace period); only a restart would detect afresh.
      }
    };
    const stopSaving = lease ? lease.connection.onMemo(saveMemo) : () => undefined;
    if (lease) {
      try {
        node.context().get(CONNECTION_MEMO, (err: Error | undefined, saved: unknown) => {
          const memo = saved as { pvs?: unknown; memo?: unknown } | undefined;
          if (!err && memo && samePvs(memo.pvs, lease.key)) lease.connection.restore(memo.memo);
        });
      } catch {
        // No context store to read: a restart then detects afresh, as before.
      }
    }

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
      // The users' own close handlers have cancelled their requests. The last node of a PVS to let go keeps
      // the connection for the grace period (a redeploy takes it back); after it, the connection is closed and
      // the LocalAPI session ended, so that neither redeploys nor deleted nodes leave sessions open on the PVS.
      stopSaving();
      const memo = lease && !removed ? lease.connection.memo() : null;
      if (memo) saveMemo(memo);
      const closing = lease ? lease.release(removed) : Promise.resolve();
      closing.then(
        () => done(),
        () => done(),
      );
    });
  }

  RED.nodes.registerType<PvsConfigNode, PvsConfigDef, unknown, PvsConfigCredentials>("pvs-config", PvsConfig, {
    credentials: { password: { type: "password" } },
  });

  const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;
  const deployedConfig = (id: string): PvsConfigNode | null => {
    const found = RED.nodes.getNode(id) as PvsConfigNode | null;
    return found && found.type === "pvs-config" ? found : null;
  };

  // The device pickers: the devices every deployed PVS listed in its last poll (serials as outputs show them).
  RED.httpAdmin.get("/pvs-config/devices", RED.auth.needsPermission("pvs-config.read"), (_req, res) => {
    const pvs: Array<{ id: string; label: string; devices: ReturnType<PvsConnection["devices"]> }> = [];
    RED.nodes.eachNode((def) => {
      const found = def.type === "pvs-config" ? deployedConfig(def.id) : null;
      if (found?.pvs) pvs.push({ id: found.id, label: found.name || found.label, devices: found.pvs.devices() });
    });
    res.json({ pvs });
  });

  // "Test connection": the form's settings (the stored password when the form shows its placeholder, for the
  // deployed PVS only). Only the package's own read-only requests to that PVS can result; one test at a time.
  let testing = false;
  RED.httpAdmin.post("/pvs-config/:id/test", RED.auth.needsPermission("pvs-config.write"), (req, res) => {
    const id = String(req.params.id);
    const body: unknown = req.body;
    if (!NODE_ID.test(id) || typeof body !== "object" || body === null || Array.isArray(body)) {
      res.status(400).json({ error: "bad request" });
      return;
    }
    if (testing) {
      res.status(429).json({ error: "a test is already running" });
      return;
    }
    const form = body as ConfigSettings & { password?: unknown };
    const deployed = deployedConfig(id);
    const typed = typeof form.password === "string" ? form.password.trim() : "";
    const stored = typeof deployed?.credentials?.password === "string" ? deployed.credentials.password.trim() : "";
    const password = typed === STORED_PASSWORD ? stored || null : typed || null;
    const settings = parseSettings(form, password);
    if (!settings.options) {
      res.json({ ok: false, code: "PVS_BAD_CONFIG", message: settings.problems.join("; ") });
      return;
    }
    const same = deployed?.pvs && deployed.connectionKey === connectionKey(settings.options) ? deployed.pvs : null;
    const refused = storedPasswordRefusal(typed, stored, same !== null, settings.label);
    if (refused) {
      res.json(refused);
      return;
    }
    testing = true;
    testConnection(settings.options, same)
      .then((result) => res.json(result))
      .catch(() => res.status(500).json({ ok: false, code: "PVS_INTERNAL", message: "the test failed" }))
      .finally(() => (testing = false));
  });

  // The editor asks a deployed pvs-config what it found: API, model, build, masked serial, certificate.
  RED.httpAdmin.get("/pvs-config/:id/info", RED.auth.needsPermission("pvs-config.read"), (req, res) => {
    const id = String(req.params.id);
    if (!NODE_ID.test(id)) {
      res.status(400).json({ error: "bad node id" });
      return;
    }
    const found = deployedConfig(id);
    if (!found) {
      res.json({ deployed: false });
      return;
    }
    const pvs = found.pvs;
    // `shared`: the other settings nodes on this PVS and the settings the connection uses (the most protective).
    res.json({
      deployed: true,
      label: found.label,
      configError: found.configError,
      ...(pvs ? { ...pvs.info(), health: pvs.health(), budget: pvs.budget(), shared: found.shared() } : {}),
    });
  });

  // "Download diagnostics": what this PVS last said, redacted, as a file that the emulator replays.
  RED.httpAdmin.get("/pvs-config/:id/diagnostics", RED.auth.needsPermission("pvs-config.read"), (req, res) => {
    const id = String(req.params.id);
    const found = NODE_ID.test(id) ? deployedConfig(id) : null;
    if (!found) {
      res.status(NODE_ID.test(id) ? 404 : 400).json({ error: NODE_ID.test(id) ? "not deployed" : "bad node id" });
      return;
    }
    diagnosticsFile(RED, found, req.query.keepSerials === "1")
      .then((file) => {
        res.setHeader("Content-Disposition", `attachment; filename="${diagnosticsFileName()}"`);
        res.setHeader("Cache-Control", "no-store");
        res.type("application/json").send(JSON.stringify(file, null, 1));
      })
      .catch(() => res.status(500).json({ error: "the diagnostics could not be built" }));
  });
};
