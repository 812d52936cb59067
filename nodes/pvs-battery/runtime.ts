// pvs-battery: writes the SunVault's control mode and reserve when a message asks (`msg.payload = { mode, reserve }`),
// only when the pvs-config allows battery control, only on the LocalAPI, only the two variables of the allow-list
// (src/pvs/localapi/battery-writes.ts), each at most once per 5 minutes per PVS. After a write it reads the settings
// back and watches them for a while: one message says "confirmed", "not-taken" or "reverted" (changed back, as the
// vendor's cloud may do; smcneece/ha-esunpower docs/SunVault-Notes.md).
import { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from "node-red";
import { JsonObject } from "../../src/model/safe-object";
import {
  batterySettingsRequest,
  BatteryWrite,
  batteryWrites,
  batteryWriteRequest,
  claimWrites,
  showsWritten,
} from "../../src/pvs/localapi/battery-writes";
import { PvsConnection } from "../../src/pvs/connection/connection";
import { PvsError, toPvsError } from "../../src/pvs/http/errors";
import { ConfigUser } from "../../src/node-red/config-user";
import { numberSetting } from "../../src/node-red/numbers";
import { defaultNumber, migrateSettings } from "../../src/node-red/node-settings";
import { clock, editorText, errorStatus, sourceOf } from "../../src/node-red/status";
import { PVS_BATTERY_SETTINGS } from "./settings";

interface BatteryDef extends NodeDef {
  server: string;
  watch?: number | string;
  topic?: string;
}

type Outcome = "confirmed" | "not-taken" | "reverted";
/** How often the settings are read again while watched. */
const WATCH_STEP_MS = 60_000;
const DEFAULT_TOPIC = "pvs/battery";
const OUTCOME_KEYS: Record<Outcome, string> = {
  confirmed: "status.batteryConfirmed",
  "not-taken": "status.batteryNotTaken",
  reverted: "status.batteryReverted",
};

/** One write being watched: what was written, the message it answers, its timer. */
interface Watch {
  writes: BatteryWrite[];
  base: NodeMessage;
  until: number;
  timer: NodeJS.Timeout | null;
}

class BatteryRun {
  private watch: Watch | null = null;
  private readonly watchMs: number;
  private readonly topic: string;

  constructor(
    private readonly node: Node,
    readonly user: ConfigUser,
    watchMinutes: number,
    topic: string | undefined,
  ) {
    this.watchMs = watchMinutes * 60_000;
    this.topic = topic && topic.trim() !== "" ? topic.trim() : DEFAULT_TOPIC;
    user.onClose(() => this.stopWatching());
  }

  /** A message: every check before anything is sent, the writes, the read-back; the watch goes on after done. */
  async input(msg: NodeMessageInFlow, send: (m: NodeMessage) => void): Promise<void> {
    const { user } = this;
    if (user.setupError) throw user.setupError;
    const pvs = user.pvs;
    if (!pvs || !user.config) throw new PvsError("PVS_NOT_CONFIGURED", "no PVS configured");
    if (!user.config.allowBatteryControl)
      throw new PvsError("PVS_CONTROL_OFF", 'battery control is off: turn on "allow battery control" in the PVS');
    const writes = batteryWrites(msg.payload);
    const api = await user.abortable((signal) => pvs.detectedApi(signal));
    if (api !== "localapi")
      throw new PvsError(
        "PVS_NOT_SUPPORTED",
        "the battery settings can be written on the LocalAPI (new firmware) only",
      );
    claimWrites(pvs.client, writes, Date.now());
    this.stopWatching();
    for (const write of writes) {
      const answer = await user.abortable((signal) => pvs.client.request(batteryWriteRequest(write), signal));
      if (answer.written !== true)
        throw new PvsError(
          "PVS_COMMAND_FAILED",
          `the PVS refused the battery ${write.setting} (HTTP ${answer.status})`,
        );
    }
    const base: NodeMessage = { ...msg };
    const back = await this.readBack(pvs);
    if (writes.some((w) => showsWritten(back, w) !== true)) return send(this.result(base, writes, "not-taken", back));
    user.status({ fill: "blue", shape: "dot", text: `${user.t("status.batteryWatching")} · ${clock()}` });
    this.watch = { writes, base, until: Date.now() + this.watchMs, timer: null };
    this.schedule();
  }

  private readBack(pvs: PvsConnection): Promise<JsonObject> {
    return this.user.abortable((signal) => pvs.client.request(batterySettingsRequest(), signal));
  }

  private schedule(): void {
    const watch = this.watch;
    if (!watch) return;
    const wait = Math.max(0, Math.min(WATCH_STEP_MS, watch.until - Date.now()));
    watch.timer = setTimeout(() => void this.check(watch), wait);
  }

  /** One look while watching: changed back ends it at once; the end of the watch confirms. */
  private async check(watch: Watch): Promise<void> {
    const pvs = this.user.pvs;
    if (this.watch !== watch || !pvs || this.user.closed) return;
    try {
      const back = await this.readBack(pvs);
      if (this.watch !== watch || this.user.closed) return;
      const changed = watch.writes.some((w) => showsWritten(back, w) === false);
      if (changed || Date.now() >= watch.until) {
        this.watch = null;
        this.node.send(this.result(watch.base, watch.writes, changed ? "reverted" : "confirmed", back));
        return;
      }
    } catch (err) {
      // A failed look is no verdict: the next one decides (the PVS's breaker paces them).
      const error = this.user.redact(toPvsError(err));
      if (error.code !== "PVS_ABORTED") this.node.warn(`battery settings not read back: ${error.message}`);
    }
    this.schedule();
  }

  private result(base: NodeMessage, writes: BatteryWrite[], outcome: Outcome, back: JsonObject): NodeMessage {
    const { user } = this;
    const fill = outcome === "confirmed" ? "green" : "yellow";
    user.status({ fill, shape: "dot", text: `${user.t(OUTCOME_KEYS[outcome])} · ${clock()}` });
    const config = user.config;
    const reported = (w: BatteryWrite) => (typeof back[w.variable] === "string" ? back[w.variable] : null);
    return {
      ...base,
      topic: this.topic,
      payload: {
        outcome,
        writes: writes.map((w) => ({
          setting: w.setting,
          variable: w.variable,
          written: w.value,
          asked: w.asked,
          reported: reported(w),
        })),
      },
      ...(config?.pvs ? { pvs: sourceOf(config.endpoint, config.pvs, "varserver") } : {}),
    } as NodeMessage;
  }

  private stopWatching(): void {
    if (this.watch?.timer) clearTimeout(this.watch.timer);
    this.watch = null;
  }
}

export = function (RED: NodeAPI): void {
  function PvsBattery(this: Node, def: BatteryDef): void {
    RED.nodes.createNode(this, def);
    def = migrateSettings(PVS_BATTERY_SETTINGS, def);
    const watch = numberSetting(def.watch, defaultNumber(PVS_BATTERY_SETTINGS, "watch"), 0, 120, "watch");
    const user = new ConfigUser(RED, this, {
      server: def.server,
      settingError: "error" in watch ? watch.error : null,
    });
    const run = new BatteryRun(this, user, "value" in watch ? watch.value : 10, def.topic);
    // Says at once whether the owner allowed writes: a node that would refuse shows it before any message.
    if (!user.setupError)
      user.status(
        user.config?.allowBatteryControl
          ? { fill: "green", shape: "ring", text: editorText("status.batteryReady") }
          : { fill: "grey", shape: "ring", text: editorText("status.controlOff") },
      );
    this.on("input", (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      run.input(msg, send).then(
        () => done(),
        (err: unknown) => {
          const error = user.redact(toPvsError(err));
          user.status(errorStatus(user.t, error));
          done(error);
        },
      );
    });
  }

  RED.nodes.registerType("pvs-battery", PvsBattery);
};
