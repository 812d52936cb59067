// The pvs-config "Download diagnostics" admin endpoint's work: the deployed config node's settings (never its
// credentials), what its connection knows, and the answer log, built into one redacted file
// (diagnostics/diagnostics-file.ts).
import fs from "fs";
import path from "path";
import { NodeAPI } from "node-red";
import { buildDiagnostics, DiagnosticsFile } from "../../src/diagnostics/diagnostics-file";
import { PvsConfigNode } from "../../src/node-red/types";

/** Settings of the flow definition that are not settings (wiring, editor state). */
const NOT_SETTINGS = new Set(["id", "type", "z", "g", "x", "y", "wires", "credentials", "_users", "d"]);

/** This package's version, from its package.json: found upwards, from the source (tests) or from dist/ alike. */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === "@pvs-local/node-red-sunpower") return typeof pkg.version === "string" ? pkg.version : "unknown";
    } catch {
      // no package.json here: look further up
    }
    if (path.dirname(dir) === dir) return "unknown";
  }
}

/** RED.version() is a string in the runtime's node API (typed as a promise): either is taken. */
async function nodeRedVersion(RED: NodeAPI): Promise<string | null> {
  try {
    const version: unknown = await Promise.resolve(RED.version());
    return typeof version === "string" ? version : null;
  } catch {
    return null;
  }
}

/** The deployed pvs-config's flow definition, without credentials or layout. */
function settingsOf(RED: NodeAPI, id: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  RED.nodes.eachNode((def) => {
    if (def.id !== id) return;
    for (const [key, value] of Object.entries(def)) if (!NOT_SETTINGS.has(key)) out[key] = value;
  });
  return out;
}

export async function diagnosticsFile(
  RED: NodeAPI,
  config: PvsConfigNode,
  keepDeviceSerials: boolean,
): Promise<DiagnosticsFile> {
  const pvs = config.pvs;
  const nodeRed = await nodeRedVersion(RED);
  return buildDiagnostics({
    versions: { package: packageVersion(), nodeRed, node: process.version },
    settings: settingsOf(RED, config.id),
    configError: config.configError,
    info: pvs ? pvs.info() : null,
    budget: pvs ? pvs.budget() : null,
    pace: pvs ? pvs.client.pace.summary() : null,
    health: pvs ? pvs.health() : null,
    log: pvs ? pvs.client.answerLog.snapshot() : { answers: [], frames: [], errors: [], checks: null, checksAt: null },
    secrets: pvs ? pvs.secrets() : [],
    sessions: pvs ? pvs.sessions() : [],
    keepDeviceSerials,
  });
}

/** The attachment's file name: the date only (no host, no serial). */
export function diagnosticsFileName(now = new Date()): string {
  return `pvs-diagnostics-${now.toISOString().slice(0, 19).replace(/[:T]/g, "-")}.json`;
}
