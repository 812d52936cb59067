// 2. Request amplification: K = 1, 5 and 20 pvs-device-list nodes and as many pvs-comm nodes polling one PVS,
// added one at a time at random moments (as a user adds nodes over days, each starting its own schedule), every
// 60 s. Counted at the emulator: requests per poll cycle, per command on the legacy API, and on the LocalAPI
// the /vars reads (4 data groups: devices, live data, system, network) and logins. Simulated time (sinon fake
// timers) over real HTTP/HTTPS, so an hour of polling takes seconds; the DeviceList ration is off, so that
// only what the client shares is measured. Then the device lists alone on the LocalAPI for an hour: the supervisor
// figures (the system group) are read at most every 30 minutes (pvs-comm reads them on its own interval, as its
// active interface and cellular link are network figures).
//
//   node --require tsx/cjs bench/amplification.ts [--quick]
import { PvsEmulator } from "../src/emulator/server";
import { figure, Figure, isQuick, runBench } from "./support/report";
import { flowNode, FlowNode, forgetSpyCalls, helper, loadFlow, pvsConfig, unloadFlow } from "./support/runtime";
import { advance, fakeClock } from "../test/support/simulated-time";

const INTERVAL_S = 60;
const KS = [1, 5, 20];
/** Data groups one cycle of device-list and comm nodes reads on the LocalAPI (devices, live, system, network). */
const LOCALAPI_GROUPS = 4;
/** Groups device lists alone read every cycle (devices, live); the system group at most every 30 minutes. */
const DEVICE_LIST_GROUPS = 2;
const SYSTEM_EVERY_CYCLES = 30;

/** A seeded random number in [0, 1): the same stagger on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function flow(k: number, emulator: PvsEmulator, localApi: boolean, comm = true): FlowNode[] {
  const nodes: FlowNode[] = [
    { id: "tab", type: "tab", label: "amplification" },
    pvsConfig("cfg", emulator.port, emulator.httpsPort, { api: localApi ? "localapi" : "legacy" }),
  ];
  for (let i = 0; i < k; i++) {
    nodes.push(flowNode(`list${i}`, "pvs-device-list", { server: "cfg", interval: INTERVAL_S }));
    if (comm) nodes.push(flowNode(`comm${i}`, "pvs-comm", { server: "cfg", interval: INTERVAL_S }));
  }
  return nodes;
}

async function measure(k: number, localApi: boolean, cycles: number, comm = true): Promise<Record<string, number>> {
  const emulator = new PvsEmulator({ inverters: 12, localApi });
  await emulator.start();
  const clock = fakeClock();
  const rnd = random(20261124 + k);
  try {
    await loadFlow(flow(1, emulator, localApi, comm));
    for (let i = 2; i <= k; i++) {
      await advance(clock, emulator, { forMs: Math.floor(rnd() * INTERVAL_S * 1000) });
      await helper.setFlows(flow(i, emulator, localApi, comm), "nodes");
      forgetSpyCalls();
    }
    await advance(clock, emulator, { forMs: 2 * INTERVAL_S * 1000 }); // sessions and caches exist
    emulator.requests.length = 0;
    await advance(clock, emulator, { forMs: cycles * INTERVAL_S * 1000 });
    const counts: Record<string, number> = {};
    for (const r of emulator.requests) {
      counts[r.command] = (counts[r.command] ?? 0) + 1;
      if (r.command === "vars" && /nrpvssys/.test(r.query ?? "")) counts.system = (counts.system ?? 0) + 1;
    }
    for (const key of Object.keys(counts)) counts[key] /= cycles;
    return counts;
  } finally {
    await unloadFlow();
    clock.restore();
    await emulator.stop();
  }
}

runBench(async () => {
  const cycles = isQuick() ? 3 : 30;
  const rows: Array<Array<string | number>> = [];
  const figures: Figure[] = [];
  for (const k of KS) {
    const legacy = await measure(k, false, cycles);
    const local = await measure(k, true, cycles);
    const dl = legacy.DeviceList ?? 0;
    const comm = legacy.Get_Comm ?? 0;
    const vars = local.vars ?? 0;
    const logins = local["auth:login"] ?? 0;
    rows.push([k, dl, comm, vars, logins, vars + logins, local.system ?? 0]);
    process.stderr.write(
      `  amplification: K=${k}: DeviceList ${dl}, Get_Comm ${comm}, vars ${vars}, logins ${logins} per cycle\n`,
    );
    figures.push(
      figure(`K=${k}: legacy DeviceList + Get_Comm per cycle`, dl + comm, "requests", {
        baseline: 2,
        target: "1 per command (2)",
        met: dl <= 1 && comm <= 1,
      }),
    );
    figures.push(
      figure(`K=${k}: LocalAPI requests per cycle, logins included`, vars + logins, "requests", {
        baseline: LOCALAPI_GROUPS,
        target: `1 per data group (${LOCALAPI_GROUPS}) + logins`,
        met: vars <= LOCALAPI_GROUPS && logins <= 0.5,
      }),
    );
  }
  const alone = isQuick() ? SYSTEM_EVERY_CYCLES : 2 * SYSTEM_EVERY_CYCLES;
  for (const k of KS) {
    const local = await measure(k, true, alone, false);
    const vars = local.vars ?? 0;
    const system = local.system ?? 0;
    const logins = local["auth:login"] ?? 0;
    rows.push([`${k}, lists alone`, "", "", vars, logins, vars + logins, system]);
    process.stderr.write(`  amplification: K=${k} device lists alone: vars ${vars} (system ${system}) per cycle\n`);
    const most = DEVICE_LIST_GROUPS + Math.ceil(alone / SYSTEM_EVERY_CYCLES) / alone;
    figures.push(
      figure(`K=${k}: LocalAPI /vars per cycle, device lists alone, ${alone} cycles`, vars, "requests", {
        baseline: DEVICE_LIST_GROUPS + 1,
        target: `devices + live, system every 30 min (${most.toFixed(2)})`,
        met: vars <= most + 1e-9,
      }),
    );
  }
  return {
    name: "amplification",
    figures,
    detail: {
      title:
        `Requests per ${INTERVAL_S} s poll cycle, K device-list + K comm nodes on one PVS (${cycles} cycles); ` +
        `K device lists alone (${alone} cycles)`,
      head: ["K", "DeviceList", "Get_Comm", "LocalAPI /vars", "LocalAPI logins", "LocalAPI total", "of which system"],
      rows,
    },
  };
});
