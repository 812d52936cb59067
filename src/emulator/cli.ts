#!/usr/bin/env node
// pvs-emulator: a PVS6/PVS5 on this machine (legacy dl_cgi API, or the new firmware's LocalAPI), for trying
// flows without hardware.
import { Fault, FAULT_SPECS, parseFault } from "./faults";
import fs from "fs";
import path from "path";
import { Recording, RECORDING_FORMAT, recordingFromCapture } from "../model/recording";
import { isJsonObject } from "../model/safe-object";
import { checkRecording } from "./replay-check";
import { parseOutage } from "./storage-control";
import { EmulatorOptions, PvsEmulator } from "./server";
import { localLongitude } from "./site";
import { DEFAULT_PUBLICATION_DELAY_S } from "./publication";

const USAGE = `Usage: pvs-emulator [--port 18080] [--host 127.0.0.1] [--inverters 12] [--delay 0] [--longitude DEG]
                    [--model PVS6|PVS5] [--firmware 2024|2019] [--ct net|gross|none] [--declared SUBTYPE]
                    [--storage] [--outage AT:DURATION] [--night frozen|no-data|absent] [--publication-delay 265]
                    [--localapi] [--https-port 18443] [--session-ttl 300]
                    [--telemetry-port 19002] [--ws-enabled] [--ws-close-every 600] [--ws-fault stall|refuse]
                    [--fault SPEC] [--fault-on COMMAND,...] [--mdns ADDRESS]
       pvs-emulator --replay FILE [--advance-rate 1] [--hold SERIAL,...] [--port …] [--https-port …] [--telemetry-port …]

  --port       TCP port to listen on (0 = any free port)
  --host       address to listen on (default 127.0.0.1, this machine only)
  --inverters  number of simulated microinverters
  --delay      milliseconds before each answer (a real DeviceList takes ~10 s)
  --longitude  degrees east; sets when the simulated sun rises and sets (default: this machine's time zone)
  --publication-delay  seconds after its 5-minute stamp that device data appears (default 265; 0: at once)
  --model      PVS6 (default) or PVS5 (meters without per-leg fields, subtype or import counter)
  --firmware   PVS6 field set: 2024 (default: per-leg meter fields, subtypes, p_mppt1_kw) or 2019 (the seed's)
  --ct         what the consumption CT measures: net (grid, default), gross (house load) or none
  --declared   the subtype the PVS claims for the consumption meter (e.g. a misconfigured NET_CONSUMPTION_LOADSIDE)
  --storage    add a SunVault (HUB+, ESS, BMS, batteries, storage inverter) and its status report
  --outage     with --storage: the grid goes down AT seconds after start for DURATION seconds (e.g. 60:600);
               the SunVault islands the house (MID open, grid side 0 V, no grid power, the battery carries the load)
  --night      inverters at night: frozen (error, data frozen at sunset), no-data (error, no data) or absent
  --localapi   new firmware: LocalAPI (/auth, /vars) served, legacy DeviceList answers 403
  --https-port HTTPS port, same paths as HTTP with a self-signed certificate (default 18443, 0 = any free port)
  --session-ttl LocalAPI session lifetime in seconds from login (default 300)
  --telemetry-port  the PVS6 telemetry WebSocket's port (a real PVS: 9002; default 19002, 0 = any free port);
               served on a PVS6 with --localapi once /sys/telemetryws/enable=1 is written (as pvs-live does)
  --ws-enabled start with the telemetry WebSocket enabled
  --ws-close-every  close each WebSocket connection after this many seconds (default 600, as real firmware; 0 never)
  --ws-fault   stall: connections stay open but get no frames; refuse: connections are dropped at once
  --mdns       announce this PVS by mDNS (as _pvs6._tcp / _pvs5._tcp, its HTTP port) on ADDRESS, one IPv4 address
               of this machine that --host serves on (e.g. --host 0.0.0.0 --mdns 192.168.1.50); off by default
  --fault      misbehave like a struggling PVS; SPEC is one of:
${FAULT_SPECS.map(([spec, what]) => `                 ${spec.padEnd(18)} ${what}`).join("\n")}
  --fault-on   only for these requests: DeviceList, Get_Comm, supervisor/info, vars, auth:login… (default: all)
  --replay     serve the answers recorded in FILE (a "Download diagnostics" file or a test/fixtures recording,
               format pvs-recording/1, or one raw capture: a DeviceList, Get_Comm, supervisor/info or Start, ESS
               report or /vars answer) instead of a simulated site: both APIs, strict /vars parsing, telemetry
               frames in their recorded rhythm; what the file lacks is answered as the firmware would (400, 403,
               404). The PVS's serial is the file's (a diagnostics file: ZT000000000DIAG000, password AG000)
  --advance-rate  a replay moves forward in time at this many seconds per second (stamps and lifetime
               counters by the recorded power; default 0: frozen at the recording)
  --hold       with --advance-rate: these devices (serials, comma-separated) keep their recorded data stamp and
               counters while the rest moves on, as devices that stopped reporting`;

