// Which answer a request gets: the LocalAPI's `/auth` and `/vars`, the legacy dl_cgi commands and paths of the
// simulated site, or a recording's answers (a replay). Answers are plain data; server.ts sends them, faults and all.
import http from "http";
import { Answer, AUTH_BAD_REQUEST, LocalApi } from "./localapi";
import { dlCgiPath, isOpenPath, LEGACY_LOCKED } from "./dl-cgi-paths";
import { Recording } from "../model/recording";
import { recordedLegacy } from "./replay";
import { SimulatedSite } from "./site";
import type { DeviceListAnswer, RequestRecord } from "./controls";

/** What the routes read of the emulator (controls.ts) at each request. */
export interface RouteContext {
  readonly site: SimulatedSite;
  readonly localApi: LocalApi;
  /** The recording as it reads now (moved forward in time), or null when the simulated site answers. */
  replayNow(): Recording | null;
  /** A device-list fault, then the test's own edit. */
  editDevices(answer: DeviceListAnswer): void;
  /** What CheckFW names as newer firmware; null: up to date. */
  firmwareUpdateUrl(): string | null;
}

/** Commands a real PVS answers that change nothing; the emulator answers these. */
const READ_COMMANDS = new Set([
  "Start",
  "Stop",
  "DeviceList",
  "Get_Comm",
  "CheckFW",
  "GridProfileGet",
  "GetDiscoveryProgress",
  "DeviceDetails",
]);

const DL_CGI = "/cgi-bin/dl_cgi";
export const NOT_FOUND: Answer = { status: 404, body: { result: "error", msg: "not found" } };
const NOT_ALLOWED: Answer = { status: 405, body: { result: "error", msg: "method not allowed" } };
const GRID_PROFILE = {
  result: "succeed",
  active_name: "IEEE-1547a-2014 + 2020 CA Rule21",
  active_id: "816bf3302d337a42680b996227ddbc46abf9cd05",
  pending_name: "IEEE-1547a-2014 + 2020 CA Rule21",
  pending_id: "816bf3302d337a42680b996227ddbc46abf9cd05",
  percent: 100,
  supported_by: "ALL",
  status: "success",
};

/** The request's URL, or null when its target makes none (a hostile `//[`). */
export function requestUrl(target: string): URL | null {
  try {
    return new URL(target, "http://pvs");
  } catch {
    return null;
  }
}

/** The name a request is logged and faulted under. */
export function commandOf(url: URL): string {
  if (url.pathname === DL_CGI) return url.searchParams.get("Command") ?? "";
  if (url.pathname === "/auth")
    return url.searchParams.has("login") ? "auth:login" : url.searchParams.has("logout") ? "auth:logout" : "auth";
  // The one write a client may send is told apart, so that a fault can hit it alone.
  if (url.pathname === "/vars") return url.searchParams.has("set") ? "vars:set" : "vars";
  return url.pathname.replace(/^\/cgi-bin\/dl_cgi\/?/, "");
}

/** The query string exactly as it came on the request line, undecoded. */
export function rawQuery(requestUrl: string): string {
  const at = requestUrl.indexOf("?");
  return at < 0 ? "" : requestUrl.slice(at + 1);
}

/** The answer to a request, or null to never answer. */
export function route(
  ctx: RouteContext,
  req: http.IncomingMessage,
  url: URL,
  body: string,
  record: RequestRecord,
): Answer | null {
  const method = req.method ?? "GET";
  if (url.pathname === "/auth" || url.pathname === "/vars") {
    if (!ctx.site.localApi) return NOT_FOUND;
    return url.pathname === "/auth" ? auth(ctx.localApi, req, method) : vars(ctx.localApi, req, method, body, record);
  }
  if (method !== "GET") return NOT_ALLOWED;
  const recording = ctx.replayNow();
  if (recording) return replayed(ctx, recording, url);
  if (url.pathname === DL_CGI) return ctx.site.localApi ? LEGACY_LOCKED : command(ctx, url);
  const path = url.pathname.startsWith(`${DL_CGI}/`)
    ? pathAnswer(ctx, req, url.pathname.slice(DL_CGI.length + 1))
    : null;
  if (path) return path;
  if (url.pathname === `${DL_CGI}/energy-storage-system/status`) {
    if (ctx.site.localApi) return LEGACY_LOCKED;
    const report = ctx.site.essStatus();
    return report
      ? { status: 200, body: report }
      : { status: 404, body: { result: "error", msg: "no energy storage system" } };
  }
  return NOT_FOUND;
}

/** A documented path-style read (dl-cgi-paths.ts), or null for another path. */
function pathAnswer(ctx: RouteContext, req: http.IncomingMessage, path: string): Answer | null {
  const site = {
    localApi: ctx.site.localApi,
    supervisorInfo: () => ctx.site.supervisorInfo(),
    comm: () => ctx.site.comm(),
    devices: () => {
      const answer = ctx.site.deviceList();
      ctx.editDevices(answer);
      return answer.devices;
    },
  };
  return dlCgiPath(site, path, ctx.site.localApi && ctx.localApi.hasSession(req.headers.cookie));
}

