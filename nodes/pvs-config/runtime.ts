// pvs-config: one PVS. Holds the connection (API detection, the shared client, the LocalAPI session) that
// every node using this PVS goes through, shared with every other pvs-config node on the same PVS and kept over
// redeploys (src/node-red/pvs-registry.ts). What the editor asks it is answered by its admin routes (routes.ts).
import { Node, NodeAPI, NodeDef } from "node-red";
import { ConnectionMemory } from "../../src/pvs/connection/connection";
import { Lease, samePvs } from "../../src/node-red/pvs-registry";
import { sharedConnections } from "../../src/node-red/shared-connections";
import { parseSettings } from "./connection-settings";
import { connectionKey } from "./connection-test";
import { siteMemoryStore } from "../../src/node-red/site-memory-store";
import { PvsConfigCredentials, PvsConfigNode } from "../../src/node-red/types";
import { migrateSettings } from "../../src/node-red/node-settings";
import { PVS_CONFIG_SETTINGS, PvsConfigProps } from "./settings";
import { registerRoutes } from "./routes";

/** The node as a flow holds it: the editor's settings (settings.ts), any of them absent in a flow saved earlier. */
type PvsConfigDef = NodeDef & Partial<PvsConfigProps>;

/** Context key of the connection memory a restart takes over (see PvsConnection.memory). */
const CONNECTION_MEMORY_KEY = "pvsConnectionMemory";
/** The key and field earlier versions stored it under: read once, so that a restart after an update keeps it. */
const EARLIER_KEY = "pvsConnectionMemo";

export = function (RED: NodeAPI): void {
  function PvsConfig(this: PvsConfigNode, def: PvsConfigDef): void {
    RED.nodes.createNode(this, def);
    // A node saved by an earlier version: its missing settings are their defaults (src/node-red/node-settings.ts).
    def = migrateSettings(PVS_CONFIG_SETTINGS, def);
    const node = this;
    const users = new Set<string>();
    const password =
      typeof node.credentials?.password === "string" && node.credentials.password.trim() !== ""
        ? node.credentials.password.trim()
        : null;
    const settings = parseSettings(def, password);
    node.configError = settings.problems.length ? settings.problems.join("; ") : null;
    node.configErrorCode = node.configError ? (settings.code ?? "PVS_BAD_CONFIG") : null;
    node.endpoint = settings.endpoint;
    node.allowBatteryControl = def.allowBatteryControl === true;
    const lease: Lease | null = settings.options
      ? sharedConnections.acquire({ id: node.id, name: node.name || node.endpoint }, settings.options)
      : null;
    node.pvs = lease?.connection ?? null;
    node.connectionKey = settings.options ? connectionKey(settings.options) : null;
    node.pvsKey = lease?.key ?? null;
    node.shared = () => lease?.shared() ?? null;
    node.siteMemory = siteMemoryStore(node, node.endpoint, lease?.key ?? null);
    if (node.configError) node.error(`PVS settings: ${node.configError}`);
    const memory = lease ? keepMemory(node, lease) : null;
    const stopHearingMoves = lease ? logMoves(node, lease) : () => undefined;

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
      memory?.stop(removed);
      stopHearingMoves();
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

  registerRoutes(RED);
};

/**
 * Says in the log, once per move, where the PVS's requests go now: a warning when it was followed by mDNS (the
 * addresses and the masked serial only), a note when a restart tries the address it was followed to or the
 * connection goes back to the configured host.
 */
function logMoves(node: PvsConfigNode, lease: Lease): () => void {
  return lease.connection.onMove((move) => {
    const serial = lease.connection.info().serial;
    const which = serial ? ` (serial ${serial})` : "";
    if (move.reason === "found") node.warn(`PVS moved from ${move.from} to ${move.to}${which}`);
    else if (move.reason === "restored")
      node.log(`PVS tried at ${move.to}, the address it was followed to before the restart (configured: ${move.from})`);
    else node.log(`PVS not found by mDNS: back to the configured host ${move.to} (from ${move.from})`);
  });
}

/**
 * A restart takes over the last detection, DeviceList start and lock-out where a context store keeps them;
 * nothing secret is in the memory (PvsConnection.memory). A memory of another PVS (address changed) is ignored; one an
 * earlier version keyed with the API setting and pin too is this PVS's. It is stored whenever it changes, not only
 * on close, so that a crash does not lose it. `stop` ends the saving, with a last save unless the node is removed.
 */
function keepMemory(node: PvsConfigNode, lease: Lease): { stop(removed: boolean): void } {
  const save = (memory: ConnectionMemory) => {
    try {
      node.context().set(CONNECTION_MEMORY_KEY, { pvs: lease.key, memory });
      node.context().set(EARLIER_KEY, undefined);
    } catch {
      // Kept in memory over redeploys anyway (the grace period); only a restart would detect afresh.
    }
  };
  const stopSaving = lease.connection.onMemory(save);
  try {
    node.context().get([CONNECTION_MEMORY_KEY, EARLIER_KEY], (err: Error | undefined, ...saved: unknown[]) => {
      if (err) return;
      const [current, earlier] = saved as Array<{ pvs?: unknown; memory?: unknown; memo?: unknown } | undefined>;
      const stored = current ?? earlier;
      if (stored && samePvs(stored.pvs, lease.key)) lease.connection.restore(stored.memory ?? stored.memo);
    });
  } catch {
    // No context store to read: a restart then detects afresh, as before.
  }
  return {
    stop(removed) {
      stopSaving();
      const memory = removed ? null : lease.connection.memory();
      if (memory) save(memory);
    },
  };
}
