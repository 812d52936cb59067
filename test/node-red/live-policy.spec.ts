// pvs-live's send policy on the simulated clock: at most one message a second whatever the frames do, and the
// last values always go out.
import assert from "assert";
import sinon from "sinon";
import { LiveValues } from "../../src/model/live";
import { MIN_GAP_MS, SendMode, SendPolicy } from "../../src/node-red/live-policy";

interface Sent {
  at: number;
  pv: number | undefined;
}

/** A policy recording when it sent what. */
function recorder(mode: SendMode, everyMs = 0, thresholdW = 0): { policy: SendPolicy<number>; sent: Sent[] } {
  const sent: Sent[] = [];
  const policy = new SendPolicy<number>({ mode, thresholdW, everyMs }, (_item, values) =>
    sent.push({ at: Date.now(), pv: values.pv_p }),
  );
  return { policy, sent };
}

function assertGaps(sent: Sent[], leastMs: number): void {
  for (let i = 1; i < sent.length; i++) {
    const gap = sent[i].at - sent[i - 1].at;
    assert.ok(gap >= leastMs, `sends ${i - 1} and ${i} only ${gap} ms apart (${sent.map((s) => s.at).join(", ")})`);
  }
}

describe("node-red/live-policy", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(() => clock.restore());

  /**
   * Frames scheduled before the policy's own timer, several in each millisecond: at the end of a wait, frames are
   * handled before the policy's timer of the same millisecond, as socket frames can beat a timer that is due.
   */
  function flood(policy: SendPolicy<number>, forMs: number, perMs: number, values: (n: number) => LiveValues): number {
    let n = 0;
    for (let ms = 0; ms < forMs; ms++) {
      for (let k = 0; k < perMs; k++) {
        const i = n++;
        setTimeout(() => policy.offer(values(i), i, false), ms);
      }
    }
    return n;
  }

  for (const mode of ["update", "change"] as const) {
    it(`"${mode}": a flood of frames sends at most one message a second, and the last values`, async () => {
      const { policy, sent } = recorder(mode);
      const frames = flood(policy, 5000, 3, (i) => ({ pv_p: i }));
      await clock.tickAsync(10_000);
      assertGaps(sent, MIN_GAP_MS);
      assert.ok(sent.length >= 5 && sent.length <= 6, `${sent.length} sends in 5 s of frames`);
      assert.strictEqual(sent[sent.length - 1].pv, frames - 1, "the last frame's values went out");
    });
  }

  it('"interval": a flood sends once every N seconds, and the last values', async () => {
    const { policy, sent } = recorder("interval", 3000);
    const frames = flood(policy, 10_000, 2, (i) => ({ pv_p: i }));
    await clock.tickAsync(20_000);
    assertGaps(sent, 3000);
    assert.strictEqual(sent[sent.length - 1].pv, frames - 1);
  });

  it("a message's own send (noteSent) moves the next policy send a second later", async () => {
    const { policy, sent } = recorder("update");
    policy.offer({ pv_p: 1 }, 1, false);
    await clock.tickAsync(600);
    policy.offer({ pv_p: 2 }, 2, false);
    await clock.tickAsync(300);
    // At 900 ms a message asked for the values and got them: the pending ones wait until 1,900 ms.
    policy.noteSent({ pv_p: 2 });
    const noted = Date.now();
    await clock.tickAsync(2000);
    assert.strictEqual(sent.length, 2);
    assert.ok(sent[1].at - noted >= MIN_GAP_MS, `sent ${sent[1].at - noted} ms after the message's send`);
    assert.strictEqual(sent[1].pv, 2);
  });

  it("cancel clears the timer: nothing is sent after it", async () => {
    const { policy, sent } = recorder("update");
    policy.offer({ pv_p: 1 }, 1, false);
    policy.offer({ pv_p: 2 }, 2, false);
    policy.cancel();
    await clock.tickAsync(5000);
    assert.deepStrictEqual(
      sent.map((s) => s.pv),
      [1],
    );
    assert.strictEqual(clock.countTimers(), 0);
  });
});
