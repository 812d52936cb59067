#!/usr/bin/env node
// pvs-emulator: a PVS6 (legacy dl_cgi API) on this machine, for trying flows without hardware.
import { PvsEmulator } from "./server";

const USAGE = `Usage: pvs-emulator [--port 18080] [--host 127.0.0.1] [--inverters 12] [--delay 0] [--longitude -117]

  --port       TCP port to listen on (0 = any free port)
  --host       address to listen on (default 127.0.0.1, this machine only)
  --inverters  number of simulated microinverters
  --delay      milliseconds before each answer (a real DeviceList takes ~10 s)
  --longitude  degrees east; sets when the simulated sun rises and sets`;

export function parseArgs(argv: string[]): { port: number; host: string; inverters: number; delayMs: number; longitude: number } {
  const opts = { port: 18080, host: "127.0.0.1", inverters: 12, delayMs: 0, longitude: -117 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--help" || flag === "-h") throw new Error(USAGE);
    const value = argv[++i];
    const n = Number(value);
    const needNumber = (min: number, max: number) => {
      if (value === undefined || !Number.isFinite(n) || n < min || n > max) throw new Error(`${flag} needs a number from ${min} to ${max}\n\n${USAGE}`);
      return n;
    };
    if (flag === "--port") opts.port = needNumber(0, 65535);
    else if (flag === "--host") opts.host = value ?? opts.host;
    else if (flag === "--inverters") opts.inverters = Math.floor(needNumber(0, 5000));
    else if (flag === "--delay") opts.delayMs = needNumber(0, 600_000);
    else if (flag === "--longitude") opts.longitude = needNumber(-180, 180);
    else throw new Error(`unknown option ${flag}\n\n${USAGE}`);
  }
  return opts;
}

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const emulator = new PvsEmulator(opts);
  await emulator.start();
  process.stdout.write(`PVS emulator (PVS6, legacy API, ${opts.inverters} inverters) listening on ${emulator.url}/cgi-bin/dl_cgi?Command=DeviceList\n`);
  const stop = () => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`pvs-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
