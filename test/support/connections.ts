// Emulators and PvsConnections for client tests without Node-RED: made on demand, all closed after each test.
import { EmulatorOptions, PvsEmulator } from "../../src/emulator/server";
import { ConnectionOptions, PvsConnection } from "../../src/pvs/connection/connection";

export { until } from "./wait";

export interface ConnectionHarness {
  /** A started emulator (LocalAPI firmware unless `options` say otherwise). */
  emulator(options?: EmulatorOptions): Promise<PvsEmulator>;
  /** A connection to `e`: API detected, no spacing or back-off unless `extra` sets them. */
  connect(e: PvsEmulator, extra?: Partial<ConnectionOptions>): PvsConnection;
}

/** Registers an afterEach in the calling describe that closes what the harness made. */
export function connectionHarness(): ConnectionHarness {
  const emulators: PvsEmulator[] = [];
  const connections: PvsConnection[] = [];
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await Promise.all(emulators.splice(0).map((e) => e.stop()));
  });
  return {
    async emulator(options = {}) {
      const e = new PvsEmulator({ inverters: 3, localApi: true, ...options });
      await e.start();
      emulators.push(e);
      return e;
    },
    connect(e, extra = {}) {
      const c = new PvsConnection({
        api: "auto",
        protocol: "http",
        host: "127.0.0.1",
        port: e.port,
        localPort: e.httpsPort,
        timeoutMs: 3000,
        minSpacingMs: 0,
        backoffBaseMs: 0,
        ...extra,
      });
      connections.push(c);
      return c;
    },
  };
}
