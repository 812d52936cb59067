// How large the diagnostics file of a big site is, and what the answer log holds meanwhile (issue 16: "a
// 1,000-inverter site still fits"). A real PvsConnection reads a 1,000-inverter emulator's device list and
// network status on each API, then the file is built as the admin endpoint builds it. Figures go to
// docs/benchmarks.md ("Diagnostics file size").
//
//   node --require tsx/cjs bench/diagnostics-size.ts [--inverters 1000]
import zlib from "zlib";
import { PvsEmulator } from "../src/emulator/server";
import { PvsConnection } from "../src/pvs/connection";
import { buildDiagnostics } from "../src/pvs/diagnostics";
import { MAX_BODY_BYTES, MAX_TOTAL_BYTES } from "../src/pvs/answer-log";

const at = process.argv.indexOf("--inverters");
const inverters = at > 0 ? Number(process.argv[at + 1]) : 1000;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

async function measure(localApi: boolean): Promise<string> {
  const emulator = new PvsEmulator({ inverters, localApi });
  await emulator.start();
  const pvs = new PvsConnection({ api: "auto", protocol: "http", host: "127.0.0.1", port: emulator.port, localApiPort: emulator.httpsPort, timeoutMs: 60_000, spacingMs: 0 });
  try {
    const signal = new AbortController().signal;
    await pvs.readDeviceList(signal);
    await pvs.readComm(signal);
    const held = pvs.client.answerLog.heldBytes();
    const started = process.hrtime.bigint();
    const file = buildDiagnostics({
      versions: { package: "bench", nodeRed: null, node: process.version },
      settings: {},
      info: pvs.info(),
      budget: pvs.budget(),
      health: pvs.health(),
      log: pvs.client.answerLog.snapshot(),
      secrets: pvs.secrets(),
    });
    const text = JSON.stringify(file, null, 1);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const truncated = file.answers.filter((a) => a.truncated).length;
    return `| ${localApi ? "LocalAPI" : "legacy"} | ${inverters} | ${mb(held)} | ${mb(Buffer.byteLength(text))} | ${mb(zlib.gzipSync(text).length)} | ${ms.toFixed(0)} ms | ${truncated} |`;
  } finally {
    await pvs.close();
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  const rows = [await measure(false), await measure(true)];
  process.stdout.write(
    `limits: ${mb(MAX_BODY_BYTES)} per answer, ${mb(MAX_TOTAL_BYTES)} all answers\n| API | inverters | answer log holds | file | gzipped | build | answers cut |\n|---|---|---|---|---|---|---|\n${rows.join("\n")}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
