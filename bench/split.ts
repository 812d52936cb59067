// 3. Split throughput: a 1,000-inverter device-list message into pvs-inverter-split; messages per second out,
// and the longest event-loop block while it runs (a 1 ms timer's worst lateness), against a function-node-style
// loop that sends every message at once. The list is built once by the package's own model from the emulator's
// answer, so only the split and Node-RED's delivery are measured.
//
//   node --require tsx/cjs bench/split.ts [--quick]
import { performance } from "perf_hooks";
import { Node } from "node-red";
import { PvsEmulator } from "../src/emulator/server";
import { analyzeDeviceList } from "../src/model/device-list-output";
import { legacyUnknowns, normalizeDeviceList } from "../src/model/legacy-device-list";
import { SiteMemory } from "../src/model/site-memory";
import naiveSplit = require("./support/naive-split");
import { figure, isQuick, median, runBench } from "./support/report";
import { flowNode, forgetSpyCalls, helper, LoopWatch, NODE_MODULES, unloadFlow } from "./support/runtime";

const INVERTERS = 1000;
const MAX_BLOCK_MS = 20;

function deviceListPayload(): unknown {
  const site = new PvsEmulator({ inverters: INVERTERS, now: () => Date.UTC(2025, 5, 21, 19, 48) }).site;
  const raw = site.deviceList();
  return analyzeDeviceList(normalizeDeviceList(raw), {
    memory: SiteMemory.create(),
    unknowns: legacyUnknowns(raw),
    storage: null,
    now: Date.UTC(2025, 5, 21, 19, 48),
    unitSystem: "pvs",
  });
}

/**
 * Sends the list through `nodeId` `rounds` times; per round, the time until the last message arrived and the worst loop
 * delay.
 */
async function run(
  nodeId: string,
  payload: unknown,
  rounds: number,
): Promise<{ ms: number; maxBlockMs: number; messages: number }> {
  const out = helper.getNode("out") as Node;
  const times: number[] = [];
  let maxBlock = 0;
  let messages = 0;
  for (let r = 0; r < rounds; r++) {
    let got = 0;
    const finished = new Promise<void>((resolve) => {
      const on = () => {
        if (++got === INVERTERS) {
          out.removeListener("input", on);
          resolve();
        }
      };
      out.on("input", on);
    });
    const watch = new LoopWatch().start();
    const t = performance.now();
    helper.getNode(nodeId).receive({ payload });
    await finished;
    times.push(performance.now() - t);
    // The loop's lateness is sampled by a 1 ms timer: give it a turn after the last message.
    await new Promise((resolve) => setTimeout(resolve, 5));
    maxBlock = Math.max(maxBlock, watch.stop().max);
    messages = got;
    forgetSpyCalls();
  }
  return { ms: median(times), maxBlockMs: maxBlock, messages };
}

runBench(async () => {
  const rounds = isQuick() ? 2 : 15;
  const payload = deviceListPayload();
  await helper.load(
    [...NODE_MODULES, naiveSplit],
    [
      { id: "tab", type: "tab", label: "split" },
      flowNode("split", "pvs-inverter-split", {
        topicPrefix: "pvs",
        splitInverters: true,
        splitMeters: false,
        splitSupervisor: false,
        splitOther: false,
        outputMode: "single",
        wires: [["out"]],
      }),
      flowNode("naive", "naive-split", { wires: [["out"]] }),
      flowNode("out", "helper"),
    ],
  );
  try {
    await run("split", payload, 1); // warm-up
    await run("naive", payload, 1);
    const split = await run("split", payload, rounds);
    const naive = await run("naive", payload, rounds);
    const rate = (r: typeof split) => (r.messages / r.ms) * 1000;
    process.stderr.write(
      `  split: ${rate(split).toFixed(0)} msg/s, max block ${split.maxBlockMs.toFixed(1)} ms; loop: ${rate(naive).toFixed(0)} msg/s, max block ${naive.maxBlockMs.toFixed(1)} ms\n`,
    );
    return {
      name: "split",
      figures: [
        figure(`${INVERTERS} inverters: messages per second out`, rate(split), "msg/s", { baseline: rate(naive) }),
        figure("longest event-loop block", split.maxBlockMs, "ms", {
          baseline: naive.maxBlockMs,
          target: `<= ${MAX_BLOCK_MS} ms`,
          met: split.maxBlockMs <= MAX_BLOCK_MS,
        }),
      ],
      detail: {
        title: `Splitting a ${INVERTERS}-inverter list (${rounds} rounds, medians; block = worst of all rounds)`,
        head: ["node", "ms for all messages", "messages/s", "longest block ms"],
        rows: [
          ["pvs-inverter-split (chunks of 50)", split.ms, rate(split), split.maxBlockMs],
          ["a function-node loop (baseline)", naive.ms, rate(naive), naive.maxBlockMs],
        ],
      },
    };
  } finally {
    await unloadFlow();
  }
});
