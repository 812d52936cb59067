// "Search the network" (GET /pvs-config/discover) in the real runtime, against emulators announcing by mDNS. The
// scenario (test/support/netns-discover-route.ts) runs in a child process inside a network namespace of its own,
// so no packet reaches the machine's real network. Where a namespace cannot be made it is skipped, except under
// CI=true, where it must run. The refusal to a user without pvs-config.read: test/diagnostics/permission.spec.ts.
import assert from "assert";
import path from "path";
import { DiscoverAnswer } from "../../../src/node-red/admin-api";
import { maskSerial } from "../../../src/model/redact";
import { ChildResult, netnsUnavailable, runTsInNetns } from "../../support/netns";

const SERIAL_A = "ZT01234567890ABCDEF";
const SERIAL_B = "PVS5M0000000042";

interface Outcome {
  status: number;
  body: DiscoverAnswer;
  concurrent: number;
  ports: { legacy: number; fresh: number };
  infoRequests: { legacy: number; fresh: number };
}

describe("pvs-config: Search the network (real runtime, emulators on mDNS in a network namespace)", function () {
  this.timeout(90_000);
  let child: ChildResult;
  let outcome: Outcome;

  before(async function () {
    const reason = netnsUnavailable();
    if (reason !== undefined) {
      if (process.env.CI === "true") throw new Error(`the discover route test needs a network namespace: ${reason}`);
      console.warn(`      skipped: the discover route test needs a network namespace (${reason}); CI=true fails`);
      this.skip();
    }
    const script = path.join(__dirname, "../../support/netns-discover-route.ts");
    child = await runTsInNetns(script, [], { DISCOVER_SERIAL_A: SERIAL_A, DISCOVER_SERIAL_B: SERIAL_B }, 80_000);
    const line = child.stdout.split("\n").find((l) => l.startsWith('{"result"') || l.startsWith('{"error"'));
    assert.ok(line, `the child reported nothing (exit ${child.code}): ${child.stderr.slice(0, 2000)}`);
    const parsed = JSON.parse(line) as { result?: Outcome; error?: string };
    assert.strictEqual(parsed.error, undefined, "the scenario failed");
    outcome = parsed.result as Outcome;
  });

  it("lists each announcing PVS with model, address, port, masked serial, firmware build and API", () => {
    assert.strictEqual(outcome.status, 200, JSON.stringify(outcome.body));
    const units = [...outcome.body.units].sort((x, y) => x.addresses[0].localeCompare(y.addresses[0]));
    assert.deepStrictEqual(
      units.map((u) => [u.model, u.addresses, u.port, u.serial, u.api]),
      [
        ["PVS6", ["127.0.0.2"], outcome.ports.legacy, maskSerial(SERIAL_A), "legacy"],
        ["PVS5", ["127.0.0.3"], outcome.ports.fresh, maskSerial(SERIAL_B), "localapi"],
      ],
    );
    assert.ok(units[0].build !== null && units[0].build < 61840, `a legacy PVS6 build: ${units[0].build}`);
    assert.ok(units[1].build !== null && units[1].build >= 5408, `a LocalAPI PVS5 build: ${units[1].build}`);
    for (const u of units) assert.match(u.host, /^pvs-[0-9a-f]{6}\.local$/);
  });

  it("asks each unit found once, for supervisor/info; the emulator that does not announce is not listed", () => {
    assert.deepStrictEqual(outcome.infoRequests, { legacy: 1, fresh: 1 });
    assert.strictEqual(outcome.body.units.length, 2);
  });

  it("refuses a second search while one runs (429)", () => {
    assert.strictEqual(outcome.concurrent, 429);
  });

  it("never lets a serial or its end (the password) out, in the answer or anything the child printed", () => {
    const output = child.stdout + child.stderr;
    for (const serial of [SERIAL_A, SERIAL_B]) {
      assert.ok(!output.includes(serial), "a serial was printed");
      assert.ok(!output.includes(serial.slice(-5)), "a password was printed");
    }
  });
});
