// When to ask a PVS which API it serves and how long to believe it: the lifecycle of one connection's detection
// (asked on first need, through the open sources in turn; kept until the firmware changes: a new build, a legacy
// 403, failures in a row; taken over across a restart as a memory), and the rule for reading through the API in use.
// What each answer says is read by identity.ts.
import { ApiKind, apiForBuild, ApiSetting, Identity, identityFromSupervisorInfo, identityFromVars } from "./identity";
import { PvsError, PvsErrorCode, toPvsError } from "../http/errors";
import { legacyPath } from "../legacy/dl-cgi";
import { PvsRequest, RequestOptions } from "../http/request";
import { JsonObject } from "../../model/safe-object";

/** After this many failed readings in a row, the API is detected again (a firmware update, a replaced PVS). */
export const REDETECT_AFTER_FAILURES = 3;

/** Failures that still prove a dl_cgi answered (so the PVS is there, on the legacy API). */
const ANSWERED = new Set([
  "PVS_HTTP_ERROR",
  "PVS_FORBIDDEN",
  "PVS_BAD_RESPONSE",
  "PVS_NOT_JSON",
  "PVS_HTML_RESPONSE",
  "PVS_COMMAND_FAILED",
]);
/** A legacy 403 triggers a fresh detection at most this often (lock-outs 403 every request). */
const FORBIDDEN_REDETECT_MS = 30 * 60_000;

const SUPERVISOR_INFO = legacyPath("supervisor/info");

/** What detection asks through: the shared client, the public variables, and hears when it starts afresh. */
export interface DetectionAccess {
  request(request: PvsRequest, signal: AbortSignal, options?: RequestOptions): Promise<JsonObject>;
  readPublic(signal: AbortSignal, options: RequestOptions): Promise<JsonObject>;
  /** The back-off a legacy 403 set was not a lock-out: the PVS now serves the LocalAPI. */
  endBackoff(): void;
  /** Detection starts afresh: what was learnt about the old firmware's variables no longer holds. */
  forgotten(): void;
  /** A detection has just been made (what a restart takes over changed). */
  detected?(): void;
}

/** A legacy detection as a restart takes it over (see ApiDetection.memory). */
export interface DetectionMemory {
  api: "legacy";
  model: string | null;
  build: number | null;
  version: string | null;
  detectedAt: number;
}

export class ApiDetection {
  private api: ApiKind | null = null;
  private current: Identity | null = null;
  private previous: Identity | null = null;
  private detectedAt: number | null = null;
  private failures = 0;
  private forbiddenRedetectAt = -Infinity;

  constructor(
    private chosen: ApiSetting,
    private readonly access: DetectionAccess,
  ) {}

  /** The API setting in force: Detect ("auto") or a fixed API. */
  get setting(): ApiSetting {
    return this.chosen;
  }

  /**
   * Another API setting from now on (the pvs-config nodes sharing this PVS agreed on another): what was detected
   * under the old one is forgotten, so that the next reading looks again under the new one (one light read; a
   * detection on the wire when it changes is not used).
   */
  change(setting: ApiSetting): void {
    if (setting === this.chosen) return;
    this.chosen = setting;
    if (this.api !== null || this.current !== null) this.forget();
  }

  /** The API in use; null until detected. */
  get inUse(): ApiKind | null {
    return this.api;
  }

  /** What the PVS said it is; kept from an earlier look while a fresh one has not succeeded. */
  get identity(): Identity | null {
    return this.current;
  }

  get lastIdentity(): Identity | null {
    return this.current ?? this.previous;
  }

  get detectedAtMs(): number | null {
    return this.detectedAt;
  }

  /**
   * What a restart may take over (no serial: it is the LocalAPI password's source, and a context store is a file
   * in the clear). Only a legacy detection is worth keeping: the LocalAPI needs the serial to log in, so its
   * detection is made again (one light read) whatever was remembered.
   */
  memory(): DetectionMemory | null {
    if (this.api !== "legacy" || this.detectedAt === null) return null;
    const id = this.current;
    return {
      api: "legacy",
      model: id?.model ?? null,
      build: id?.build ?? null,
      version: id?.version ?? null,
      detectedAt: this.detectedAt,
    };
  }

  /** Takes over a detection remembered before a restart, unless this one has detected already. */
  restore(memory: DetectionMemory): void {
    if (this.api !== null || (this.setting !== "auto" && this.setting !== "legacy")) return;
    this.api = "legacy";
    this.current = { model: memory.model, build: memory.build, version: memory.version, serial: null };
    this.detectedAt = memory.detectedAt;
  }

