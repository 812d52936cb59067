// 5. Fleet: 100 PVS configurations in one Node-RED process, each with a device-list and a comm node polling
// every 10 s (half of them legacy PVSs over HTTP, half new-firmware PVSs on the LocalAPI over HTTPS with a
// login), against 100 emulators in a child process. Measured in the Node-RED process: event-loop lag (how
// late a 1 ms timer runs; p99 and worst) and its CPU share of one core, against the same process idle with
// the same flows undeployed (the baseline: the runtime and the harness alone).
//
//   node --expose-gc --require tsx/cjs bench/fleet.ts [--quick]
import { startEmulators } from "./support/emulator-host";
import { figure, isQuick, runBench } from "./support/report";
import { FlowNode, flowNode, helper, LoopWatch, loadFlow, pvsConfig, unloadFlow } from "./support/runtime";

const INTERVAL_S = 10;
const INVERTERS = 25;
const MAX_LAG_P99_MS = 20;

runBench(async () => {
  const quick = isQuick();
  // Quick (CI: it still runs): 20 PVSs for 10 s after one round.
  const PVS_COUNT = quick ? 20 : 100;
  const seconds = quick ? 10 : 120;
  const host = await startEmulators(
    [...Array(PVS_COUNT)].map((_, i) => ({ inverters: INVERTERS, localApi: i % 2 === 1 })),
  );
  let idle: ReturnType<LoopWatch["stop"]>;
  let busy: ReturnType<LoopWatch["stop"]>;
  let outputs = 0;
  let errors = 0;
  try {
    await loadFlow([{ id: "tab", type: "tab", label: "idle" }]);
    const idleWatch = new LoopWatch().start();
    await new Promise((resolve) => setTimeout(resolve, (quick ? 2 : 10) * 1000));
    idle = idleWatch.stop();
    await unloadFlow();

    const flow: FlowNode[] = [{ id: "tab", type: "tab", label: "fleet" }];
    host.ports.forEach((p, i) => {
      // Each PVS gets the package's defaults but the interval, and a DeviceList ration matching it (worst case).
      flow.push(
        pvsConfig(`cfg${i}`, p.port, p.httpsPort, {
          api: "auto",
          timeout: 10,
          minSpacing: 0.25,
          deviceListEvery: INTERVAL_S,
        }),
      );
      flow.push(flowNode(`list${i}`, "pvs-device-list", { server: `cfg${i}`, interval: INTERVAL_S, wires: [["out"]] }));
      flow.push(flowNode(`comm${i}`, "pvs-comm", { server: `cfg${i}`, interval: INTERVAL_S, wires: [["out"]] }));
    });
    flow.push(flowNode("out", "helper"));
    flow.push(flowNode("catch", "catch", { scope: null, uncaught: false, wires: [["caught"]] }));
    flow.push(flowNode("caught", "helper"));
    await loadFlow(flow);
    helper.getNode("out").on("input", () => outputs++);
    helper.getNode("caught").on("input", () => errors++);
    // The first round: detection, logins and caches for 100 PVSs, then the steady state is measured.
    await new Promise((resolve) => setTimeout(resolve, (quick ? 1 : 2) * INTERVAL_S * 1000));
    outputs = 0;
    errors = 0;
    const sandbox = (helper as unknown as { _sandbox?: { resetHistory(): void } })._sandbox;
    const forget = setInterval(() => sandbox?.resetHistory(), 1000); // the harness's spies, not the package
    const watch = new LoopWatch().start();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    busy = watch.stop();
    clearInterval(forget);
    await unloadFlow();
  } finally {
    await host.stop();
  }
  const expected = (2 * PVS_COUNT * seconds) / INTERVAL_S;
  process.stderr.write(
    `  fleet: lag p99 ${busy.p99.toFixed(1)} ms (idle ${idle.p99.toFixed(1)}), max ${busy.max.toFixed(1)} ms, CPU ${(busy.cpuShare * 100).toFixed(1)} %, ${outputs}/${expected} outputs, ${errors} errors\n`,
  );
  return {
    name: "fleet",
    figures: [
      figure(`${PVS_COUNT} PVSs every ${INTERVAL_S} s: event-loop lag p99`, busy.p99, "ms", {
        baseline: idle.p99,
        target: `< ${MAX_LAG_P99_MS} ms`,
        met: busy.p99 < MAX_LAG_P99_MS,
      }),
      figure("event-loop lag, worst", busy.max, "ms", { baseline: idle.max }),
      figure("CPU share of one core (Node-RED process)", busy.cpuShare * 100, "%", { baseline: idle.cpuShare * 100 }),
      figure("messages out, of those due", outputs, "msgs", {
        baseline: expected,
        target: "all, no errors",
        met: outputs >= expected * 0.95 && errors === 0,
      }),
    ],
    detail: {
      title: `${PVS_COUNT} PVSs (${PVS_COUNT / 2} legacy, ${PVS_COUNT / 2} LocalAPI, ${INVERTERS} inverters each), a device-list and a comm node each, every ${INTERVAL_S} s, ${seconds} s measured`,
      head: ["", "lag p50 ms", "lag p99 ms", "lag max ms", "CPU % of a core", "outputs", "errors"],
      rows: [
        ["idle runtime (baseline)", idle.p50, idle.p99, idle.max, idle.cpuShare * 100, "", ""],
        ["fleet", busy.p50, busy.p99, busy.max, busy.cpuShare * 100, `${outputs} of ${expected}`, errors],
      ],
    },
  };
});
