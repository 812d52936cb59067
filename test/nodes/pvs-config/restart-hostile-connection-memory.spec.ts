// A stored memory with an impossible time (detectedAt 1e16, edited or corrupted in a file context store) made every
// start crash: about a second after the first DeviceList, the poller timed its next run from PvsConnection.info,
// whose `new Date(1e16).toISOString()` threw "RangeError: Invalid time value" out of a timer. Now the memory is
// checked before it is believed, and the node keeps polling on its beat.
import assert from "assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
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
type Stored = { pvsConnectionMemory?: { memory: { detection: { detectedAt: unknown } } } };

/** The stored context file holding the memory. */
function memoryFile(dir: string): string | null {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const found = statSync(file).isDirectory()
      ? memoryFile(file)
      : readFileSync(file, "utf8").includes("pvsConnectionMemory")
        ? file
        : null;
    if (found) return found;
  }
  return null;
}

describe("pvs-config: a restart with a hostile stored memory keeps Node-RED running", function () {
  this.timeout(30000);

  for (const detectedAt of [1e16, Number.MAX_VALUE, -1e16, "2026-01-01"]) {
    it(`detectedAt ${String(detectedAt)}: detected afresh, polls go on on the beat`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "pvs-hostile-memory-"));
      const emulator = new PvsEmulator({ inverters: 3 });
      await emulator.start();
      const withFileStore = [() => runtime._redNodes.loadContextsPlugin(), ...NODE_MODULES];
      const flow = (interval: number) =>
        testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval }], {
          deviceListEvery: 1,
        });
      try {
        const settings = {
          contextStorage: { default: { module: "localfilesystem", config: { dir, flushInterval: 0 } } },
        };
        helper.settings(settings);
        await helper.load(withFileStore, flow(0));
        const first = nextMessages(helper.getNode("out"));
        helper.getNode("list").receive({});
        await first;
        await runtime._redNodes.stopFlows();
        await runtime._redNodes.closeContextsPlugin();
        await helper.unload();
        dropLiveSiteMemories();
        const file = memoryFile(dir);
        assert.ok(file, "the memory was stored");
        // localfilesystem keeps a node's context as one JSON object per node, keyed by name.
        const stored = JSON.parse(readFileSync(file, "utf8")) as Stored;
        assert.ok(stored.pvsConnectionMemory, "the memory is in the file");
        stored.pvsConnectionMemory.memory.detection.detectedAt = detectedAt;
        writeFileSync(file, JSON.stringify(stored));

        const detections = emulator.count("supervisor/info");
        await helper.load(withFileStore, flow(1));
        // Three polls on a 1 s beat: the crash came right after the first.
        const polls = await nextMessages(helper.getNode("out"), 3);
        assert.strictEqual(polls.length, 3);
        assert.strictEqual(emulator.count("supervisor/info"), detections + 1, "the impossible detection was not used");
        const pvs = (helper.getNode("cfg") as unknown as { pvs: { info(): { api: string; detectedAt: string } } }).pvs;
        assert.strictEqual(pvs.info().api, "legacy");
        assert.ok(Date.parse(pvs.info().detectedAt) <= Date.now() + 1000, "a real detection time");
      } finally {
        helper.settings({});
        await helper.unload();
        dropLiveSiteMemories();
        await emulator.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
