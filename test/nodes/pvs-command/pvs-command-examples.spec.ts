// The pvs-command examples as users import them, run in the real Node-RED runtime (the real inject and function
// nodes) against the emulator: their function nodes must notify and report what the examples promise.
import assert from "assert";
import fs from "fs";
import path from "path";
import { NodeMessage } from "node-red";
import { PvsEmulator } from "../../../src/emulator/server";
import { helper, nextMessages, NODE_RED_PACKAGE, settle, until } from "../../support/node-red";
import { NODE_MODULES } from "../../support/flows";

type FlowNode = { id: string; type: string; name?: string; wires?: string[][]; [key: string]: unknown };
type Msg = NodeMessage & { payload: unknown };

const EXAMPLES = path.resolve(__dirname, "..", "..", "..", "examples", "pvs-command");
/** The core nodes the examples use, from the Node-RED the tests run on. */
const CORE = ["common/20-inject.js", "function/10-function.js"].map(
  (file) =>
    require(
      require.resolve(`@node-red/nodes/core/${file}`, {
        paths: [path.dirname(require.resolve(`${NODE_RED_PACKAGE}/package.json`))],
      }),
    ) as unknown,
);

/**
 * An example flow on a tab, its pvs-config pointed at the emulator (no spacing, so the test runs quickly), and
 * each debug node replaced by a helper node of the same id, so the test sees what the user would.
 */
function exampleFlow(file: string, emulator: PvsEmulator): FlowNode[] {
  const nodes = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), "utf8")) as FlowNode[];
  return [
    { id: "tab", type: "tab", label: "example" },
    ...nodes
      .filter((n) => n.type !== "comment")
      .map((n) => {
        // No DeviceList ration either: the health test reads the PVS record twice in a row.
        if (n.type === "pvs-config")
          return {
            ...n,
            host: "127.0.0.1",
            port: emulator.port,
            localPort: emulator.httpsPort,
            minSpacing: 0,
            deviceListEvery: 0,
          };
        if (n.type === "debug") return { id: n.id, type: "helper", z: "tab", x: n.x, y: n.y, name: n.name };
        if (n.type === "inject") return { ...n, z: "tab", once: false, repeat: "", crontab: "" };
        return { ...n, z: "tab" };
      }),
  ];
}

function byName(file: string, type: string, name: string): FlowNode {
  const nodes = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), "utf8")) as FlowNode[];
  const found = nodes.find((n) => n.type === type && n.name === name);
  assert.ok(found, `${file}: ${type} "${name}"`);
  return found;
}

