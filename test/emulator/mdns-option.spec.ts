// The emulator's mDNS announcement is opt-in (--mdns ADDRESS / the mdns option); announcing on the wire is tested in
// a network namespace (test/nodes/pvs-config/discover.spec.ts). Here: the option's parsing, and that a start whose
// announcement fails leaves no server listening.
import assert from "assert";
import net from "net";
import { parseArgs } from "../../src/emulator/cli";
import { PvsEmulator } from "../../src/emulator/server";

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

describe("emulator: the mDNS option", () => {
  it("is off unless --mdns names an address", () => {
    assert.strictEqual(parseArgs([]).mdnsAddress, undefined);
    assert.strictEqual(parseArgs(["--mdns", "192.168.1.50"]).mdnsAddress, "192.168.1.50");
    assert.throws(() => parseArgs(["--mdns"]), /--mdns needs an IPv4 address/);
  });

  it("a start that cannot announce (an address no responder may use) rejects and closes its servers", async () => {
    const port = await freePort();
    const emulator = new PvsEmulator({ port, inverters: 1, mdns: { address: "0.0.0.0" } });
    await assert.rejects(emulator.start(), /mDNS/);
    const again = net.createServer();
    await new Promise<void>((resolve, reject) => {
      again.once("error", reject);
      again.listen(port, "127.0.0.1", () => resolve());
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });
});
