// "Search the network" clicked in Chromium: the emulated PVS announcing by mDNS is listed (model, address, masked
// serial) and Use fills Host. Node-RED, the emulator and Chromium run in one network namespace of their own
// (test/browser/netns-search.ts), so no multicast reaches the machine's real network. Where a namespace cannot be
// made it is skipped, except under CI=true, where it must run, as the other namespace specs do.
import assert from "assert";
import fs from "fs";
import path from "path";
import { maskSerial } from "../../src/model/redact";
import { ChildResult, netnsUnavailable, runTsInNetns } from "../support/netns";
import { CHROMIUM } from "./editor";

const SERIAL = "ZT01234567890FGHIJ";

interface Outcome {
  before: { value: string; invalid: boolean };
  listed: string[];
  after: { value: string; invalid: boolean };
  port: string;
  unitPort: number;
  infoRequests: number;
  pageErrors: string[];
  blocked: string[];
}

const [major, minor] = process.versions.node.split(".").map(Number);
const nodeRed5 = process.env.PVS_NODE_RED !== "node-red-4" && (major > 22 || (major === 22 && minor >= 9));
const title = "Search the network in Chromium (real Node-RED 5, emulator on mDNS, one network namespace)";
const suite = !nodeRed5
  ? describe.skip.bind(describe, `${title}: runs on the Node-RED 5 pass only`)
  : !fs.existsSync(CHROMIUM)
    ? describe.skip.bind(describe, `${title}: SKIPPED, no ${CHROMIUM}`)
    : describe.bind(describe, title);

suite(function () {
  this.timeout(150_000);
  let child: ChildResult;
  let outcome: Outcome;

  before(async function () {
    const reason = netnsUnavailable();
    if (reason !== undefined) {
      if (process.env.CI === "true") throw new Error(`the search browser test needs a network namespace: ${reason}`);
      console.warn(`      skipped: the search browser test needs a network namespace (${reason}); CI=true fails`);
      this.skip();
    }
    child = await runTsInNetns(path.join(__dirname, "netns-search.ts"), [], { SEARCH_SERIAL: SERIAL }, 140_000);
    const line = child.stdout.split("\n").find((l) => l.startsWith('{"result"') || l.startsWith('{"error"'));
    assert.ok(line, `the child reported nothing (exit ${child.code}): ${child.stderr.slice(0, 2000)}`);
    const parsed = JSON.parse(line) as { result?: Outcome; error?: string };
    assert.strictEqual(parsed.error, undefined, `the scenario failed: ${child.stderr.slice(0, 2000)}`);
    outcome = parsed.result as Outcome;
  });

  it("a new pvs-config's Host is empty and marked invalid until the search fills it", () => {
    assert.deepStrictEqual(outcome.before, { value: "", invalid: true });
    assert.deepStrictEqual(outcome.after, { value: "127.0.0.2", invalid: false });
    assert.strictEqual(outcome.port, String(outcome.unitPort), "the announced port, the emulator's own");
  });

  it("lists the emulated unit: model, address, masked serial, asking it once for supervisor/info", () => {
    assert.strictEqual(outcome.listed.length, 1, outcome.listed.join("\n"));
    const [row] = outcome.listed;
    for (const part of ["PVS6", "127.0.0.2", maskSerial(SERIAL)]) assert.ok(row.includes(part), `${part} in ${row}`);
    assert.strictEqual(outcome.infoRequests, 1);
  });

  it("no page error, nothing sent off the machine, and the serial's end (the password) never shown", () => {
    assert.deepStrictEqual(outcome.pageErrors, []);
    assert.deepStrictEqual(outcome.blocked, []);
    const output = child.stdout + child.stderr;
    assert.ok(!output.includes(SERIAL.slice(-5)), "the password was printed");
  });
});