function auth(localApi: LocalApi, req: http.IncomingMessage, method: string): Answer {
  if (method !== "GET") return NOT_ALLOWED;
  // fcgi_auth's ProcessQuery compares the whole QUERY_STRING (strcmp): `login=1` or `login&x` is a bad request.
  const query = rawQuery(req.url ?? "");
  if (query === "login") return localApi.login(req.headers.authorization);
  if (query === "logout") return localApi.logout(req.headers.cookie);
  return AUTH_BAD_REQUEST;
}

function vars(
  localApi: LocalApi,
  req: http.IncomingMessage,
  method: string,
  body: string,
  record: RequestRecord,
): Answer | null {
  if (method !== "GET" && method !== "POST") return NOT_ALLOWED;
  // The firmware reads the raw QUERY_STRING, or a POST body of at most 1,024 bytes (MAX_POST_LENGTH; more is
  // 413 "Invalid Content-Length", errorcode 0x1000), and decodes neither (see LocalApi.vars).
  if (method === "POST" && (Buffer.byteLength(body) === 0 || Buffer.byteLength(body) > 1024)) {
    return { status: 413, body: { status: 413, description: "Invalid Content-Length", errorcode: "0x1000" } };
  }
  const { answer, authenticated } = localApi.vars(
    method === "POST" ? body : rawQuery(req.url ?? ""),
    req.headers.cookie,
  );
  record.authenticated = authenticated;
  return answer;
}

/** A legacy `Command=` of the simulated site. */
function command(ctx: RouteContext, url: URL): Answer {
  const name = url.searchParams.get("Command") ?? "";
  if (!READ_COMMANDS.has(name)) return { status: 200, body: { result: "error", msg: `unsupported command ${name}` } };
  switch (name) {
    case "DeviceList": {
      const answer = ctx.site.deviceList();
      ctx.editDevices(answer);
      return { status: 200, body: answer };
    }
    case "Get_Comm":
      return { status: 200, body: ctx.site.comm() };
    case "Start":
      return { status: 200, body: ctx.site.supervisorInfo() };
    case "Stop":
      return { status: 200, body: { result: "succeed" } };
    case "CheckFW": {
      // Without a type it answers as before (the seed's sample); a type it does not know is an error.
      const type = url.searchParams.get("type");
      if (type !== null && type !== "residential" && type !== "commercial")
        return { status: 200, body: { result: "error", msg: "type must be residential or commercial" } };
      return { status: 200, body: { url: ctx.firmwareUpdateUrl() ?? "none" } };
    }
    case "DeviceDetails":
      return { status: 200, body: deviceDetails(ctx, url.searchParams.get("SerialNumber")) };
    case "GetDiscoveryProgress":
      return { status: 200, body: discoveryProgress(ctx.site) };
    default:
      return { status: 200, body: GRID_PROFILE };
  }
}

/** The device's DeviceList record, or the error a PVS gives for a serial it does not know. */
function deviceDetails(ctx: RouteContext, serial: string | null): Record<string, unknown> {
  if (!serial) return { result: "error", msg: "SerialNumber required" };
  const answer = ctx.site.deviceList();
  ctx.editDevices(answer);
  const device = answer.devices.find((d) => d.SERIAL === serial);
  return device ? { devices: [device], result: "succeed" } : { result: "error", msg: `device ${serial} not found` };
}

/** A finished discovery: what was found per device type (swagger's DiscoverProgressList). */
function discoveryProgress(site: SimulatedSite): Record<string, unknown> {
  const answer = site.deviceList();
  const count = (type: string) => answer.devices.filter((d) => d.TYPE === type).length;
  const progress = ["PVS5-METER-P", "PVS5-METER-C", "SOLARBRIDGE"].map((TYPE) => ({
    TYPE,
    PROGR: 100,
    NFOUND: count(TYPE),
  }));
  return { progress, complete: true, result: "succeed" };
}

/**
 * A legacy answer from the recording: 403 on LocalAPI firmware but for the open paths, 404 for what it
 * lacks, and for a path outside dl_cgi the simulated site's 404 (no path is looked up in the recording).
 */
function replayed(ctx: RouteContext, recording: Recording, url: URL): Answer {
  const key =
    url.pathname === DL_CGI
      ? (url.searchParams.get("Command") ?? "")
      : url.pathname.startsWith(`${DL_CGI}/`)
        ? url.pathname.slice(DL_CGI.length + 1)
        : null;
  if (key === null) return NOT_FOUND;
  if (ctx.site.localApi && !isOpenPath(key)) return LEGACY_LOCKED;
  const answer = recordedLegacy(recording, key);
  return answer === null
    ? { status: 404, body: { result: "error", msg: `${key} is not in this recording` } }
    : { status: 200, body: answer };
}
