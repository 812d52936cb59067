// Keeps a PVS's SiteMemory in the pvs-config node's context: it survives redeploys, and Node-RED restarts
// when the user's settings.js has a persistent context store (localfilesystem).
import { Node } from "node-red";
import { SiteMemory } from "../model/site-memory";

export const SITE_MEMORY_KEY = "pvsSiteMemory";

export interface SiteMemoryStore {
  /** The memory, loaded from the context store on first use; every caller gets the same instance. */
  load(): Promise<SiteMemory>;
  save(memory: SiteMemory): void;
}

export function siteMemoryStore(owner: Node): SiteMemoryStore {
  let loading: Promise<SiteMemory> | null = null;
  const context = owner.context();
  return {
    load() {
      loading ??= new Promise<SiteMemory>((resolve) => {
        try {
          context.get(SITE_MEMORY_KEY, (err: Error | undefined, saved: unknown) => {
            if (err) owner.warn(`could not read the remembered devices and counters (${err.message}); starting afresh`);
            resolve(err ? SiteMemory.create() : SiteMemory.fromJSON(saved));
          });
        } catch (err) {
          owner.warn(`could not read the remembered devices and counters (${err instanceof Error ? err.message : String(err)}); starting afresh`);
          resolve(SiteMemory.create());
        }
      });
      return loading;
    },
    save(memory) {
      try {
        context.set(SITE_MEMORY_KEY, memory.toJSON(), (err: Error | undefined) => {
          if (err) owner.warn(`could not store the remembered devices and counters: ${err.message}`);
        });
      } catch (err) {
        owner.warn(`could not store the remembered devices and counters: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}
