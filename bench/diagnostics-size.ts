// How large the diagnostics file of a big site is, and what the answer log holds meanwhile ("a
// 1,000-inverter site still fits"). A real PvsConnection reads a 1,000-inverter emulator's device list and
// network status on each API, then the file is built as the admin endpoint builds it. Figures go to
// docs/benchmarks.md ("Diagnostics file size").
//
//   node --require tsx/cjs bench/diagnostics-size.ts [--quick] [--inverters 1000]     (also in npm run bench)
import zlib from "zlib";
import { PvsEmulator } from "../src/emulator/server";
import { PvsConnection } from "../src/pvs/connection/connection";
import { buildDiagnostics, MAX_FILE_BYTES } from "../src/diagnostics/diagnostics-file";
import { MAX_BODY_BYTES, MAX_TOTAL_BYTES } from "../src/pvs/client/answer-log";
import { BenchResult, figure, isQuick, runBench } from "./support/report";

const at = process.argv.indexOf("--inverters");
const inverters = at > 0 ? Number(process.argv[at + 1]) : isQuick() ? 100 : 1000;
const MB = 1024 * 1024;

interface Measure {
  api: string;
  held: number;
  file: number;
  gzipped: number;
  ms: number;
  truncated: number;
  dropped: number;
}

async function measure(localApi: boolean): Promise<Measure> {
  const emulator = new PvsEmulator({ inverters, localApi });
  await emulator.start();
  const pvs = new PvsConnection({
    api: "auto",
    protocol: "http",
    host: "127.0.0.1",
    port: emulator.port,
    localPort: emulator.httpsPort,
    timeoutMs: 60_000,
    minSpacingMs: 0,
  });
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
    const dropped = (file.diagnostics.limits as { dropped?: unknown[] }).dropped?.length ?? 0;
    return {
      api: localApi ? "LocalAPI" : "legacy",
      held,
      file: Buffer.byteLength(text),
      gzipped: zlib.gzipSync(text).length,
      ms,
      truncated: file.answers.filter((a) => a.truncated).length,
      dropped,
    };
  } finally {
    await pvs.close();
    await emulator.stop();
  }
}

async function main(): Promise<BenchResult> {
  const rows = [await measure(false), await measure(true)];
  return {
    name: "diagnostics-size",
    figures: rows.flatMap((r) => [
      figure(`${r.api}, ${inverters} inverters: diagnostics file`, r.file / MB, "MB", {
        target: `<= ${MAX_FILE_BYTES / MB} MB, nothing cut or left out`,
        met: r.file <= MAX_FILE_BYTES && r.truncated === 0 && r.dropped === 0,
      }),
      figure(`${r.api}, ${inverters} inverters: building it`, r.ms, "ms"),
    ]),
    detail: {
      title: `Diagnostics file size (limits: ${MAX_BODY_BYTES / MB} MB per answer, ${MAX_TOTAL_BYTES / MB} MB all answers, ${MAX_FILE_BYTES / MB} MB the file)`,
      head: [
        "API",
        "inverters",
        "answer log holds (MB)",
        "file (MB)",
        "gzipped (MB)",
        "build (ms)",
        "answers cut",
        "parts left out",
      ],
      rows: rows.map((r) => [
        r.api,
        inverters,
        r.held / MB,
        r.file / MB,
        r.gzipped / MB,
        r.ms,
        String(r.truncated),
        String(r.dropped),
      ]),
    },
  };
}

runBench(main);
