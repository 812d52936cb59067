// 7. Latency with the default settings (spacing 5 s, DeviceList every 120 s, API detected): from a deploy to the
// first pvs-device-list message, and from "poll now" to the message on the LocalAPI, on both APIs, with the
// emulator answering at once and with a realistic time per answer. The PVS's own answer times (the emulator's
// recorded start-to-end of each request) are subtracted: what is left is what the package adds (spacing, its
// own work). Real clock: the spacing's timers are what is measured.
//
//   node --require tsx/cjs bench/latency.ts [--quick]
import { PvsEmulator } from "../src/emulator/server";
import { figure, Figure, isQuick, median, runBench } from "./support/report";
import { flowNode, FlowNode, helper, loadFlow, nextMessage, unloadFlow } from "./support/runtime";

/** Per-request answer time of a real unit, roughly: LocalAPI variable reads and logins well under a second. */
const REALISTIC_DELAY_MS = 300;

function flow(emulator: PvsEmulator): FlowNode[] {
  return [
    { id: "tab", type: "tab", label: "latency" },
    // The defaults a user gets: nothing but the addresses is set.
    {
      id: "cfg",
      type: "pvs-config",
      name: "PVS",
      host: "127.0.0.1",
      port: emulator.port,
      localPort: emulator.httpsPort,
      telemetryPort: emulator.telemetryPort,
      protocol: "http",
    },
    flowNode("list", "pvs-device-list", { server: "cfg", interval: 60, wires: [["out"]] }),
    flowNode("out", "helper"),
  ];
}

/** Sum of the PVS's answer times of the requests started in [from, to]. */
function answerTime(emulator: PvsEmulator, from: number, to: number): number {
  return emulator.requests
    .filter((r) => r.startedAt >= from && r.startedAt <= to)
    .reduce((sum, r) => sum + ((r.finishedAt ?? to) - r.startedAt), 0);
}

async function measure(
  localApi: boolean,
  delayMs: number,
): Promise<{ first: number; firstOwn: number; poll: number; pollOwn: number }> {
  const emulator = new PvsEmulator({ inverters: 12, localApi, delayMs });
  await emulator.start();
  try {
    const deployAt = Date.now();
    await loadFlow(flow(emulator));
    // The nodes start their first poll after the deploy: its first request is at least a few ms away.
    await nextMessage("out", 120_000);
    const firstAt = Date.now();
    let poll = NaN;
    let pollOwn = NaN;
    if (localApi) {
      const pollAt = Date.now();
      const next = nextMessage("out", 60_000);
      helper.getNode("list").receive({});
      await next;
      poll = Date.now() - pollAt;
      pollOwn = poll - answerTime(emulator, pollAt, Date.now());
    }
    return {
      first: firstAt - deployAt,
      firstOwn: firstAt - deployAt - answerTime(emulator, deployAt, firstAt),
      poll,
      pollOwn,
    };
  } finally {
    await unloadFlow();
    await emulator.stop();
  }
}

runBench(async () => {
  const runs = isQuick() ? 1 : 3;
  const figures: Figure[] = [];
  const rows: Array<Array<string | number>> = [];
  for (const localApi of [false, true]) {
    for (const delay of [0, REALISTIC_DELAY_MS]) {
      const results = [];
      for (let i = 0; i < runs; i++) results.push(await measure(localApi, delay));
      const api = localApi ? "LocalAPI" : "legacy";
      const first = median(results.map((r) => r.first));
      const firstOwn = median(results.map((r) => r.firstOwn));
      rows.push([
        `${api}, ${delay} ms per answer`,
        first,
        firstOwn,
        localApi ? median(results.map((r) => r.poll)) : "",
        localApi ? median(results.map((r) => r.pollOwn)) : "",
      ]);
      figures.push(
        figure(
          `${api}, ${delay} ms/answer: deploy → first device list, less the PVS's answer times`,
          firstOwn / 1000,
          "s",
          { target: "<= 5 s", met: firstOwn <= 5000 },
        ),
      );
      if (localApi) {
        const pollOwn = median(results.map((r) => r.pollOwn));
        figures.push(
          figure(`${api}, ${delay} ms/answer: poll now → message, less the PVS's answer times`, pollOwn / 1000, "s", {
            target: "<= 2 s",
            met: pollOwn <= 2000,
          }),
        );
      }
      process.stderr.write(
        `  latency: ${api} at ${delay} ms: first ${first} ms (${firstOwn} ms without answer times)\n`,
      );
    }
  }
  return {
    name: "latency",
    figures,
    detail: {
      title: `Latency with the default settings, ms (median of ${runs})`,
      head: ["case", "deploy → first message", "less answer times", "poll → message", "less answer times"],
      rows,
    },
  };
});
