// The process's PVS connections: every pvs-config node of this Node-RED goes through this one registry, so
// that nodes pointing at the same PVS share one connection and one site memory (src/node-red/pvs-registry.ts).
import { PvsRegistry } from "./pvs-registry";
import { forgetSharedSiteMemory } from "./site-memory-store";

export const sharedConnections = new PvsRegistry({
  // A PVS whose last node was deleted forgets what it remembered; one that was only redeployed keeps it.
  onClosed: (key, removed) => {
    if (removed) forgetSharedSiteMemory(key);
  },
});
