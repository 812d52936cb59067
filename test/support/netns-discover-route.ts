// The "Search the network" route's scenario of test/nodes/pvs-config/discover.spec.ts, run by it inside a network
// namespace of its own (test/support/netns.ts): two emulators announcing by mDNS (a legacy PVS6 on 127.0.0.2, a
// LocalAPI PVS5 on 127.0.0.3), a flow deployed in the real runtime, then GET /pvs-config/discover. One JSON line on
// stdout: { result } or { error }. The serials come in the environment, never in argv or output.
import { PvsEmulator } from "../../src/emulator/server";
import { helper } from "./node-red";
import { NODE_MODULES, testFlow } from "./flows";

async function main(): Promise<unknown> {
  const legacy = new PvsEmulator({
    host: "127.0.0.2",
    inverters: 2,
    serial: process.env.DISCOVER_SERIAL_A,
    mdns: { address: "127.0.0.2" },
  });
  const fresh = new PvsEmulator({
    host: "127.0.0.3",
    inverters: 1,
    model: "PVS5",
    localApi: true,
    serial: process.env.DISCOVER_SERIAL_B,
    mdns: { address: "127.0.0.3" },
  });
  const quiet = new PvsEmulator({ host: "127.0.0.2", inverters: 1 });
  await legacy.start();
  await fresh.start();
  await quiet.start();
  try {
    await helper.load(NODE_MODULES, testFlow(quiet.port, [], { host: "127.0.0.2" }));
    const first = helper
      .request()
      .get("/pvs-config/discover")
      .then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A second search while the first runs is refused, as each one listens for 3 s.
    const second = await helper.request().get("/pvs-config/discover");
    const answer = await first;
    return {
      status: answer.status,
      body: answer.body as unknown,
      concurrent: second.status,
      ports: { legacy: legacy.port, fresh: fresh.port },
      infoRequests: { legacy: legacy.count("supervisor/info"), fresh: fresh.count("supervisor/info") },
    };
  } finally {
    await helper.unload();
    await legacy.stop();
    await fresh.stop();
    await quiet.stop();
  }
}

main()
  .then((result) => process.stdout.write(JSON.stringify({ result }) + "\n"))
  .catch((err: unknown) => process.stdout.write(JSON.stringify({ error: String(err) }) + "\n"))
  .finally(() => process.exit(0));
