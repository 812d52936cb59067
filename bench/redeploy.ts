// Redeploys a flow N times (default 1000; --quick: 100) in the real Node-RED runtime (node-red-node-test-helper),
// alternating full and modified-nodes deploys, with a pvs-config, a pvs-device-list and a pvs-comm on a legacy PVS
// and on a new-firmware PVS (LocalAPI over HTTPS), both emulated in this process. After every deploy each polling
// node polls once and the script waits for its output or Catch message. At 0, after deploy 10 and every 100 deploys
// it counts active timers and sockets, process listeners, the emulators' open TCP connections and LocalAPI
// sessions, and the heap after two full garbage collections. See docs/benchmarks.md.
//
//   node --expose-gc --require tsx/cjs bench/redeploy.ts [--quick] [--count N]      (npm run bench:redeploy)
//
// Verdict, exit code 1 on failure. The baseline is the snapshot taken after deploy 10 and its four polls, once
// no emulator connection is open and the counts hold still for 20 ms: the runtime, the emulators and each
// pvs-config in their steady state between polls (one open LocalAPI session, on the new-firmware PVS). At the end
// (same procedure after the last deploy), timers, sockets, process listeners, emulator connections and LocalAPI
// sessions must not be above the baseline, the heap must not have grown more than 2 MB, and every poll must have
// answered. The heap compared is heapUsed without V8's code spaces: compiled code grows for a few hundred
// deploys while V8 optimizes (about 1 MB, bounded by the code, not by the number of deploys); both are printed.
import { readFileSync } from "fs";
import { DEFAULT_GRACE_MS } from "../src/node-red/pvs-registry";
import { sharedConnections } from "../src/node-red/shared-connections";
import { NODE_RED_PACKAGE } from "../test/support/node-red";
import { COUNTED, grown, RedeployRig, Snapshot } from "../test/support/redeploy";
import { emit, figure, isQuick, table } from "./support/report";

const BASELINE_AFTER = 10;
const CHECK_EVERY = 100;
const HEAP_SLACK_BYTES = 2 * 1024 * 1024;

function parseArgs(argv: string[]): number {
  const i = argv.indexOf("--count");
  if (i < 0) return argv.includes("--quick") ? 100 : 1000;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < BASELINE_AFTER)
    throw new Error(`--count wants a whole number of deploys, at least ${BASELINE_AFTER}`);
  return n;
}

/** "Node-RED 5.0.7" (PVS_NODE_RED=node-red-4 runs it on Node-RED 4.1, as the tests do). */
function nodeRedVersion(): string {
  const pkg = JSON.parse(readFileSync(require.resolve(`${NODE_RED_PACKAGE}/package.json`), "utf8")) as {
    version?: string;
  };
  return `Node-RED ${pkg.version ?? "?"}`;
}

const print = (line = "") => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
const signedMb = (bytes: number) => `${bytes >= 0 ? "+" : ""}${mb(bytes)}`;
const dataHeap = (s: Snapshot) => (s.heapUsed ?? 0) - (s.heapCode ?? 0);

function printTable(rows: Snapshot[], baseline: Snapshot): void {
  const types = [...new Set(rows.flatMap((r) => Object.keys(r.resources)))].sort();
  const head = [
    "deploys",
    "timers",
    "sockets",
    "listeners",
    "emu conns",
    "sessions",
    "heapUsed MB",
    "code MB",
    "heap w/o code MB",
    ...types,
  ];
  const body = rows.map((s) =>
    [
      s === baseline ? `${s.deploys} (baseline)` : String(s.deploys),
      s.timers,
      s.sockets,
      s.listeners,
      s.connections,
      s.sessions,
      mb(s.heapUsed ?? 0),
      mb(s.heapCode ?? 0),
      mb(dataHeap(s)),
      ...types.map((t) => s.resources[t] ?? 0),
    ].map(String),
  );
  print(table(head, body));
}