const DEFAULT_HTTPS_PORT = 18443;
const DEFAULT_TELEMETRY_PORT = 19002;

export interface CliOptions extends Required<
  Pick<EmulatorOptions, "port" | "host" | "inverters" | "delayMs" | "longitude" | "publicationDelayS">
> {
  model?: EmulatorOptions["model"];
  firmware?: EmulatorOptions["firmware"];
  consumptionCt?: EmulatorOptions["consumptionCt"];
  declaredSubtype?: string;
  storage?: boolean;
  night?: EmulatorOptions["night"];
  localApi?: boolean;
  /** Unset: DEFAULT_HTTPS_PORT. */
  httpsPort?: number;
  sessionTtlS?: number;
  /** Unset: DEFAULT_TELEMETRY_PORT. */
  telemetryPort?: number;
  telemetryEnabled?: boolean;
  telemetryCloseEveryMs?: number;
  wsFault?: "stall" | "refuse";
  fault?: Fault;
  /** A recording file to serve instead of the simulated site. */
  replayFile?: string;
  replayAdvanceRate?: number;
  replayHold?: string[];
  /** Announce by mDNS on this IPv4 address. */
  mdnsAddress?: string;
  /** `--outage AT:DURATION`, in ms. */
  outage?: { atMs: number; durationMs: number };
}

