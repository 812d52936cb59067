// 1. Overhead per poll: a pvs-device-list poll, from the input message to the output message, against a bare
// axios.get + JSON.parse of the same answer, for device lists of 10, 100 and 1,000 inverters. The emulator runs
// in a child process and serves one frozen DeviceList (rendered once), so both sides wait for the same bytes.
// Measurements alternate node and bare, after a warm-up; medians are compared.
//
//   node --expose-gc --require tsx/cjs bench/overhead.ts [--quick]
import { performance } from "perf_hooks";
import http from "http";
import axios from "axios";
import { EmulatorPorts, startEmulators } from "./support/emulator-host";
import { figure, Figure, isQuick, median, runBench } from "./support/report";
import { flowNode, forgetSpyCalls, helper, loadFlow, nextMessage, pvsConfig, unloadFlow } from "./support/runtime";

const SIZES = [10, 100, 1000];
const TARGET_RATIO = 1.5;

async function measure(inverters: number, { port, httpsPort }: EmulatorPorts, rounds: number, warmup: number) {
  await loadFlow([
    { id: "tab", type: "tab", label: "overhead" },
    pvsConfig("cfg", port, httpsPort),
    flowNode("list", "pvs-device-list", { server: "cfg", interval: 0, wires: [["out"]] }),
    flowNode("out", "helper"),
  ]);
  const url = `http://127.0.0.1:${port}/cgi-bin/dl_cgi?Command=DeviceList`;
  // The bare fetch gets the same kind of agent as the package's transport: no keep-alive, one socket.
  const agent = new http.Agent({ keepAlive: false, maxSockets: 1 });
  const node: number[] = [];
  const bare: number[] = [];
  let devices = 0;
  try {
    for (let i = 0; i < warmup + rounds; i++) {
      let t = performance.now();
      const out = nextMessage("out");
      helper.getNode("list").receive({});
      const msg = (await out) as { payload?: { devices?: unknown[] } };
      const nodeMs = performance.now() - t;
      devices = msg.payload?.devices?.length ?? 0;
      t = performance.now();
      const res = await axios.get<string>(url, {
        responseType: "text",
        transformResponse: [(d: string) => d],
        httpAgent: agent,
      });
      const parsed = JSON.parse(res.data) as { devices: unknown[] };
      const bareMs = performance.now() - t;
      if (parsed.devices.length !== inverters + 3)
        throw new Error(`the emulator listed ${parsed.devices.length} devices, not ${inverters + 3}`);
      if (i >= warmup) {
        node.push(nodeMs);
        bare.push(bareMs);
      }
      forgetSpyCalls();
    }
  } finally {
    agent.destroy();
    await unloadFlow();
  }
  return { devices, node: median(node), bare: median(bare) };
}

runBench(async () => {
  const quick = isQuick();
  const host = await startEmulators(SIZES.map((n) => ({ inverters: n, frozenDeviceList: true })));
  const rows: Array<{ inverters: number; devices: number; node: number; bare: number }> = [];
  try {
    for (const [i, inverters] of SIZES.entries()) {
      const rounds = quick ? 5 : inverters >= 1000 ? 60 : 200;
      const r = await measure(inverters, host.ports[i], rounds, quick ? 2 : 20);
      rows.push({ inverters, ...r });
      process.stderr.write(
        `  overhead: ${inverters} inverters, node ${r.node.toFixed(2)} ms, bare ${r.bare.toFixed(2)} ms\n`,
      );
    }
  } finally {
    await host.stop();
  }
  const figures: Figure[] = rows.map((r) =>
    figure(`${r.devices} devices, poll (input to output) vs bare fetch+parse`, r.node, "ms", {
      baseline: r.bare,
      ...(r.inverters === 1000 ? { target: `ratio <= ${TARGET_RATIO}`, met: r.node / r.bare <= TARGET_RATIO } : {}),
    }),
  );
  // Linear: the package's own cost per device (node minus bare) at 1,000 against 100 devices.
  const perDevice = (r: (typeof rows)[number]) => ((r.node - r.bare) / r.devices) * 1000;
  const [, mid, big] = rows;
  const growth = perDevice(big) / perDevice(mid);
  figures.push(
    figure("package cost per device, 1,000 vs 100 devices", perDevice(big), "µs", {
      baseline: perDevice(mid),
      target: "linear (ratio <= 1.5)",
      met: growth <= 1.5,
    }),
  );
  return {
    name: "overhead",
    figures,
    detail: {
      title: "Overhead per poll (medians)",
      head: ["inverters", "devices", "poll ms", "bare fetch+parse ms", "ratio", "package µs/device"],
      rows: rows.map((r) => [r.inverters, r.devices, r.node, r.bare, r.node / r.bare, perDevice(r)]),
    },
  };
});
