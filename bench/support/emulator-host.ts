// Emulated PVSs in a child process, so that serving them costs the benchmarked Node-RED process nothing (on a
// 2-core machine the child runs on the other core). Started by `startEmulators()`; talks over the IPC channel.
import { fork } from "child_process";
import { PvsEmulator } from "../../src/emulator/server";

export interface EmulatorSpec {
  inverters: number;
  localApi?: boolean;
  /** Serve one DeviceList, rendered once, for every DeviceList request: the answer costs only its sending. */
  frozenDeviceList?: boolean;
}

export interface EmulatorPorts {
  port: number;
  httpsPort: number;
}

type Request =
  { id: number; type: "start"; specs: EmulatorSpec[] } | { id: number; type: "counts" } | { id: number; type: "stop" };
type Reply = { id: number; ports?: EmulatorPorts[]; counts?: Array<Record<string, number>>; error?: string };

/** Runs in the child. */
function host(): void {
  let emulators: PvsEmulator[] = [];
  const reply = (r: Reply) => process.send?.(r);
  process.on("message", (m: Request) => {
    void (async () => {
      try {
        if (m.type === "start") {
          emulators = m.specs.map(
            (s) =>
              new PvsEmulator({
                inverters: s.inverters,
                localApi: s.localApi === true,
                longitude: -117,
                now: s.frozenDeviceList ? () => NOON : Date.now,
              }),
          );
          const ports: EmulatorPorts[] = [];
          for (const [i, e] of emulators.entries()) {
            await e.start();
            if (m.specs[i].frozenDeviceList)
              e.setFault({ kind: "body", body: JSON.stringify(e.site.deviceList()), commands: ["DeviceList"] });
            ports.push({ port: e.port, httpsPort: e.httpsPort });
          }
          reply({ id: m.id, ports });
        } else if (m.type === "counts") {
          const counts = emulators.map((e) => {
            const byCommand: Record<string, number> = {};
            for (const r of e.requests) byCommand[r.command] = (byCommand[r.command] ?? 0) + 1;
            e.requests.length = 0; // counted and forgotten: the record is an instrument, not what is measured
            return byCommand;
          });
          reply({ id: m.id, counts });
        } else {
          for (const e of emulators) await e.stop();
          reply({ id: m.id });
          process.exit(0);
        }
      } catch (err) {
        reply({ id: m.id, error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
}

/** 2025-06-21 12:00 at longitude -117 (19:48 UTC): the sun is up, every inverter produces. */
const NOON = Date.UTC(2025, 5, 21, 19, 48);

export interface EmulatorHost {
  ports: EmulatorPorts[];
  /** Requests received by each emulator since the last call, by command ("DeviceList", "vars", "auth:login"…). */
  counts(): Promise<Array<Record<string, number>>>;
  stop(): Promise<void>;
}

export async function startEmulators(specs: EmulatorSpec[]): Promise<EmulatorHost> {
  const child = fork(__filename, ["--host"], {
    execArgv: ["--require", "tsx/cjs"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let next = 0;
  const pending = new Map<number, (r: Reply) => void>();
  child.on("message", (r: Reply) => {
    pending.get(r.id)?.(r);
    pending.delete(r.id);
  });
  const ask = (m: Omit<Request, "id"> & { specs?: EmulatorSpec[] }): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, (r) => (r.error ? reject(new Error(r.error)) : resolve(r)));
      child.send({ ...m, id });
    });
  const started = await ask({ type: "start", specs });
  return {
    ports: started.ports ?? [],
    counts: async () => (await ask({ type: "counts" })).counts ?? [],
    stop: async () => {
      await ask({ type: "stop" }).catch(() => undefined);
      if (child.exitCode === null) child.kill();
    },
  };
}

if (require.main === module && process.argv.includes("--host")) host();
