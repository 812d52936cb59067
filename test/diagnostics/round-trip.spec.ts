// Issue 16's evidence in the real runtime: the emulator's site → pvs-device-list, pvs-comm, pvs-live → the
// admin endpoint's diagnostics file → replayed by a new emulator → the same nodes give the same payloads, on
// both APIs. Compared modulo the pseudonymised serials (mapped back by their order, which pseudonyms keep)
// and the fields that the file removes on purpose (SSID, MAC, public IP) or that say when a node ran.
import assert from "assert";
import { NodeMessage } from "node-red";
import { parseRecording } from "../../src/model/recording";
import { PvsEmulator } from "../../src/emulator/server";
import { REPLAY_SERIAL } from "../../src/diagnostics/diagnostics-file";
import { maskSerial } from "../../src/model/redact";
import { helper, until } from "../support/node-red";
import { FlowNode, NODE_MODULES, testFlow } from "../support/flows";

type Msg = NodeMessage & { payload: Record<string, unknown>; source?: string };
/** The simulated site (with a SunVault) frozen at one instant: every answer the same whichever node asks first. */
const FROZEN = Date.UTC(2026, 5, 21, 19, 30, 0);
const SERIAL = "ZT01234567890ABCDE";

const nodes: FlowNode[] = [
  { id: "list", type: "pvs-device-list", server: "cfg", interval: 0, wires: [["out-list"]] },
  { id: "comm", type: "pvs-comm", server: "cfg", interval: 0, wires: [["out-comm"]] },
  { id: "live", type: "pvs-live", server: "cfg", send: "update", interval: 1, wires: [["out-live"]] },
  { id: "out-list", type: "helper", z: "tab", x: 1, y: 1 },
  { id: "out-comm", type: "helper", z: "tab", x: 1, y: 2 },
  { id: "out-live", type: "helper", z: "tab", x: 1, y: 3 },
];

function collect(id: string): Msg[] {
  const got: Msg[] = [];
  helper.getNode(id).on("input", (m: unknown) => got.push(m as Msg));
  return got;
}

/** Runs the three nodes against `emulator`; returns their payloads and (when asked) the diagnostics file. */
async function run(
  emulator: PvsEmulator,
  download: boolean,
): Promise<{ list: Msg; comm: Msg; live: Msg[]; file: string | null }> {
  await helper.load(NODE_MODULES, testFlow(emulator, nodes));
  const lists = collect("out-list");
  const comms = collect("out-comm");
  const lives = collect("out-live");
  await until(() => lives.length >= 2, 8000, "pvs-live's first messages");
  helper.getNode("list").receive({});
  await until(() => lists.length === 1, 6000, "the device list");
  helper.getNode("comm").receive({});
  await until(() => comms.length === 1, 6000, "the comm status");
  const file = download
    ? (
        await helper
          .request()
          .get("/pvs-config/cfg/diagnostics")
          .expect(200)
          .expect("Content-Disposition", /attachment; filename="pvs-diagnostics-[\d-]+\.json"/)
      ).text
    : null;
  await helper.unload();
  return { list: lists[0], comm: comms[0], live: lives.slice(0, 2), file };
}

/** Device serials of a list payload (not the supervisor's), in order. */
const serials = (list: Msg) =>
  (list.payload.devices as Array<{ serial: string | null; deviceType: string }>)
    .filter((d) => d.deviceType !== "PVS")
    .map((d) => d.serial as string)
    .sort();

/** The payloads as text with the first run's serials written as the replay's, and the run-time fields dropped. */
function comparable(value: unknown, mapping: ReadonlyArray<[string, string]>): unknown {
  let text = JSON.stringify(value, (key, v: unknown) =>
    ["receivedAt", "age", "ageS", "requests", "polledAt", "readAt"].includes(key) ? undefined : v,
  );
  for (const [from, to] of [...mapping].sort((a, b) => b[0].length - a[0].length)) text = text.split(from).join(to);
  return JSON.parse(text) as unknown;
}

