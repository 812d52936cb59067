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
import { advance, fakeClock, onTheWire } from "../support/simulated-time";
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

    it("says polling only while the request is on the wire, and keeps the last reading while waiting for the ration", async () => {
      emulator = new PvsEmulator({ inverters: 3, delayMs: 500 });
      await emulator.start();
      clock = fakeClock();
      // The 120 s ration: "list" polls every 30 s (its beat keeps to the ration), "list2" every 45 s (its beat
      // falls 15 s after list's DeviceList, so it waits ~105 s for the ration), and pvs-comm every 30 s beside them.
      await helper.load(
        NODE_MODULES,
        testFlow(
          emulator,
          [
            { id: "list", type: "pvs-device-list", server: "cfg", interval: 30 },
            { id: "list2", type: "pvs-device-list", server: "cfg", interval: 45 },
            { id: "comm", type: "pvs-comm", server: "cfg", interval: 30 },
          ],
          { deviceListEvery: 120 },
        ),
      );
      const ids = ["list", "list2", "comm"];
      // Each status with whether a request was on the wire as it was set.
      const seen = new Map<string, Array<{ text: string; wire: boolean; at: number }>>(ids.map((id) => [id, []]));
      for (const id of ids) {
        const node = helper.getNode(id) as unknown as { status: (s: Status) => void };
        const spied = node.status;
        const emu = emulator;
        node.status = function (this: unknown, s: Status) {
          seen.get(id)?.push({ text: s.text ?? "", wire: onTheWire(emu), at: Date.now() });
          spied.call(this, s);
        };
      }
      const fakeTime = clock;
      const isReading = (text: string) => /status\.(inverters|internetUp|linkUp|internetDown)/.test(text);
      const readings = (id: string) => (seen.get(id) ?? []).filter((s) => isReading(s.text));
      await advance(fakeTime, emulator, {
        forMs: 12 * 60_000,
        until: () => ids.every((id) => readings(id).length >= 4),
        what: "four readings of each node",
      });
      for (const id of ids) {
        const log = seen.get(id) ?? [];
        const describe = log.map((s) => `${s.wire ? "wire" : "idle"} ${s.text}`).join(" | ");
        const first = log.findIndex((s) => isReading(s.text));
        const after = log.slice(first);
        const polling = after.filter((s) => /status\.polling$/.test(s.text));
        assert.ok(polling.length >= 2, `${id} polled again: ${describe}`);
        for (const [i, s] of after.entries()) {
          if (!/status\.polling$/.test(s.text)) continue;
          assert.ok(s.wire, `${id} said polling with nothing on the wire: ${describe}`);
          // Until then it showed its last reading (with the next run's time), and after it the new one.
          assert.ok(isReading(after[i - 1].text), `${id} showed its reading while waiting: ${describe}`);
          assert.ok(!after[i + 1] || isReading(after[i + 1].text), `${id} then its new reading: ${describe}`);
        }
        for (const s of after.filter((s) => isReading(s.text)))
          assert.match(s.text, /\d\d:\d\d · \S*status\.next$/, `${id}: the reading's time and the next one's`);
      }
      // list2 did wait for the ration: its readings came once per ration, not every 45 s.
      const gaps = readings("list2")
        .slice(1)
        .map((s, i) => s.at - readings("list2")[i].at);
      assert.ok(
        gaps.every((gap) => gap >= 100_000),
        `list2's readings ${gaps.join(", ")} ms apart`,
      );
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
