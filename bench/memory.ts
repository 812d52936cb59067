// 4. Memory: the heap (after full garbage collections, without V8's compiled code) after 10,000 polls against the
// emulator, against the heap after 100; and what one more PVS costs: the heap with 20 PVS configurations, each with a
// device-list node that has polled, against none. The emulators run in a child process, so their memory is not counted.
//
//   node --expose-gc --require tsx/cjs bench/memory.ts [--quick]
import { startEmulators } from "./support/emulator-host";
import { figure, isQuick, runBench } from "./support/report";
import {
  FlowNode,
  flowNode,
  forgetSpyCalls,
  heapDataAfterGc,
  helper,
  loadFlow,
  nextMessage,
  pvsConfig,
  unloadFlow,
} from "./support/runtime";

const INVERTERS = 25;
const MAX_GROWTH_MB = 2;
const FLEET = 20;
const MB = 1024 * 1024;

async function poll(listId: string, outId: string): Promise<void> {
  const out = nextMessage(outId);
  helper.getNode(listId).receive({});
  await out;
  forgetSpyCalls();
}

runBench(async () => {
  const quick = isQuick();
  const total = quick ? 1000 : 10_000;
  const checkpoints = quick ? [100, 500, 1000] : [100, 1000, 2500, 5000, 7500, 10_000];
  const host = await startEmulators([...Array(FLEET)].map(() => ({ inverters: INVERTERS })));
  const rows: Array<Array<string | number>> = [];
  let baseline = 0;
  let end = 0;
  let perPvs: number;
  try {
    // Polls: one PVS, a device-list and a comm node, polled by messages one after the other.
    const [first] = host.ports;
    await loadFlow([
      { id: "tab", type: "tab", label: "memory" },
      pvsConfig("cfg", first.port, first.httpsPort),
      flowNode("list", "pvs-device-list", { server: "cfg", interval: 0, wires: [["out"]] }),
      flowNode("comm", "pvs-comm", { server: "cfg", interval: 0, wires: [["out2"]] }),
      flowNode("out", "helper"),
      flowNode("out2", "helper"),
    ]);
    for (let n = 1; n <= total; n++) {
      await poll("list", "out");
      if (n % 10 === 0) await poll("comm", "out2");
      if (checkpoints.includes(n)) {
        await host.counts(); // the emulators' request records are forgotten as they are counted
        const { data: heap, code } = heapDataAfterGc();
        if (n === 100) baseline = heap;
        end = heap;
        rows.push([n, heap / MB, (heap - baseline) / MB, code / MB]);
        process.stderr.write(`  memory: ${n} polls, heap ${(heap / MB).toFixed(2)} MB\n`);
      }
    }
    await unloadFlow();

    // Per PVS: 0 configurations, then FLEET, each polled once.
    await loadFlow([{ id: "tab", type: "tab", label: "empty" }]);
    const empty = heapDataAfterGc().data;
    await unloadFlow();
    const flow: FlowNode[] = [{ id: "tab", type: "tab", label: "fleet" }];
    host.ports.forEach((p, i) => {
      flow.push(pvsConfig(`cfg${i}`, p.port, p.httpsPort));
      flow.push(flowNode(`list${i}`, "pvs-device-list", { server: `cfg${i}`, interval: 0, wires: [[`out${i}`]] }));
      flow.push(flowNode(`out${i}`, "helper"));
    });
    await loadFlow(flow);
    for (let i = 0; i < FLEET; i++) await poll(`list${i}`, `out${i}`);
    const fleet = heapDataAfterGc().data;
    perPvs = (fleet - empty) / FLEET;
    await unloadFlow();
  } finally {
    await host.stop();
  }
  const growth = (end - baseline) / MB;
  return {
    name: "memory",
    figures: [
      figure(`heap growth, ${total.toLocaleString("en-US")} polls against 100`, growth, "MB", {
        target: `< ${MAX_GROWTH_MB} MB`,
        met: growth < MAX_GROWTH_MB,
      }),
      figure(`heap per PVS (${FLEET} configs, ${INVERTERS} inverters each, polled)`, perPvs / 1024, "KB"),
    ],
    detail: {
      title:
        "Heap after full garbage collections without compiled code, by polls (device list; a comm poll every 10th)",
      head: ["polls", "heap MB", "against 100 polls MB", "compiled code MB (not counted)"],
      rows,
    },
  };
});