describe("pvs-command examples (real runtime, emulator)", function () {
  this.timeout(10000);
  let emulator: PvsEmulator;
  afterEach(async () => {
    await helper.unload();
    await emulator.stop();
  });

  describe("01 - Daily firmware update check", () => {
    const FILE = "01 - Daily firmware update check.json";
    beforeEach(async () => {
      emulator = new PvsEmulator({ inverters: 3 });
      await emulator.start();
    });

    it("runs CheckFW daily and notifies once per new firmware, ready for an email node", async () => {
      await helper.load([...NODE_MODULES, ...CORE] as never, exampleFlow(FILE, emulator));
      const inject = byName(FILE, "inject", "daily 03:00");
      assert.strictEqual(inject.crontab, "00 03 * * *", "the imported flow runs daily");
      const notified: Msg[] = [];
      helper.getNode(byName(FILE, "debug", "notification").id).on("input", (m: NodeMessage) => notified.push(m as Msg));
      const check = async (n: number) => {
        helper.getNode(inject.id).receive({});
        await until(() => emulator.count("CheckFW") === n, 4000, `check ${n}`);
        await settle(50);
      };

      await check(1);
      assert.strictEqual(notified.length, 0, "up to date: nothing to say");
      emulator.firmwareUpdateUrl = "https://firmware.example/pvs6/2025.10.bin";
      await check(2);
      assert.strictEqual(notified.length, 1);
      assert.strictEqual(notified[0].topic, "PVS firmware update available");
      assert.match(
        String(notified[0].payload),
        /newer residential firmware: https:\/\/firmware\.example\/pvs6\/2025\.10\.bin/,
      );
      assert.match(String(notified[0].payload), /PVS6, build 61707/);
      await check(3);
      assert.strictEqual(notified.length, 1, "the same firmware is not notified twice");
      emulator.firmwareUpdateUrl = null;
      await check(4);
      emulator.firmwareUpdateUrl = "https://firmware.example/pvs6/2025.11.bin";
      await check(5);
      assert.strictEqual(notified.length, 2, "a newer one is");
    });
  });

  describe("02 - Supervisor health report", () => {
    const FILE = "02 - Supervisor health report.json";

    async function start(localApi: boolean): Promise<void> {
      emulator = new PvsEmulator({ inverters: 3, localApi });
      await emulator.start();
      await helper.load([...NODE_MODULES, ...CORE] as never, exampleFlow(FILE, emulator));
    }

    /** One run of the example: the report, and the alert when there is one. */
    async function report(): Promise<{ report: Msg; alert: Msg | null }> {
      const alerts: Msg[] = [];
      const alertNode = helper.getNode(byName(FILE, "debug", "alert").id);
      const listen = (m: NodeMessage) => alerts.push(m as Msg);
      alertNode.on("input", listen);
      const got = nextMessages<Msg>(helper.getNode(byName(FILE, "debug", "report").id));
      helper.getNode(byName(FILE, "inject", "every hour").id).receive({});
      const [msg] = await got;
      await settle(50);
      alertNode.removeListener("input", listen);
      return { report: msg, alert: alerts[0] ?? null };
    }

    type Report = { ok: boolean; problems: string[]; text: string };
    /** The function node's objects come from its own sandbox: compared as JSON. */
    const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as Report;

    it("on a legacy PVS: uptime, CPU load, flash, untransmitted records and comm errors within the thresholds: OK, no alert", async () => {
      await start(false);
      const { report: r, alert } = await report();
      const payload = plain(r.payload);
      assert.strictEqual(r.topic, "PVS health: OK");
      assert.strictEqual(payload.ok, true);
      for (const line of [
        "ok  CPU load:",
        "ok  flash available: 86825 KiB",
        "ok  untransmitted records: 57",
        "ok  comm errors: 270",
      ])
        assert.ok(payload.text.includes(line), `${line}\n${payload.text}`);
      assert.match(payload.text, /uptime: [\d.]+ h/);
      assert.strictEqual(alert, null);
    });

    it("on a legacy PVS past its thresholds: the report names each problem and the alert goes out; a restart is noted", async () => {
      await start(false);
      assert.strictEqual((await report()).alert, null);
      emulator.editDeviceList = (answer) => {
        const pvs = answer.devices.find((d) => d.DEVICE_TYPE === "PVS") as Record<string, unknown>;
        Object.assign(pvs, {
          dl_uptime: "600",
          dl_untransmitted: "516793",
          dl_flash_avail: "9000",
          dl_cpu_load: "3.5",
          dl_comm_err: "2000",
        });
      };
      const { report: r, alert } = await report();
      const payload = plain(r.payload);
      assert.deepStrictEqual(payload.problems, [
        "CPU load high",
        "flash nearly full",
        "uploads are backing up",
        "many communication errors",
      ]);
      assert.strictEqual(
        alert?.topic,
        "PVS health: CPU load high, flash nearly full, uploads are backing up, many communication errors",
      );
      assert.match(String(alert?.payload), /!! {2}untransmitted records: 516793/);
      assert.match(String(alert?.payload), /uptime: 0\.2 h \(restarted since the last report\)/);
      assert.strictEqual(emulator.count("DeviceList"), 2);
    });

    it("on a LocalAPI PVS: uptime and CPU and flash use in percent", async () => {
      await start(true);
      const { report: r, alert } = await report();
      const payload = plain(r.payload);
      assert.strictEqual(payload.ok, true, payload.text);
      assert.match(payload.text, /ok {2}CPU usage: \d+ %/);
      assert.match(payload.text, /ok {2}flash used: 21 %/);
      assert.ok(!payload.text.includes("untransmitted"), "figures the LocalAPI does not report are left out");
      assert.strictEqual(alert, null);
    });
  });
});
