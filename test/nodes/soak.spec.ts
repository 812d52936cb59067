// Soak: a simulated week of polling through the real runtime, with faults injected at random (seeded), on a
// fake clock. Every poll must end in exactly what its fault allows: a message when the PVS answers usably,
// one coded error when it does not, never both, never neither; and the run must leave nothing behind.
import assert from "assert";
import { NodeMessage } from "node-red";
import { Fault, PvsEmulator } from "../../src/emulator/server";
import { helper } from "../support/node-red";
import { advance, fakeClock } from "../support/simulated-time";
import { NODE_MODULES, testFlow } from "../support/flows";

type Msg = NodeMessage & { error?: { code?: string; message?: string } };

const INTERVAL_S = 1800;
const WEEK_POLLS = (7 * 24 * 3600) / INTERVAL_S; // 336

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Faults that cost the poll (an error, no message), and faults the node absorbs (a message, maybe a report). */
const FAILING: Fault[] = [
  { kind: "hang" },
  { kind: "reset" },
  { kind: "reset-mid-body" },
  { kind: "truncate" },
  { kind: "status", status: 500 },
  { kind: "status", status: 503 },
  { kind: "status", status: 403 },
  { kind: "body", body: "<html>busy</html>", contentType: "text/html" },
  { kind: "body", body: '{"result":"error"}' },
  { kind: "devices", change: "empty" },
];
const ABSORBED: Fault[] = [
  { kind: "delay", ms: 2000 },
  { kind: "devices", change: "duplicate-serials" },
];

describe("soak: a simulated week with random faults (real runtime, fake clock)", function () {
  this.timeout(120_000);
  for (const api of ["legacy", "localapi"] as const) {
    it(`${api}: ${WEEK_POLLS} polls, every one ends in exactly one message or one coded error`, async () => {
      const emulator = new PvsEmulator({ inverters: 3, localApi: api === "localapi" });
      await emulator.start();
      const clock = fakeClock();
      const rand = random(api === "legacy" ? 20261124 : 5408);
      let unhandled = 0;
      const onUnhandled = () => unhandled++;
      process.on("unhandledRejection", onUnhandled);
      try {
        await helper.load(
          NODE_MODULES,
          testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: INTERVAL_S }], {
            timeout: 5,
          }),
        );
        const sent: Msg[] = [];
        const caught: Msg[] = [];
        helper.getNode("out").on("input", (m: NodeMessage) => sent.push(m as Msg));
        helper.getNode("caught").on("input", (m: NodeMessage) => caught.push(m as Msg));

        // Fault windows: most polls are clean; now and then a fault holds for 1 to 8 polls.
        let expectSent = 0;
        let expectFailed = 0;
        let absorbedReports = 0;
        let remaining = 0;
        let current: Fault | null = null;
        for (let poll = 0; poll < WEEK_POLLS; poll++) {
          if (remaining === 0) {
            const kinds = rand() < 0.8 ? FAILING : ABSORBED;
            current = rand() < 0.12 ? kinds[Math.floor(rand() * kinds.length)] : null;
            remaining = current ? 1 + Math.floor(rand() * 8) : 1;
            if (api === "localapi" && rand() < 0.05) emulator.expireSessions();
          }
          remaining--;
          emulator.setFault(
            current
              ? {
                  ...current,
                  commands: current.kind === "devices" ? undefined : [api === "legacy" ? "DeviceList" : "vars"],
                }
              : null,
          );
          const failing = current !== null && FAILING.includes(current);
          if (failing) expectFailed++;
          else expectSent++;
          if (current?.kind === "devices" && current.change === "duplicate-serials") absorbedReports++;

          // Let the poll happen (the first at deploy, the others on the interval), then wait for its outcome.
          const outcomes = sent.length + caught.filter((m) => m.error?.code !== "DUPLICATE_SERIAL").length;
          const outcome = () =>
            sent.length + caught.filter((m) => m.error?.code !== "DUPLICATE_SERIAL").length !== outcomes;
          await advance(clock, emulator, {
            until: outcome,
            forMs: 2 * INTERVAL_S * 1000,
            what: `poll ${poll} (${current ? JSON.stringify(current) : "no fault"})`,
            idle: "next-timer",
          });
        }

        const failures = caught.filter((m) => m.error?.code !== "DUPLICATE_SERIAL");
        assert.strictEqual(sent.length, expectSent, "a message for every poll the PVS answered usably");
        assert.strictEqual(failures.length, expectFailed, "one coded error for every poll it did not");
        assert.ok(
          failures.every((m) => typeof m.error?.code === "string" && m.error.code.startsWith("PVS_")),
          failures.map((m) => m.error?.code).join(),
        );
        // A duplicate serial is reported once per occurrence, not on every poll it lasts.
        assert.ok(caught.length - failures.length <= absorbedReports);
        assert.strictEqual(unhandled, 0, "no promise rejection escaped");
        if (api === "localapi") assert.ok(emulator.openSessions <= 1, `${emulator.openSessions} sessions open`);
      } finally {
        process.off("unhandledRejection", onUnhandled);
        clock.restore();
        await helper.unload();
        await emulator.stop();
      }
      assert.strictEqual(emulator.openSessions, 0, "closing logged out");
    });
  }
});