for (const api of ["legacy", "localapi"] as const) {
  describe(`diagnostics round trip on the ${api === "legacy" ? "legacy API" : "LocalAPI"} (real runtime, admin endpoint, replay)`, function () {
    this.timeout(40000);
    const emulators: PvsEmulator[] = [];
    afterEach(async () => {
      await helper.unload();
      for (const e of emulators.splice(0)) await e.stop();
    });

    it("the replayed file gives the same devices, metrics, site figures, comm and live payloads", async () => {
      const site = new PvsEmulator({ inverters: 4, localApi: api === "localapi", storage: true, now: () => FROZEN });
      emulators.push(site);
      await site.start();
      const startedAt = Date.now();
      const first = await run(site, true);
      const downloadedAt = Date.now();
      const file = JSON.parse(first.file as string) as Record<string, unknown>;
      assert.strictEqual(file.format, "pvs-recording/1", "a diagnostics file is a recording");
      assert.ok(!(first.file as string).includes(SERIAL), "no supervisor serial");
      const recording = parseRecording(file);
      if (api === "localapi") {
        assert.strictEqual(
          recording.vars?.["/sys/info/serialnum"],
          REPLAY_SERIAL,
          "the replacement serial, so replay logs in",
        );
        const frames = recording.telemetry ?? [];
        assert.ok(frames.length > 0, "telemetry frames recorded");
        // When they came (the first frame's arrival, absolute) besides their rhythm (offsets from it).
        const firstAt = Date.parse(String(recording.telemetryStartedAt));
        assert.ok(
          firstAt >= startedAt && firstAt <= downloadedAt,
          `first frame's arrival ${String(recording.telemetryStartedAt)} within the run`,
        );
        assert.strictEqual(frames[0].atMs, 0, "offsets from the first frame");
        assert.ok(
          frames.every((f, i) => i === 0 || f.atMs >= frames[i - 1].atMs),
          "offsets in arrival order",
        );
      } else {
        assert.ok(
          recording.legacy?.DeviceList && recording.legacy.Get_Comm && recording.legacy["supervisor/info"],
          "the legacy answers",
        );
        assert.ok(recording.legacy["energy-storage-system/status"], "the SunVault's ESS report");
      }
      // A SunVault site: its parts (and, on the legacy API, the ESS report's measurements) must round-trip too.
      const storageParts = (list: Msg) =>
        (list.payload.devices as Array<{ category: string }>).filter((d) => d.category === "storage").length;
      assert.ok(storageParts(first.list) >= 2, `the site's storage devices (${storageParts(first.list)})`);
      if (api === "legacy") assert.ok(first.list.payload.storage, "the storage summary from the ESS report");

      const replay = new PvsEmulator({ replay: recording });
      emulators.push(replay);
      await replay.start();
      const second = await run(replay, false);
      assert.strictEqual(replay.site.localApi, api === "localapi");
      if (api === "localapi") assert.ok(replay.count("auth:login") >= 1, "the replay was logged in to");

      const a = serials(first.list);
      const b = serials(second.list);
      assert.strictEqual(b.length, a.length, "every device");
      assert.ok(
        b.every((s) => /^SN\d{8}[a-z]?$/.test(s)),
        `pseudonyms: ${b.join(", ")}`,
      );
      assert.ok(
        a.every((s) => !b.includes(s)),
        "no device serial kept",
      );
      const mapping: Array<[string, string]> = [
        ...a.map((s, i): [string, string] => [s, b[i]]),
        [maskSerial(SERIAL), maskSerial(REPLAY_SERIAL)],
      ];
      // The file never holds an SSID or MAC: the replayed payloads say "[redacted]" where the site's said them
      // (the comm interfaces, the SunVault gateway's mac_address).
      const scrubbed = (v: unknown) =>
        JSON.parse(JSON.stringify(v).replace(/"(ssid|mac|macAddress|mac_address)":"[^"]*"/g, '"$1":"-"')) as unknown;
      assert.strictEqual(storageParts(second.list), storageParts(first.list), "every storage device replayed");
      assert.deepStrictEqual(
        scrubbed(comparable(second.list.payload, [])),
        scrubbed(comparable(first.list.payload, mapping)),
        "pvs-device-list (storage summary included)",
      );
      assert.deepStrictEqual(
        scrubbed(comparable(second.comm.payload, [])),
        scrubbed(comparable(first.comm.payload, mapping)),
        "pvs-comm",
      );
      assert.deepStrictEqual(
        second.live.map((m) => m.source),
        first.live.map((m) => m.source),
        "pvs-live sources",
      );
      assert.deepStrictEqual(
        comparable(
          second.live.map((m) => m.payload),
          [],
        ),
        comparable(
          first.live.map((m) => m.payload),
          mapping,
        ),
        "pvs-live",
      );
    });
  });
}
