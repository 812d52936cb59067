// pvs-command: runs one of the PVS's read commands (firmware check, grid profile, supervisor info and
// health…) on each input message or on an interval, through the shared client, and sends the parsed answer.
// The command and its parameters come from the form; msg.command / msg.params override them unless the
// form says otherwise. Only the catalogue's reads can run (src/pvs/commands.ts): anything else is refused
// before a request is built.
import { NodeAPI, Node, NodeMessage, NodeStatus } from "node-red";
import { DiscoveryProgress, FirmwareCheck, GridProfile, SupervisorHealth } from "../../src/model/command-answers";
import { redactDeep } from "../../src/model/redact";
import { JsonObject } from "../../src/model/safe-object";
import {
  CommandSpec,
  commandParams,
  commandRequest,
  commandSpec,
  FIRMWARE_TYPES,
} from "../../src/pvs/connection/commands";
import { PvsConnection } from "../../src/pvs/connection/connection";
import { Freshness } from "../../src/pvs/http/request";
import { setupPollingNode } from "../../src/node-red/polling-node";
import { apiTag, clock, MessageSource, sourceOf, Translate } from "../../src/node-red/status";
import { PollingDef } from "../../src/node-red/types";
import { migrateSettings } from "../../src/node-red/node-settings";
import { PVS_COMMAND_SETTINGS } from "./settings";

interface CommandDef extends PollingDef {
  command: string;
  /** CheckFW's `type`. */
  firmwareType?: string;
  /** DeviceDetails' `SerialNumber`. */
  serialNumber?: string;
  /** Whether msg.command and msg.params may choose another command or parameters (default true). */
  fromMsg?: boolean;
}

/** What a run sends: the parsed answer, and the answer as received (masked). */
interface CommandResult {
  payload: unknown;
  raw: JsonObject;
  data: string;
}

/** Runs `spec` with `params` on `pvs`, through the shared client. */
async function run(
  pvs: PvsConnection,
  spec: CommandSpec,
  params: Record<string, string>,
  signal: AbortSignal,
  freshness: Freshness,
): Promise<CommandResult> {
  if (spec.api === "health") {
    const reading = await pvs.readSupervisorHealth(signal, freshness);
    return { payload: reading.health, raw: reading.raw, data: reading.api === "legacy" ? "DeviceList" : "varserver" };
  }
  const reading =
    spec.api === "open"
      ? await pvs.readSupervisorInfo(signal)
      : await pvs.runLegacyCommand(commandRequest(spec, params), signal);
  const parse = spec.parse ?? ((raw: JsonObject) => raw);
  return {
    payload: redactDeep(parse(reading.raw, params), reading.secrets),
    raw: redactDeep(reading.raw, reading.secrets),
    data: spec.api === "open" ? "supervisor/info" : (spec.wire ?? spec.name),
  };
}

/** The short status of a command's answer: what it says, in words. */
function answerStatus(command: string, payload: unknown, source: MessageSource | null, t: Translate): NodeStatus {
  const tag = source ? ` · ${apiTag(source)}` : "";
  const ok = (text: string): NodeStatus => ({ fill: "green", shape: "dot", text: `${text}${tag} · ${clock()}` });
  switch (command) {
    case "CheckFW": {
      const fw = payload as FirmwareCheck;
      return fw.updateAvailable
        ? { fill: "yellow", shape: "dot", text: `${t("status.updateAvailable")} · ${clock()}` }
        : ok(t("status.upToDate"));
    }
    case "SupervisorHealth": {
      const uptime = (payload as SupervisorHealth).uptime_s;
      return ok(uptime === null ? command : t("status.uptime", { hours: Math.floor(uptime / 3600) }));
    }
    case "GetDiscoveryProgress": {
      const progress = payload as DiscoveryProgress;
      const percents = progress.progress.map((p) => p.percent).filter((p): p is number => p !== null);
      const least = percents.length ? Math.min(...percents) : 0;
      return ok(progress.complete ? t("status.discoveryDone") : t("status.discovery", { percent: least }));
    }
    case "GridProfileGet": {
      const profile = payload as GridProfile;
      if (profile.changePending)
        return { fill: "yellow", shape: "dot", text: `${t("status.gridProfilePending")} · ${clock()}` };
      return ok(t("status.gridProfile", { name: (profile.active.name ?? profile.active.id ?? "").slice(0, 24) }));
    }
    default:
      return ok(command);
  }
}

export = function (RED: NodeAPI): void {
  function PvsCommand(this: Node, def: CommandDef): void {
    RED.nodes.createNode(this, def);
    def = migrateSettings(PVS_COMMAND_SETTINGS, def);
    const node = this;
    const fromMsg = def.fromMsg !== false;
    // The form's parameters, by their names on the wire; each command takes only its own.
    const formParams: Record<string, unknown> = {
      type: FIRMWARE_TYPES.includes(def.firmwareType as (typeof FIRMWARE_TYPES)[number]) ? def.firmwareType : undefined,
      SerialNumber: def.serialNumber,
    };
    let last: { command: string; payload: unknown; source: MessageSource | null } | null = null;
    setupPollingNode(RED, node, def, {
      settings: PVS_COMMAND_SETTINGS,
      defaultTopic: "pvs/command",
      async produce({ pvs, config, signal, freshness }, base) {
        const input = base as NodeMessage & { command?: unknown; params?: unknown };
        // Checked before anything is sent: a refused command or parameter costs the PVS nothing.
        const chosen = fromMsg && input.command !== undefined ? input.command : def.command;
        const spec = commandSpec(chosen);
        const params = commandParams(spec, fromMsg ? input.params : undefined, formParams);
        const result = await run(pvs, spec, params, signal, freshness);
        const source = sourceOf(config.endpoint, pvs, result.data);
        last = { command: spec.name, payload: result.payload, source };
        const out: NodeMessage & Record<string, unknown> = {
          ...base,
          command: spec.name,
          params: redactDeep(params, pvs.secrets()),
          payload: result.payload,
          raw: result.raw,
          pvs: source,
        };
        return out;
      },
      okStatus(_msg, t: Translate): NodeStatus {
        return last
          ? answerStatus(last.command, last.payload, last.source, t)
          : { fill: "green", shape: "dot", text: clock() };
      },
    });
  }

  RED.nodes.registerType("pvs-command", PvsCommand);
};
