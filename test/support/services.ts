// Real Mosquitto and InfluxDB 1.x for the end-to-end tests of the outputs: each started on a free local port
// with its own configuration in a temporary directory (no system service, nothing left behind), stopped after.
// `.ci/run` installs them (Debian packages `mosquitto` and `influxdb`). A missing binary fails the test on CI
// (CI=true) and skips it only on a developer's machine.
import { ChildProcess, spawn } from "child_process";
import fs from "fs";
import net from "net";
import os from "os";
import path from "path";
import { NODE_RED_PACKAGE } from "./node-red";

export interface Service {
  port: number;
  /** What the service wrote to stdout/stderr: shown when it does not come up. */
  log(): string;
  stop(): Promise<void>;
}

/** Core nodes (e.g. "common/20-inject.js", "network/10-mqtt.js") of the Node-RED under test, for helper.load. */
export function coreNodes(...files: string[]): unknown[] {
  const from = { paths: [path.dirname(require.resolve(`${NODE_RED_PACKAGE}/package.json`))] };
  return files.map((file) => require(require.resolve(`@node-red/nodes/core/${file}`, from)) as unknown);
}

/** The first of `candidates` that exists, or null. */
function binary(candidates: string[]): string | null {
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}

/**
 * The service's binary, or: on CI a failure saying how to install it; elsewhere a skipped test.
 * Call from a `before` hook (`this` is mocha's context).
 */
export function requireBinary(ctx: Mocha.Context, what: string, debianPackage: string, candidates: string[]): string {
  const found = binary(candidates);
  if (found) return found;
  const message = `${what} is not installed (${candidates.join(" or ")} missing): install the Debian package "${debianPackage}" (.ci/run does)`;
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`      skipped: ${message}`);
  ctx.skip();
}

/** A port nobody listens on now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `cmd` and waits until `ready()` holds; the process is killed on failure. */
async function startProcess(
  cmd: string,
  args: string[],
  dir: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<Omit<Service, "port">> {
  let output = "";
  const child: ChildProcess = spawn(cmd, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (child.exitCode !== null || Date.now() > end) {
      await stop();
      throw new Error(`${path.basename(cmd)} did not start: ${output.trim() || "(no output)"}`);
    }
    await wait(50);
  }
  return { log: () => output, stop };
}

/** Where Debian (and a local install) put the binaries; PVS_MOSQUITTO / PVS_INFLUXD name another one. */
export const MOSQUITTO = process.env.PVS_MOSQUITTO
  ? [process.env.PVS_MOSQUITTO]
  : ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];
export const INFLUXD = process.env.PVS_INFLUXD
  ? [process.env.PVS_INFLUXD]
  : ["/usr/bin/influxd", "/usr/local/bin/influxd"];

/** Mosquitto on a free port of 127.0.0.1, anonymous, without persistence. */
export async function startMosquitto(bin: string): Promise<Service> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-mosquitto-"));
  const port = await freePort();
  // mosquitto.conf(5): a listener line binds the port and address; allow_anonymous is per listener since 2.0.
  fs.writeFileSync(
    path.join(dir, "mosquitto.conf"),
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence false",
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "",
    ].join("\n"),
  );
  const proc = await startProcess(bin, ["-c", path.join(dir, "mosquitto.conf")], dir, () => canConnect(port), 10000);
  return { port, ...proc };
}

/** InfluxDB 1.x on free ports of 127.0.0.1, its data in a temporary directory, `database` created. */
export async function startInfluxDb(
  bin: string,
  database: string,
): Promise<Service & { query(q: string): Promise<InfluxResult> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-influxdb-"));
  const port = await freePort();
  const rpc = await freePort();
  // influxd 1.x configuration (`influxd config` prints every section): data under `dir`, no reporting, no
  // monitor database, nothing on the default ports.
  fs.writeFileSync(
    path.join(dir, "influxdb.conf"),
    [
      "reporting-disabled = true",
      `bind-address = "127.0.0.1:${rpc}"`,
      "[meta]",
      `  dir = "${dir}/meta"`,
      "[data]",
      `  dir = "${dir}/data"`,
      `  wal-dir = "${dir}/wal"`,
      "  query-log-enabled = false",
      "[monitor]",
      "  store-enabled = false",
      "[http]",
      `  bind-address = "127.0.0.1:${port}"`,
      "  log-enabled = false",
      "[continuous_queries]",
      "  enabled = false",
      "[subscriber]",
      "  enabled = false",
      "",
    ].join("\n"),
  );
  const base = `http://127.0.0.1:${port}`;
  // GET /ping answers 204 once the HTTP service is up (InfluxDB 1.x HTTP API).
  const ping = async () => {
    try {
      return (await fetch(`${base}/ping`)).status === 204;
    } catch {
      return false;
    }
  };
  const proc = await startProcess(bin, ["-config", path.join(dir, "influxdb.conf")], dir, ping, 20000);
  const run = async (q: string, method: "GET" | "POST"): Promise<InfluxResult> => {
    // /query with db, q and epoch=ms: timestamps as epoch milliseconds (InfluxDB 1.x HTTP API reference).
    const params = new URLSearchParams({ db: database, q, epoch: "ms" });
    const res = await fetch(
      method === "GET" ? `${base}/query?${params}` : `${base}/query`,
      method === "GET" ? {} : { method, body: params },
    );
    const body = (await res.json()) as InfluxResult;
    if (res.status !== 200) throw new Error(`InfluxDB ${res.status}: ${JSON.stringify(body)}`);
    return body;
  };
  try {
    await run(`CREATE DATABASE "${database}"`, "POST");
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { port, ...proc, query: (q) => run(q, "GET") };
}

/** The JSON of InfluxDB 1.x's /query. */
export interface InfluxResult {
  results: Array<{
    statement_id: number;
    error?: string;
    series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>;
  }>;
}