async function main(): Promise<number> {
  const count = parseArgs(process.argv.slice(2));
  if (typeof global.gc !== "function")
    throw new Error("run with: node --expose-gc --require tsx/cjs bench/redeploy.ts");
  // The grace period users get (the test suites close connections at once): redeploys take the PVS's connection back.
  sharedConnections.graceMs = DEFAULT_GRACE_MS;
  const rig = new RedeployRig();
  const rows: Snapshot[] = [];
  let baseline: Snapshot | null = null;
  const kinds = { full: 0, nodes: 0 };
  const started = Date.now();
  process.stderr.write(`Redeploying ${count} times (Node ${process.version}, ${nodeRedVersion()}) ...\n`);
  const checkpoint = async () => {
    rig.clearRequestRecords(); // the emulators' record of every request is a test instrument, not the package's memory
    const s = await rig.snapshot({ heap: true });
    rows.push(s);
    return s;
  };
  try {
    await rig.start();
    await rig.pollAll();
    await checkpoint();
    for (let n = 1; n <= count; n++) {
      kinds[await rig.redeploy()]++;
      await rig.pollAll();
      if (n === BASELINE_AFTER || n % CHECK_EVERY === 0 || n === count) {
        const s = await checkpoint();
        if (n === BASELINE_AFTER) baseline = s;
        process.stderr.write(`  ${n} deploys, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      }
    }
  } finally {
    await rig.stop();
    await sharedConnections.closeAll();
  }
  if (!baseline) throw new Error("no baseline");
  const base: Snapshot = baseline;
  const end = rows[rows.length - 1];
  const seconds = (Date.now() - started) / 1000;

  print(
    `Node ${process.version}, ${nodeRedVersion()}, ${count} deploys (${kinds.full} full, ${kinds.nodes} modified nodes), ${rig.polls} polls (${rig.failed} failed), ${seconds.toFixed(1)} s`,
  );
  print();
  printTable(rows, base);
  print();
  const problems = grown(base, end).map((g) => `${g.figure} ${g.end} > baseline ${g.baseline}`);
  const growth = dataHeap(end) - dataHeap(base);
  if (growth > HEAP_SLACK_BYTES) problems.push(`heap (without code) grew ${signedMb(growth)} MB, more than 2 MB`);
  if (rig.failed > 0)
    problems.push(
      `${rig.failed} polls failed: ${rig.failures
        .slice(0, 5)
        .map((f) => `${f.node} ${f.result}`)
        .join(", ")}`,
    );
  const figures = (s: Snapshot) => COUNTED.map((k) => `${k} ${s[k]}`).join(", ");
  print(
    `baseline (deploy ${base.deploys}): ${figures(base)}; heapUsed ${mb(base.heapUsed ?? 0)} MB, without code ${mb(dataHeap(base))} MB`,
  );
  print(
    `end (deploy ${end.deploys}): ${figures(end)}; heapUsed ${mb(end.heapUsed ?? 0)} MB (${signedMb((end.heapUsed ?? 0) - (base.heapUsed ?? 0))}), without code ${mb(dataHeap(end))} MB (${signedMb(growth)})`,
  );
  print(
    problems.length
      ? `FAIL: ${problems.join("; ")}`
      : "PASS: no timer, socket, listener, connection or session left behind; heap back to its baseline (within 2 MB)",
  );
  const left = grown(base, end).reduce((sum, g) => sum + (g.end - g.baseline), 0);
  emit({
    name: "redeploy",
    figures: [
      figure(`${count} deploys: timers, sockets, listeners, connections, sessions left over`, left, "", {
        target: "0",
        met: left === 0,
      }),
      figure("heap growth without compiled code", growth / 1024 / 1024, "MB", {
        target: "< 2 MB",
        met: growth <= HEAP_SLACK_BYTES,
      }),
      figure("polls that failed", rig.failed, "", { baseline: rig.polls, target: "0", met: rig.failed === 0 }),
    ],
  });
  // A quick run (npm test) proves the bench still runs; its verdict is printed, not an exit code.
  return problems.length && !isQuick() ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
