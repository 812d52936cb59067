// Keeps a PVS's SiteMemory across redeploys and restarts.
// - Redeploys: Node-RED deletes a node's in-memory context whenever the node closes (unless a context store is
//   configured), so the live memory is kept here, per pvs-config id and PVS address, for as long as the process runs.
// - Restarts: the memory is also written to the pvs-config node's context; with a persistent context store
//   (`contextStorage` with `localfilesystem` in settings.js) it is read back on the first poll after a start.
// pvs-config nodes that share a PVS's connection share its memory too (`sharedKey`, the PVS's key): it is read
// from the context of the first of them, written to the context of each one that saves.
import { Node } from "node-red";
import { SiteMemory } from "../model/site-memory";

export const SITE_MEMORY_KEY = "pvsSiteMemory";

export interface SiteMemoryStore {
  /** The memory, loaded from the context store on first use; every caller gets the same instance. */
  load(): Promise<SiteMemory>;
  save(memory: SiteMemory): void;
  /** The pvs-config was deleted: its memory goes with it (a shared one goes with its PVS's connection). */
  forget(): void;
}

const live = new Map<string, Promise<SiteMemory>>();

/** What a process restart does to the live memories (for tests of the restart path). */
export function dropLiveSiteMemories(): void {
  live.clear();
}

function problem(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The PVS whose shared memory this is has no node left (src/node-red/shared-connections.ts). */
export function forgetSharedSiteMemory(sharedKey: string): void {
  live.delete(`pvs|${sharedKey}`);
}

export function siteMemoryStore(owner: Node, pvsLabel: string, sharedKey: string | null = null): SiteMemoryStore {
  const key = sharedKey === null ? `${owner.id}|${pvsLabel}` : `pvs|${sharedKey}`;
  const context = owner.context();
  const fromContext = () =>
    new Promise<SiteMemory>((resolve) => {
      try {
        context.get(SITE_MEMORY_KEY, (err: Error | undefined, saved: unknown) => {
          if (err) owner.warn(`could not read the remembered devices and counters (${err.message}); starting afresh`);
          const memory = err ? SiteMemory.create() : SiteMemory.fromJSON(saved);
          if (memory.droppedOnRestore > 0)
            owner.warn(`${memory.droppedOnRestore} remembered entries were malformed or impossible and were dropped`);
          resolve(memory);
        });
      } catch (err) {
        owner.warn(`could not read the remembered devices and counters (${problem(err)}); starting afresh`);
        resolve(SiteMemory.create());
      }
    });
  return {
    load() {
      let memory = live.get(key);
      if (!memory) {
        memory = fromContext();
        live.set(key, memory);
      }
      return memory;
    },
    save(memory) {
      try {
        context.set(SITE_MEMORY_KEY, memory.persistable, (err: Error | undefined) => {
          if (err) owner.warn(`could not store the remembered devices and counters: ${err.message}`);
        });
      } catch (err) {
        owner.warn(`could not store the remembered devices and counters: ${problem(err)}`);
      }
    },
    forget() {
      if (sharedKey === null) live.delete(key);
    },
  };
}
