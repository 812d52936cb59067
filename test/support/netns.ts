// Running a script inside a network namespace of its own, so multicast (mDNS) stays off the machine's real network:
// the namespace has only a loopback, with multicast switched on and two extra addresses to move a responder between.
import { spawn, spawnSync } from "child_process";

/** The namespace's network: loopback up with multicast, the mDNS group routed to it, 127.0.0.2 and 127.0.0.3. */
export const NETNS_SETUP = [
  "ip link set lo up",
  "ip link set lo multicast on",
  "ip route add 224.0.0.0/4 dev lo",
  "ip addr add 127.0.0.2/8 dev lo",
  "ip addr add 127.0.0.3/8 dev lo",
].join(" && ");

/** Whether a namespace can be made here (unshare needs root or user namespaces); the reason when not. */
export function netnsUnavailable(): string | undefined {
  const probe = spawnSync("unshare", ["-n", "sh", "-c", NETNS_SETUP], { encoding: "utf8", timeout: 10_000 });
  if (probe.error) return `unshare could not run: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare -n refused (${probe.stderr.trim() || `exit ${probe.status}`})`;
  return undefined;
}

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript file with tsx inside a fresh namespace; resolves when it exits (killed after `timeoutMs`). */
export function runTsInNetns(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ChildResult> {
  const command = [process.execPath, "--require", require.resolve("tsx/cjs"), script, ...args].map(quote).join(" ");
  const child = spawn("unshare", ["-n", "sh", "-c", `${NETNS_SETUP} && exec ${command}`], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
