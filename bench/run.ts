// Runs the benchmarks, each in a process of its own (so that one's heap, timers and emulators cannot touch the
// next one's figures), and prints their figures as one table, then each one's detail. See docs/benchmarks.md.
//
//   npm run bench                       all of them, full length (about 10 minutes)
//   npm run bench -- --quick            a short run of each: only proves they still run (npm test does this)
//   npm run bench -- overhead fleet     some of them
//
// Exit code: 2 when a benchmark crashed; in a full run, 1 when a target was missed. A quick run is too short
// (and CI machines too busy) for its figures to mean much: they are printed, not judged.
import { spawnSync } from "child_process";
import os from "os";
import path from "path";
import { BenchResult, RESULT_MARKER, summaryTable, table } from "./support/report";

const BENCHES = [
  "overhead",
  "amplification",
  "split",
  "memory",
  "fleet",
  "redeploy",
  "latency",
  "diagnostics-size",
  "pace",
];

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const chosen = args.filter((a) => !a.startsWith("--"));
const unknown = chosen.filter((name) => !BENCHES.includes(name));
if (unknown.length) {
  process.stderr.write(`unknown benchmark ${unknown.join(", ")}; there are: ${BENCHES.join(", ")}\n`);
  process.exit(2);
}

const results: BenchResult[] = [];
const crashed: string[] = [];
const started = Date.now();
for (const name of chosen.length ? chosen : BENCHES) {
  process.stderr.write(`${name}${quick ? " (quick)" : ""} ...\n`);
  const t = Date.now();
  const run = spawnSync(
    process.execPath,
    ["--expose-gc", "--require", "tsx/cjs", path.join(__dirname, `${name}.ts`), ...(quick ? ["--quick"] : [])],
    {
      cwd: path.resolve(__dirname, ".."),
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const line = run.stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER));
  if (run.status !== 0 || !line) {
    crashed.push(name);
    process.stderr.write(`${name} failed (exit ${run.status}):\n${run.stdout.slice(-2000)}\n`);
    continue;
  }
  results.push(JSON.parse(line.slice(RESULT_MARKER.length)) as BenchResult);
  process.stderr.write(`${name}: ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
}

const cpus = os.cpus();
const print = (s = "") => process.stdout.write(`${s}\n`);
print(
  `\nNode ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB${quick ? "; QUICK run: figures not judged" : ""}\n`,
);
print(summaryTable(results));
for (const r of results) {
  if (r.detail) print(`\n${r.detail.title}\n\n${table(r.detail.head, r.detail.rows)}`);
  for (const note of r.notes ?? []) print(`\n${note}`);
}
const missed = results.flatMap((r) => r.figures.filter((f) => f.met === false).map((f) => `${r.name}: ${f.what}`));
print(
  `\n${results.length} benchmarks ran in ${((Date.now() - started) / 1000).toFixed(0)} s${crashed.length ? `, ${crashed.length} crashed (${crashed.join(", ")})` : ""}; ${missed.length ? `targets missed: ${missed.join("; ")}` : "every target met"}${quick ? " (quick: not judged)" : ""}`,
);
process.exit(crashed.length ? 2 : !quick && missed.length ? 1 : 0);
