// Node status texts: short, named fills only, the meaning in words (never colour alone).
import { NodeAPI, NodeStatus } from "node-red";
import { Health } from "../pvs/client/breaker";
import { RequestBudget } from "../pvs/client/budget";
import { ConnectionInfo, PvsConnection } from "../pvs/connection/connection";
import { PvsError, PvsErrorCode } from "../pvs/http/errors";

/** Status and error texts shared by all nodes live in the pvs-config message catalog. */
const SHARED = "@pvs-local/node-red-sunpower/pvs-config:";

export type Translate = (key: string, params?: Record<string, string | number>) => string;

export function translator(RED: NodeAPI): Translate {
  return (key, params) => RED._(key.includes(":") ? key : SHARED + key, params);
}

/**
 * A status text that the editor shows in its own language: the whole text is a key of the shared catalog, as
 * core nodes send "node-red:common.status.connected". The editor translates a status text that starts with a
 * letter or "@" through the node's catalog (@node-red/editor-client red.js, the "status/#" subscription:
 * `node._(msg.text, {defaultValue: msg.text})`); it receives text, fill and shape only, so there is no way to
 * pass figures. A status with figures or a time is therefore written by the runtime, in the runtime's language.
 * Status nodes receive the key, as they do from core nodes.
 */
export function editorText(key: string): string {
  return SHARED + key;
}

/** Setting problems last until the next deploy: no time stamp, so the editor can show them in its language. */
const SETUP_ERRORS = new Set<PvsErrorCode>(["PVS_NOT_CONFIGURED", "PVS_BAD_CONFIG", "PVS_NO_HOST"]);

/** Local wall-clock HH:MM, so a glance tells how fresh the status is. */
export function clock(date = new Date()): string {
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}

const ERROR_KEYS: Record<PvsErrorCode, string> = {
  PVS_NOT_CONFIGURED: "status.notConfigured",
  PVS_BAD_CONFIG: "status.badConfig",
  PVS_NO_HOST: "status.noHost",
  PVS_UNREACHABLE: "status.unreachable",
  PVS_TIMEOUT: "status.timeout",
  PVS_FORBIDDEN: "status.forbidden",
  PVS_LOGIN_REFUSED: "status.loginRefused",
  PVS_NO_PASSWORD: "status.noPassword",
  PVS_SESSION_EXPIRED: "status.sessionExpired",
  PVS_CERT_MISMATCH: "status.certMismatch",
  PVS_HTTP_ERROR: "status.httpError",
  PVS_HTML_RESPONSE: "status.html",
  PVS_NOT_JSON: "status.notJson",
  PVS_TOO_LARGE: "status.tooLarge",
  PVS_COMMAND_FAILED: "status.commandFailed",
  PVS_BAD_RESPONSE: "status.badResponse",
  PVS_NO_DEVICES: "status.noDevices",
  PVS_NOT_ALLOWED: "status.notAllowed",
  PVS_NOT_SUPPORTED: "status.notSupported",
  PVS_BAD_INPUT: "status.badInput",
  PVS_CONTROL_OFF: "status.controlOff",
  PVS_BAD_VALUE: "status.badValue",
  PVS_WRITE_TOO_SOON: "status.writeTooSoon",
  PVS_CIRCUIT_OPEN: "status.circuitOpen",
  PVS_ABORTED: "status.aborted",
  PVS_INTERNAL: "status.internal",
};

export function errorStatus(t: Translate, err: PvsError): NodeStatus {
  if (err.code === "PVS_CIRCUIT_OPEN" && err.retryAt !== undefined)
    return retryStatus(t, err.reason ?? null, err.statusCode, err.retryAt);
  if (SETUP_ERRORS.has(err.code)) return { fill: "red", shape: "ring", text: editorText(ERROR_KEYS[err.code]) };
  const text = t(ERROR_KEYS[err.code], { status: err.statusCode ?? "" });
  return { fill: "red", shape: "ring", text: `${text} · ${clock()}` };
}

/** "PVS unreachable, retry in 4 min · 14:05": the PVS is being left alone after failing repeatedly. */
export function retryStatus(
  t: Translate,
  reason: PvsErrorCode | null,
  statusCode: number | undefined,
  retryAt: number,
  now = Date.now(),
): NodeStatus {
  const what = reason ? t(ERROR_KEYS[reason], { status: statusCode ?? "" }) : t("status.circuitOpen");
  return { fill: "red", shape: "ring", text: `${what}, ${retryIn(t, retryAt - now)} · ${clock(new Date(now))}` };
}

/** "retry in 40 s" under a minute, "retry in 4 min" above: never "1 min" for a retry seconds away. */
export function retryIn(t: Translate, waitMs: number): string {
  if (waitMs < 60_000) return t("status.retryInSeconds", { seconds: Math.max(1, Math.ceil(waitMs / 1000)) });
  return t("status.retryIn", { minutes: Math.ceil(waitMs / 60_000) });
}

/** The status every node of a PVS shows while its circuit breaker is open; null when it is not. */
export function healthStatus(t: Translate, health: Health, now = Date.now()): NodeStatus | null {
  if (health.state !== "open" || health.retryAt === null) return null;
  return retryStatus(t, health.lastError?.code ?? null, health.lastError?.statusCode, health.retryAt, now);
}

export function pollingStatus(): NodeStatus {
  return { fill: "blue", shape: "dot", text: editorText("status.polling") };
}

/**
 * The last reading's status (its own time already in it) and, when known, when the next comes:
 * "12 inverters · 4.10 kW · 14:05 · next 14:07". Shown while a poll waits, so the reading never disappears.
 */
export function waitingStatus(t: Translate, last: NodeStatus, nextAt: number | null): NodeStatus {
  if (nextAt === null || !Number.isFinite(nextAt)) return last;
  return { ...last, text: `${last.text ?? ""} · ${t("status.next", { time: clock(new Date(nextAt)) })}` };
}

/** What every output message says about its source in `msg.pvs` (never a secret). */
export interface MessageSource {
  host: string;
  api: ConnectionInfo["api"];
  model: string | null;
  build: number | null;
  /** What was read: "DeviceList", "Get_Comm" (legacy) or "varserver" (LocalAPI). */
  data: string;
  /** The request budget: what this PVS received in the last hour, from all nodes (a metrics feed). */
  requests: RequestBudget;
}

/** "PVS6 b61846 LocalAPI": which PVS and firmware the node talks to, and through which API. */
export function apiTag(info: Pick<ConnectionInfo, "api" | "model" | "build">): string {
  const api = info.api === "localapi" ? "LocalAPI" : info.api === "legacy" ? "legacy" : "";
  const firmware = [info.model, info.build !== null ? `b${info.build}` : null]
    .filter((p): p is string => !!p)
    .join(" ");
  return [firmware, api].filter((p) => p !== "").join(" ");
}

export function sourceOf(host: string, pvs: Pick<PvsConnection, "info" | "budget">, data: string): MessageSource {
  const info = pvs.info();
  return { host, api: info.api, model: info.model, build: info.build, data, requests: pvs.budget() };
}