export function parseArgs(argv: string[]): CliOptions {
  const [longitude, publicationDelayS] = [localLongitude(), DEFAULT_PUBLICATION_DELAY_S];
  const opts: CliOptions = { port: 18080, host: "127.0.0.1", inverters: 12, delayMs: 0, longitude, publicationDelayS };
  let faultSpec: string | null = null;
  let faultOn: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--help" || flag === "-h") throw new Error(USAGE);
    if (flag === "--storage") {
      opts.storage = true;
      continue;
    }
    if (flag === "--localapi") {
      opts.localApi = true;
      continue;
    }
    if (flag === "--ws-enabled") {
      opts.telemetryEnabled = true;
      continue;
    }
    const value = argv[++i];
    const oneOf = <T extends string>(choices: readonly T[]): T => {
      if (!choices.includes(value as T)) throw new Error(`${flag} needs one of ${choices.join(", ")}\n\n${USAGE}`);
      return value as T;
    };
    const list = () => (value ?? "").split(",").flatMap((c) => (c.trim() === "" ? [] : [c.trim()]));
    const n = Number(value);
    const needNumber = (min: number, max: number) => {
      if (value === undefined || !Number.isFinite(n) || n < min || n > max)
        throw new Error(`${flag} needs a number from ${min} to ${max}\n\n${USAGE}`);
      return n;
    };
    if (flag === "--port") opts.port = needNumber(0, 65535);
    else if (flag === "--host") opts.host = value ?? opts.host;
    else if (flag === "--inverters") opts.inverters = Math.floor(needNumber(0, 5000));
    else if (flag === "--delay") opts.delayMs = needNumber(0, 600_000);
    else if (flag === "--longitude") opts.longitude = needNumber(-180, 180);
    else if (flag === "--publication-delay") opts.publicationDelayS = needNumber(0, 3600);
    else if (flag === "--model") opts.model = oneOf(["PVS6", "PVS5"] as const);
    else if (flag === "--firmware") opts.firmware = oneOf(["2024", "2019"] as const);
    else if (flag === "--ct") opts.consumptionCt = oneOf(["net", "gross", "none"] as const);
    else if (flag === "--declared")
      opts.declaredSubtype = oneOf(["NET_CONSUMPTION_LOADSIDE", "GROSS_CONSUMPTION_LINESIDE", "NOT_USED"] as const);
    else if (flag === "--night") opts.night = oneOf(["frozen", "no-data", "absent"] as const);
    else if (flag === "--https-port") opts.httpsPort = needNumber(0, 65535);
    else if (flag === "--session-ttl") opts.sessionTtlS = needNumber(1, 86_400);
    else if (flag === "--telemetry-port") opts.telemetryPort = needNumber(0, 65535);
    else if (flag === "--ws-close-every") opts.telemetryCloseEveryMs = needNumber(0, 86_400) * 1000;
    else if (flag === "--ws-fault") opts.wsFault = oneOf(["stall", "refuse"] as const);
    else if (flag === "--replay") {
      if (!value) throw new Error(`--replay needs a file\n\n${USAGE}`);
      opts.replayFile = value;
    } else if (flag === "--advance-rate") opts.replayAdvanceRate = needNumber(0, 1_000_000);
    else if (flag === "--hold") opts.replayHold = list();
    else if (flag === "--mdns") {
      if (!value) throw new Error(`--mdns needs an IPv4 address\n\n${USAGE}`);
      opts.mdnsAddress = value;
    } else if (flag === "--outage") {
      const outage = parseOutage(value ?? "");
      if (!outage) throw new Error(`--outage needs AT:DURATION in whole seconds, e.g. 60:600\n\n${USAGE}`);
      opts.outage = outage;
    } else if (flag === "--fault") faultSpec = value ?? "";
    else if (flag === "--fault-on") faultOn = list();
    else throw new Error(`unknown option ${flag}\n\n${USAGE}`);
  }
  if (faultSpec !== null) {
    try {
      opts.fault = parseFault(faultSpec, faultOn);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n\n${USAGE}`, { cause: err });
    }
  }
  return opts;
}

/** Says which API is served and where; never prints the serial, which is half of the LocalAPI password. */
export function startupLine(opts: CliOptions, url: string, httpsUrl: string, telemetryUrl?: string): string {
  const what = `${opts.model ?? "PVS6"}, ${opts.localApi ? "LocalAPI" : "legacy API"}, ${opts.inverters} inverters${opts.storage ? ", SunVault" : ""}`;
  const where = opts.localApi
    ? `listening on ${url} and ${httpsUrl}${telemetryUrl && (opts.model ?? "PVS6") === "PVS6" ? ` (telemetry WebSocket ${telemetryUrl}${opts.telemetryEnabled ? "" : ", off until /sys/telemetryws/enable=1"})` : ""}; log in at ${httpsUrl}/auth?login as ssm_owner (password: last 5 characters of the serial), then read ${httpsUrl}/vars?match=/sys/livedata`
    : `listening on ${url}/cgi-bin/dl_cgi?Command=DeviceList (HTTPS on ${httpsUrl})`;
  const fault = opts.fault
    ? `; fault: ${opts.fault.kind}${opts.fault.commands ? ` on ${opts.fault.commands.join(", ")}` : ""}`
    : "";
  return `PVS emulator (${what}) ${where}${fault}`;
}

/**
 * The recording in `file`: read, parsed, and checked as it is (a pvs-recording/1's wrong parts are named before
 * recordingFromCapture could drop them), or a raw capture wrapped into one; the emulator checks the result again.
 */
function loadReplay(file: string): Recording {
  const value = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
  if (isJsonObject(value) && value.format === RECORDING_FORMAT) checkRecording(value);
  return recordingFromCapture(value, path.basename(file));
}

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const { fault, wsFault, replayFile, mdnsAddress, outage, ...settings } = opts;
  let replay: Recording | undefined;
  let emulator: PvsEmulator;
  try {
    if (replayFile) replay = loadReplay(replayFile);
    emulator = new PvsEmulator({
      ...settings,
      replay,
      mdns: mdnsAddress !== undefined ? { address: mdnsAddress } : undefined,
      httpsPort: opts.httpsPort ?? DEFAULT_HTTPS_PORT,
      telemetryPort: opts.telemetryPort ?? DEFAULT_TELEMETRY_PORT,
    });
  } catch (err) {
    // A file that is not a recording is the user's input: the message names the file and what is wrong, no stack.
    process.stderr.write(`pvs-emulator: ${replayFile ? `${replayFile}: ` : ""}${(err as Error).message}\n`);
    process.exit(2);
  }
  if (fault) emulator.setFault(fault);
  if (wsFault) emulator.setTelemetryFault({ [wsFault]: true });
  if (outage) emulator.storage.addOutage(emulator.site.now() + outage.atMs, outage.durationMs);
  await emulator.start();
  if (mdnsAddress !== undefined) process.stdout.write(`announcing by mDNS on ${mdnsAddress}\n`);
  if (replay) {
    process.stdout.write(
      `PVS emulator replaying ${replayFile} (${replay.source ?? "a recording"}): ${emulator.site.localApi ? "LocalAPI" : "legacy API"} on ${emulator.url} and ${emulator.httpsUrl}, telemetry ws://${opts.host}:${emulator.telemetryPort}${opts.replayAdvanceRate ? `, advancing ×${opts.replayAdvanceRate}` : ""}\n`,
    );
  } else
    process.stdout.write(
      `${startupLine(opts, emulator.url, emulator.httpsUrl, `ws://${opts.host}:${emulator.telemetryPort}`)}\n`,
    );
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
