// Node status texts: the retry time in the unit that fits it, no empty segment in pvs-live's status, and the
// fixed texts sent as catalog keys for the editor to translate. The words through the real en-US catalog; the
// statuses through the real runtime against the emulator (the test helper's RED._ returns the key itself).
import assert from "assert";
import fs from "fs";
import path from "path";
import sinon from "sinon";
import { PvsEmulator } from "../../src/emulator/server";
import { retryStatus, Translate } from "../../src/node-red/status";
import { helper } from "../support/node-red";
import { advance, fakeClock } from "../support/simulated-time";
import { NODE_MODULES, testFlow } from "../support/flows";

type Status = { fill?: string; text?: string };
const statuses = (id: string): Status[] =>
  (helper.getNode(id).status as unknown as sinon.SinonSpy)
    .getCalls()
    .filter((c) => c.thisValue === helper.getNode(id))
    .map((c) => c.args[0] as Status);

/** The en-US catalog with Node-RED's __name__ interpolation, as the runtime's RED._ gives it. */
const catalog = JSON.parse(
  fs.readFileSync(path.join(__dirname, "../../nodes/pvs-config/locales/en-US/pvs-config.json"), "utf8"),
) as { status: Record<string, string> };
const english: Translate = (key, params = {}) => {
  const text = catalog.status[key.replace(/^.*:/, "").replace(/^status\./, "")];
  assert.ok(text, key);
  return text.replace(/__([A-Za-z]+)__/g, (_m, name: string) => String(params[name]));
};

describe("node status texts", function () {
  this.timeout(20000);

  it("say the retry in seconds when it is under a minute, in minutes above", () => {
    const now = Date.parse("2026-06-01T12:00:00Z");
    const text = (waitMs: number) =>
      retryStatus(english, "PVS_UNREACHABLE", undefined, now + waitMs, now).text?.replace(/ · \d\d:\d\d$/, "");
    assert.strictEqual(text(40_000), "PVS unreachable, retry in 40 s");
    assert.strictEqual(text(59_400), "PVS unreachable, retry in 60 s");
    assert.strictEqual(text(300), "PVS unreachable, retry in 1 s");
    assert.strictEqual(text(60_000), "PVS unreachable, retry in 1 min");
    assert.strictEqual(text(4 * 60_000 - 1000), "PVS unreachable, retry in 4 min");
  });

  describe("in the real runtime", () => {
    let emulator: PvsEmulator;
    let clock: sinon.SinonFakeTimers | null = null;
    afterEach(async () => {
      clock?.restore();
      clock = null;
      await helper.unload();
      await emulator.stop();
    });

    it("a breaker that opens for seconds says seconds, one that opens for minutes says minutes", async () => {
      emulator = new PvsEmulator({ inverters: 3 });
      await emulator.start();
      emulator.setFault({ kind: "reset" });
      clock = fakeClock();
      await helper.load(
        NODE_MODULES,
        testFlow(emulator, [{ id: "list", type: "pvs-device-list", server: "cfg", interval: 60 }]),
      );
      const fakeTime = clock;
      const retries = () => statuses("list").filter((s) => /status\.retryIn/.test(s.text ?? ""));
      await advance(fakeTime, emulator, {
        forMs: 10 * 60_000,
        until: () => retries().length > 0,
        what: "the breaker's status",
      });
      // The first opening: the third failure's back-off, 5 s doubled twice (about 20 s).
      assert.match(retries()[0].text ?? "", /status\.unreachable, \S*status\.retryInSeconds · \d\d:\d\d$/);
      await advance(fakeTime, emulator, {
        forMs: 30 * 60_000,
        until: () => retries().some((s) => /status\.retryIn ·/.test(s.text ?? "")),
      });
      assert.ok(
        retries().some((s) => /status\.retryIn ·/.test(s.text ?? "")),
        "after more failures the wait is minutes: " +
          retries()
            .map((s) => s.text)
            .join(" | "),
      );
    });

    it("sends a fixed status as a whole catalog key, which the editor translates: no PVS, invalid settings, polling, connecting", async () => {
      emulator = new PvsEmulator({ inverters: 3, localApi: true, delayMs: 300 });
      await emulator.start();
      const KEY = "@pvs-local/node-red-sunpower/pvs-config:status.";
      await helper.load(
        NODE_MODULES,
        testFlow(emulator, [
          ...["pvs-device-list", "pvs-comm", "pvs-command", "pvs-live"].map((type) => ({
            id: `none-${type}`,
            type,
            server: "",
            interval: 0,
          })),
          { id: "bad", type: "pvs-device-list", server: "cfg", interval: -5 },
          { id: "list", type: "pvs-device-list", server: "cfg", interval: 0 },
          { id: "live", type: "pvs-live", server: "cfg", send: "update", interval: 1 },
        ]),
      );
      for (const type of ["pvs-device-list", "pvs-comm", "pvs-command", "pvs-live"])
        assert.deepStrictEqual(
          statuses(`none-${type}`).at(-1),
          { fill: "red", shape: "ring", text: `${KEY}notConfigured` },
          type,
        );
      assert.deepStrictEqual(statuses("bad").at(-1), { fill: "red", shape: "ring", text: `${KEY}badConfig` });
      assert.deepStrictEqual(statuses("live")[0], { fill: "blue", shape: "ring", text: `${KEY}connecting` });
      helper.getNode("list").receive({});
      const end = Date.now() + 4000;
      while (statuses("list").length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      assert.deepStrictEqual(statuses("list")[0], { fill: "blue", shape: "dot", text: `${KEY}polling` });
      for (const key of ["notConfigured", "badConfig", "connecting", "polling"]) assert.ok(catalog.status[key], key);
    });

    it("pvs-live's first status, sent before the source is known, has no empty segment", async () => {
      emulator = new PvsEmulator({ inverters: 3, localApi: true });
      await emulator.start();
      await helper.load(
        NODE_MODULES,
        testFlow(emulator, [{ id: "live", type: "pvs-live", server: "cfg", send: "update", interval: 1 }]),
      );
      const green = () => statuses("live").filter((s) => s.fill === "green");
      const end = Date.now() + 6000;
      while (!green().some((s) => /status\.websocket/.test(s.text ?? "")) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 20));
      const texts = statuses("live").map((s) => s.text ?? "");
      assert.ok(green().length >= 2, texts.join(" | "));
      for (const text of texts)
        assert.ok(
          text.split(" · ").every((segment) => segment.trim() !== ""),
          `an empty segment in "${text}"`,
        );
      // The values read as the socket opens come first: grid and time, the source once it is known.
      assert.match(green()[0].text ?? "", /^\S*status\.(exporting|importing|noGrid) · \d\d:\d\d$/);
    });
  });
});