  /** Runs `read` through the detected API; failures with a code in `outcomes` say nothing about the firmware. */
  async withApi<T>(
    signal: AbortSignal,
    read: (api: ApiKind) => Promise<T>,
    outcomes: ReadonlySet<PvsErrorCode> = new Set(),
  ): Promise<T> {
    const api = await this.ensure(signal);
    try {
      const result = await read(api);
      this.failures = 0;
      return result;
    } catch (err) {
      const error = toPvsError(err);
      // Not asked (cancelled, or the breaker is open): nothing new was learnt about the PVS.
      if (error.code === "PVS_ABORTED" || error.code === "PVS_CIRCUIT_OPEN") throw error;
      // A legacy 403 may mean the firmware was updated to the LocalAPI: look again now, and read through
      // the new API in the same poll. On old firmware it stays a lock-out and backs off as usual.
      if (
        this.setting === "auto" &&
        api === "legacy" &&
        error.code === "PVS_FORBIDDEN" &&
        Date.now() - this.forbiddenRedetectAt >= FORBIDDEN_REDETECT_MS
      ) {
        this.forbiddenRedetectAt = Date.now();
        this.forget();
        const again = await this.ensure(signal, true);
        if (again !== api) {
          // The 403 meant "updated to the LocalAPI", not a lock-out: its back-off does not hold the new API.
          this.access.endBackoff();
          return this.withApi(signal, read, outcomes);
        }
      }
      // A refused password or a PVS still listing its devices is not a firmware question: looking again would
      // only add requests (and rebuild the LocalAPI caches).
      if (
        error.code !== "PVS_LOGIN_REFUSED" &&
        error.code !== "PVS_NO_DEVICES" &&
        !outcomes.has(error.code) &&
        ++this.failures >= REDETECT_AFTER_FAILURES
      )
        this.forget();
      throw error;
    }
  }

  /** A build other than the detected one means a firmware update: detect again before the next reading. */
  noteBuild(build: number | null): void {
    if (build !== null && this.current?.build != null && build !== this.current.build) this.forget();
  }

  /**
   * The API to read through, detected first when unknown; `urgent` lets detection past a back-off (see RequestOptions).
   */
  async ensure(signal: AbortSignal, urgent = false): Promise<ApiKind> {
    if (this.api) return this.api;
    const setting = this.setting;
    if (setting === "auto") {
      const found = await this.detect(signal, "legacy-first", urgent);
      // The setting changed while detecting: what was found is read again under the new one.
      if (this.setting !== setting) return this.ensure(signal, urgent);
      this.current = found.identity;
      this.api = (found.identity && apiForBuild(found.identity.model, found.identity.build)) ?? found.source;
    } else {
      // A fixed API still wants the identity: the serial is the LocalAPI password, the build is shown. When the
      // PVS cannot be reached at all, the API stays unknown (detected again next poll) unless it was known before.
      // The legacy API fixed asks supervisor/info alone: its LocalAPI would be of no use.
      const previous = this.previous;
      const found = await this.detect(signal, setting === "legacy" ? "legacy-only" : "vars-first", urgent).catch(
        (err: unknown) => {
          const code = toPvsError(err).code;
          if (code === "PVS_ABORTED" || code === "PVS_CERT_MISMATCH") throw err;
          if (!previous && (code === "PVS_UNREACHABLE" || code === "PVS_TIMEOUT" || code === "PVS_CIRCUIT_OPEN"))
            throw err;
          return null;
        },
      );
      if (this.setting !== setting) return this.ensure(signal, urgent);
      this.current = found?.identity ?? previous;
      this.api = setting;
    }
    this.detectedAt = Date.now();
    this.access.detected?.();
    return this.api;
  }

  private forget(): void {
    this.failures = 0;
    this.api = null;
    // Kept for a fixed API whose fresh look fails: the serial is still the password, the build still shown.
    this.previous = this.current ?? this.previous;
    this.current = null;
    this.access.forgotten();
  }

  /**
   * Asks the open sources in turn and resolves with the first identity. A PVS whose dl_cgi answers but
   * says nothing useful, and that has no LocalAPI, is an old legacy unit (identity unknown). Rejects with
   * the first error when nothing answered at all.
   */
  private async detect(
    signal: AbortSignal,
    order: "legacy-first" | "vars-first" | "legacy-only",
    urgent = false,
  ): Promise<{ identity: Identity | null; source: ApiKind }> {
    let firstError: PvsError | null = null;
    let legacyAnswered = false;
    const sources: Array<[ApiKind, () => Promise<Identity | null>]> = [
      [
        "legacy",
        async () => identityFromSupervisorInfo(await this.access.request(SUPERVISOR_INFO, signal, { urgent })),
      ],
      // Once the legacy API answered, the LocalAPI's absence is news about the firmware, not the PVS's health.
      [
        "localapi",
        async () => identityFromVars(await this.access.readPublic(signal, { urgent, probe: legacyAnswered })),
      ],
    ];
    if (order === "vars-first") sources.reverse();
    if (order === "legacy-only") sources.pop();
    for (const [source, ask] of sources) {
      try {
        const identity = await ask();
        if (identity) return { identity, source };
        if (source === "legacy") legacyAnswered = true;
      } catch (err) {
        const error = toPvsError(err);
        // A certificate that is not the pinned one settles it: no other source is asked.
        if (error.code === "PVS_ABORTED" || error.code === "PVS_CERT_MISMATCH") throw error;
        if (source === "legacy" && ANSWERED.has(error.code)) legacyAnswered = true;
        firstError ??= error;
      }
    }
    if (legacyAnswered) return { identity: null, source: "legacy" };
    throw firstError ?? new PvsError("PVS_BAD_RESPONSE", "the PVS did not say which firmware it runs");
  }
}
