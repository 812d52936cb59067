// A site memory edited on disk between two runs (negative lifetime counters, impossible day energy): after the
// restart, no negative or impossible figure reaches pvs-device-list's output, and the runtime keeps running.
import assert from "assert";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import path from "path";
import { PvsEmulator } from "../../../src/emulator/server";
import { SITE_MEMORY_KEY, dropLiveSiteMemories } from "../../../src/node-red/site-memory-store";
import { helper, nextMessages } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";

type Runtime = {
  _redNodes: { stopFlows(): Promise<void>; loadContextsPlugin(): Promise<void>; closeContextsPlugin(): Promise<void> };
};
const runtime = helper as unknown as Runtime;
type Json = { [key: string]: unknown };
type Site = { [field: string]: unknown; today: { [q: string]: unknown } | null };

/** Every file under `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const full = path.join(dir, f);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** Rewrites the stored site memory in the context files; returns how many counters it held. */
function editStoredMemory(dir: string, edit: (memory: Json) => number): number {
  let counters = 0;
  for (const file of filesUnder(dir)) {
    const data = JSON.parse(readFileSync(file, "utf8")) as Json;
    const memory = data[SITE_MEMORY_KEY];
    if (typeof memory !== "object" || memory === null) continue;
    counters += edit(memory as Json);
    writeFileSync(file, JSON.stringify(data));
  }
  return counters;
}

const LIFETIMES = ["production_kwh", "consumption_kwh", "import_kwh", "export_kwh"];

function assertPossible(site: Site, label: string): void {
  for (const [field, v] of Object.entries(site)) {
    if (typeof v !== "number") continue;
    assert.ok(Number.isFinite(v) && Math.abs(v) < 1e9, `${label}: ${field} = ${v}`);
    if (field !== "net_kw" && field !== "net_kwh") assert.ok(v >= 0, `${label}: ${field} = ${v}`);
  }
  for (const [q, v] of Object.entries(site.today ?? {}))
    if (typeof v === "number") assert.ok(v >= 0 && v < 1e6, `${label}: today.${q} = ${v}`);
}

describe("pvs-config: a stored site memory edited to impossible values (file-backed context store)", function () {
  this.timeout(20000);

  it("after the restart, two polls report only possible lifetime figures", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pvs-hostile-"));
    const saved = mkdtempSync(path.join(tmpdir(), "pvs-hostile-saved-"));
    // A controlled clock, two minutes per poll, so that every poll is an answer newer than the last.
    let now = Date.UTC(2025, 5, 21, 19, 0);
    const emulator = new PvsEmulator({ inverters: 3, longitude: -117, now: () => now });
    await emulator.start();
    const withFileStore = [() => runtime._redNodes.loadContextsPlugin(), ...NODE_MODULES];
    const flow = () => testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 0 }]);
    const poll = async (): Promise<Site> => {
      const got = nextMessages(helper.getNode("out"));
      helper.getNode("list").receive({});
      now += 120_000;
      return ((await got)[0] as { payload: { site: Site } }).payload.site;
    };
    try {
      const settings = {
        contextStorage: { default: { module: "localfilesystem", config: { dir, flushInterval: 0 } } },
      };
      helper.settings(settings);
      await helper.load(withFileStore, flow());
      const before = [await poll(), await poll()][1];
      await runtime._redNodes.stopFlows();
      await runtime._redNodes.closeContextsPlugin();
      cpSync(dir, saved, { recursive: true });
      await helper.unload();
      dropLiveSiteMemories();
      rmSync(dir, { recursive: true, force: true });
      cpSync(saved, dir, { recursive: true });
      const edited = editStoredMemory(dir, (memory) => {
        const counters = memory.counters as { [key: string]: { good: number } };
        for (const c of Object.values(counters)) c.good = -1e12;
        memory.today = { ...(memory.today as Json), production_kwh: -1e12, import_kwh: 1e300 };
        return Object.keys(counters).length;
      });
      assert.ok(edited >= 5, `the stored memory held the meters' and inverters' counters (${edited})`);

      await helper.load(withFileStore, flow());
      const after = [await poll(), await poll()];
      after.forEach((site, i) => assertPossible(site, `poll ${i + 1} after the restart`));
      for (const f of LIFETIMES) {
        assert.strictEqual(typeof after[1][f], "number", `${f} is reported`);
        assert.ok((after[1][f] as number) >= (before[f] as number), `${f} continues from the meters`);
      }
    } finally {
      helper.settings({});
      await helper.unload();
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(saved, { recursive: true, force: true });
    }
  });
});
