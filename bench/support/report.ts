// What every benchmark reports, and the Markdown tables the runner prints.

/** One measured figure, against the baseline measured in the same run when there is one. */
export interface Figure {
  /** What was measured, e.g. "1000 devices: poll, response to output". */
  what: string;
  value: number;
  unit: string;
  /** The baseline measured in the same run (bare axios + JSON.parse, a function node…), in the same unit. */
  baseline?: number;
  /** value / baseline, when a baseline exists and is not 0. */
  ratio?: number;
  /** The target in words ("ratio <= 1.5"), and whether it was met; absent for figures given for information. */
  target?: string;
  met?: boolean;
}

export interface BenchResult {
  name: string;
  /** Figures the summary shows. */
  figures: Figure[];
  /** More detail: a table of its own (header, rows) printed under the summary. */
  detail?: { title: string; head: string[]; rows: Array<Array<string | number>> };
  /** What the bench found out (the bottleneck when a target was missed…). */
  notes?: string[];
}

export function figure(what: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure {
  const f: Figure = { what, value, unit, ...extra };
  if (f.baseline !== undefined && f.baseline !== 0 && f.ratio === undefined) f.ratio = value / f.baseline;
  return f;
}

/** A number with a sensible number of digits for a table. */
export function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return "";
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString("en-US");
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

/** A Markdown table, first column left-aligned, the others right-aligned. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const body = rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(head), rule, ...body.map(line)].join("\n");
}

export function summaryTable(results: BenchResult[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    for (const f of r.figures) {
      rows.push([
        `${r.name}: ${f.what}`,
        `${fmt(f.value)} ${f.unit}`,
        f.baseline === undefined ? "" : `${fmt(f.baseline)} ${f.unit}`,
        f.ratio === undefined ? "" : fmt(f.ratio),
        f.target ?? "",
        f.met === undefined ? "" : f.met ? "met" : "MISSED",
      ]);
    }
  }
  return table(["benchmark", "value", "baseline", "ratio", "target", ""], rows);
}

/** Percentile of already sorted numbers (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Run by the runner: a bench module prints its result as one JSON line starting with this marker. */
export const RESULT_MARKER = "BENCH-RESULT ";

export function emit(result: BenchResult): void {
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

export function isQuick(argv = process.argv.slice(2)): boolean {
  return argv.includes("--quick");
}

/** Runs a bench's main and exits: 0 when it ran (targets are reported, not gated), 2 when it crashed. */
export function runBench(main: () => Promise<BenchResult>): void {
  main().then(
    (result) => {
      emit(result);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(2);
    },
  );
}
