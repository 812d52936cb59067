// A Node-RED restart with a persistent context store takes over the last detection and DeviceList
// start, so that the restart alone causes neither a detection nor a DeviceList the ration would not allow.
import assert from "assert";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import path from "path";
import { PvsEmulator } from "../../../src/emulator/server";
import { dropLiveSiteMemories } from "../../../src/node-red/site-memory-store";
import { helper, nextMessages } from "../../support/node-red";
import { NODE_MODULES, testFlow } from "../../support/flows";

type Runtime = {
  _redNodes: { stopFlows(): Promise<void>; loadContextsPlugin(): Promise<void>; closeContextsPlugin(): Promise<void> };
};
const runtime = helper as unknown as Runtime;

/** Every file under `dir`, as text. */
function filesOf(dir: string): string {
  return readdirSync(dir)
    .map((f) => path.join(dir, f))
    .map((f) => (statSync(f).isDirectory() ? filesOf(f) : readFileSync(f, "utf8")))
    .join("\n");
}

/** Every file under `dir`, by path. */
function pathsOf(dir: string): string[] {
  return readdirSync(dir)
    .map((f) => path.join(dir, f))
    .flatMap((f) => (statSync(f).isDirectory() ? pathsOf(f) : [f]));
}

/** The stored memory as earlier versions wrote it: key `pvsConnectionMemo`, field `memo`. */
function asEarlierVersion(dir: string): void {
  for (const file of pathsOf(dir)) {
    const stored = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const current = stored.pvsConnectionMemory as { pvs: unknown; memory: unknown } | undefined;
    if (!current) continue;
    delete stored.pvsConnectionMemory;
    stored.pvsConnectionMemo = { pvs: current.pvs, memo: current.memory };
    writeFileSync(file, JSON.stringify(stored));
  }
}

describe("pvs-config: a restart keeps the detection and the DeviceList ration (file-backed context store)", function () {
  this.timeout(20000);

  it("no detection and no early DeviceList after a restart; nothing secret on disk", () => restart(() => undefined));

  it("the same after an update from a version that stored it as pvsConnectionMemo", () => restart(asEarlierVersion));

  async function restart(rewrite: (dir: string) => void): Promise<void> {
    const dir = mkdtempSync(path.join(tmpdir(), "pvs-memory-"));
    const saved = mkdtempSync(path.join(tmpdir(), "pvs-memory-saved-"));
    const emulator = new PvsEmulator({ inverters: 3 });
    await emulator.start();
    const withFileStore = [() => runtime._redNodes.loadContextsPlugin(), ...NODE_MODULES];
    const flow = () =>
      testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 0 }], { deviceListEvery: 3 });
    const poll = async () => {
      const got = nextMessages(helper.getNode("out"));
      helper.getNode("list").receive({});
      return (await got)[0];
    };
    try {
      const settings = {
        contextStorage: { default: { module: "localfilesystem", config: { dir, flushInterval: 0 } } },
      };
      helper.settings(settings);
      await helper.load(withFileStore, flow());
      await poll();
      // A shutdown: the flows stop (the close handlers save), then the context store is flushed and closed.
      await runtime._redNodes.stopFlows();
      await runtime._redNodes.closeContextsPlugin();
      cpSync(dir, saved, { recursive: true });
      await helper.unload();
      dropLiveSiteMemories();
      rmSync(dir, { recursive: true, force: true });
      cpSync(saved, dir, { recursive: true });
      const disk = filesOf(dir);
      assert.ok(disk.includes("pvsConnectionMemory"), "the memory was stored");
      rewrite(dir);
      assert.ok(
        !disk.includes(emulator.site.serial) && !disk.includes(emulator.site.serial.slice(-5)),
        "no serial, no password on disk",
      );

      const firstList = emulator.requests.find((r) => r.command === "DeviceList")?.startedAt as number;
      await helper.load(withFileStore, flow());
      await poll();
      assert.strictEqual(emulator.count("supervisor/info"), 1, "the restart did not detect again");
      const lists = emulator.requests.filter((r) => r.command === "DeviceList");
      assert.strictEqual(lists.length, 2);
      // (The client counts from when it sent the first one, a millisecond before the emulator saw it.)
      assert.ok(
        lists[1].startedAt - firstList >= 2950,
        `the ration held across the restart (${lists[1].startedAt - firstList} ms)`,
      );
    } finally {
      helper.settings({});
      await helper.unload();
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(saved, { recursive: true, force: true });
    }
  }
});
