// What a PVS says it is, read from one answer that needs no login: the legacy `supervisor/info` (PVS6: BUILD;
// PVS5: only SWVER "2025.11, Build 5412") or the public varserver variables (`/sys/info/sw_rev`
// "2025.09.04.61845", PVS5 "0.0.25.5412"), and which API that firmware serves. Pure reading, no requests: when
// to ask and how long to believe the answer is the detection's lifecycle (detection.ts).
import { optionalString } from "../../model/fields";
import { isJsonObject, JsonObject } from "../../model/safe-object";

export type ApiKind = "legacy" | "localapi";
export type ApiSetting = "auto" | ApiKind;

/** First builds that serve the LocalAPI and lock the legacy DeviceList. */
export const LOCALAPI_MIN_BUILD = { PVS6: 61840, PVS5: 5408 } as const;

export interface Identity {
  /** "PVS6", "PVS5", or what the PVS reported. */
  model: string | null;
  build: number | null;
  /** The version text as reported (SWVER or sw_rev). */
  version: string | null;
  /** The serial, a secret (the LocalAPI password's source): never leaves the package unmasked. */
  serial: string | null;
}

function toBuild(value: unknown): number | null {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\s*\d{3,7}\s*$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** The build number from SWVER ("2025.11, Build 5412") or sw_rev ("2025.09.04.61845", "0.0.25.5412"). */
export function buildFromVersion(version: string | null): number | null {
  if (!version) return null;
  const named = /build\s*(\d{3,7})/i.exec(version);
  if (named) return Number(named[1]);
  const dotted = /^\s*\d+(?:\.\d+){2,3}\.(\d{3,7})\s*$/.exec(version);
  return dotted ? Number(dotted[1]) : null;
}

function cleanModel(value: unknown): string | null {
  const text = optionalString(value);
  const m = text ? /PVS\s*([56])/i.exec(text) : null;
  return m ? `PVS${m[1]}` : text;
}

/** Reads `supervisor/info` (`{"supervisor":{…}}`); null when the answer is not one. */
export function identityFromSupervisorInfo(answer: JsonObject): Identity | null {
  const sup = answer.supervisor;
  if (!isJsonObject(sup)) return null;
  const version = optionalString(sup.SWVER);
  return {
    model: cleanModel(sup.MODEL),
    build: toBuild(sup.BUILD) ?? buildFromVersion(version),
    version,
    serial: optionalString(sup.SERIAL),
  };
}

/** Reads the public varserver variables; null when they say nothing. */
export function identityFromVars(vars: JsonObject): Identity | null {
  const version = optionalString(vars["/sys/info/sw_rev"]);
  const serial = optionalString(vars["/sys/info/serialnum"]);
  const model = cleanModel(vars["/sys/info/model"]);
  if (!version && !serial && !model) return null;
  return { model, build: buildFromVersion(version), version, serial };
}

/** The API a firmware serves; null when the build is unknown (old PVS5 units report none). */
export function apiForBuild(model: string | null, build: number | null): ApiKind | null {
  if (build === null) return null;
  if (model === "PVS5") return build >= LOCALAPI_MIN_BUILD.PVS5 ? "localapi" : "legacy";
  if (model === "PVS6") return build >= LOCALAPI_MIN_BUILD.PVS6 ? "localapi" : "legacy";
  // Unknown model: PVS6 builds are five digits, PVS5 builds four.
  return build >= 10000
    ? build >= LOCALAPI_MIN_BUILD.PVS6
      ? "localapi"
      : "legacy"
    : build >= LOCALAPI_MIN_BUILD.PVS5
      ? "localapi"
      : "legacy";
}
