// The scenarios of test/nodes/pvs-config/follow.spec.ts, run by it inside a network namespace of their own
// (test/support/netns.ts): a pvs-device-list in the real runtime polls an emulator announcing by mDNS on 127.0.0.2,
// the emulator moves, and the connection searches by real mDNS. One JSON line per scenario on stdout:
// { scenario, result } or { scenario, error }. The serials come in the environment, never in argv or output.
import sinon from "sinon";
import { PvsEmulator } from "../../src/emulator/server";
import { sharedConnections } from "../../src/node-red/shared-connections";
import { findPvsWhere } from "../../src/pvs/discovery/browse";
import { PvsConnection } from "../../src/pvs/connection/connection";
import { helper } from "./node-red";
import { NODE_MODULES, testFlow } from "./flows";

const SERIAL_A = process.env.FOLLOW_SERIAL_A ?? "";
const SERIAL_B = process.env.FOLLOW_SERIAL_B ?? "";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let searches = 0;
// Short timings (the rule's defaults are 3 failures and a minute between searches); the search itself is real mDNS.
sharedConnections.followTuning = {
  afterFailures: 2,
  browseEveryMs: 2000,
  browseTimeoutMs: 3000,
  find: (matches, options) => {
    searches++;
    return findPvsWhere(matches, options);
  },
};

interface Run {
  emulator: PvsEmulator;
  messages: number[];
  warnings: () => string[];
  connection: () => PvsConnection;
}

/** An emulator announcing on 127.0.0.2 and a flow whose pvs-device-list polls it every 2 s. */
async function deploy(follow: boolean): Promise<Run> {
  const emulator = new PvsEmulator({
    host: "127.0.0.2",
    inverters: 2,
    serial: SERIAL_A,
    mdns: { address: "127.0.0.2" },
  });
  await emulator.start();
  const flow = testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 2 }], {
    host: "127.0.0.2",
    follow,
  });
  await helper.load(NODE_MODULES, flow);
  const messages: number[] = [];
  helper.getNode("out").on("input", () => messages.push(Date.now()));
  const log = helper.log() as unknown as sinon.SinonSpy<[{ level: number; id?: string; msg?: unknown }]>;
  // Node-RED's WARN level is 30: the pvs-config's warnings.
  const warnings = () =>
    log.args
      .map(([r]) => r)
      .filter((r) => r.level === 30 && r.id === "cfg")
      .map((r) => String(r.msg));
  const connection = () => (helper.getNode("cfg") as unknown as { pvs: PvsConnection }).pvs;
  return { emulator, messages, warnings, connection };
}

async function waitFor(what: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (what()) return true;
    await sleep(100);
  }
  return what();
}

async function teardown(...emulators: PvsEmulator[]): Promise<void> {
  await helper.unload();
  for (const e of emulators) await e.stop();
}

const scenarios: Record<string, () => Promise<unknown>> = {
  // (a) The emulator moves to 127.0.0.3: the node's next message comes from there, the log names both addresses.
  follows: async () => {
    const run = await deploy(true);
    try {
      const first = await waitFor(() => run.messages.length >= 1, 15_000);
      searches = 0;
      const movedAt = Date.now();
      await run.emulator.moveTo("127.0.0.3");
      const before = run.emulator.count("DeviceList");
      const seen = run.messages.length;
      const next = await waitFor(() => run.messages.length > seen, 60_000);
      const info = await helper.request().get("/pvs-config/cfg/info");
      const shared = (info.body as { shared?: { nowAt?: string } }).shared;
      return {
        nowAt: shared?.nowAt ?? null,
        first,
        next,
        followedInMs: Date.now() - movedAt,
        host: run.connection().host,
        listsAtNewAddress: run.emulator.count("DeviceList") - before,
        warnings: run.warnings(),
        searches,
      };
    } finally {
      await teardown(run.emulator);
    }
  },

  // (b) The PVS is gone; another serial announces at 127.0.0.3 on the same ports: never adopted.
  otherSerial: async () => {
    const run = await deploy(true);
    const other = new PvsEmulator({
      host: "127.0.0.3",
      port: run.emulator.port,
      httpsPort: run.emulator.httpsPort,
      inverters: 1,
      serial: SERIAL_B,
      mdns: { address: "127.0.0.3" },
    });
    try {
      const first = await waitFor(() => run.messages.length >= 1, 15_000);
      await run.emulator.stop();
      await other.start();
      searches = 0;
      const seen = run.messages.length;
      await sleep(15_000);
      return {
        first,
        messagesAfter: run.messages.length - seen,
        host: run.connection().host,
        nowAt: run.connection().followedTo,
        otherRequests: other.count(),
        warnings: run.warnings(),
        searches,
      };
    } finally {
      await teardown(other);
    }
  },

  // (c) Follow off: the PVS moves, nothing searches, the node stays on the configured address.
  off: async () => {
    const run = await deploy(false);
    try {
      const first = await waitFor(() => run.messages.length >= 1, 15_000);
      searches = 0;
      await run.emulator.moveTo("127.0.0.3");
      const seen = run.messages.length;
      await sleep(12_000);
      return {
        first,
        messagesAfter: run.messages.length - seen,
        host: run.connection().host,
        health: run.connection().health().lastError?.code ?? null,
        warnings: run.warnings(),
        searches,
      };
    } finally {
      await teardown(run.emulator);
    }
  },
};

async function main(): Promise<void> {
  for (const name of process.argv.slice(2)) {
    const run = scenarios[name];
    try {
      if (!run) throw new Error(`no scenario ${name}`);
      process.stdout.write(JSON.stringify({ scenario: name, result: await run() }) + "\n");
    } catch (err) {
      process.stdout.write(JSON.stringify({ scenario: name, error: String(err) }) + "\n");
    }
  }
}

main().finally(() => process.exit(0));
