// What pvs-config's admin routes answer (nodes/pvs-config/routes.ts), the one declaration of the contract
// between the runtime that builds these answers and the editor code that reads them (nodes/pvs-config/editor.ts,
// src/editor/device-picker.ts). Types only, importing nothing, so that the browser code can import it too; the
// route code builds each answer as its type, so the compiler holds both sides to it.

/** A device of a PVS's last poll, for the device names and pickers (serials as outputs show them). */
export interface ListedDevice {
  serial: string;
  deviceType: string | null;
  category: string;
  model: string | null;
  label: string | null;
}

/** GET pvs-config/devices: the devices every deployed PVS listed in its last poll. */
export interface DevicesAnswer {
  pvs: Array<{ id: string; name: string; devices: ListedDevice[] }>;
}

/** POST pvs-config/<id>/test: what the PVS said to the form's settings, or why it failed (`code`, stable). */
export type TestAnswer =
  | {
      ok: true;
      api: "localapi" | "legacy" | null;
      model: string | null;
      build: number | null;
      /** Masked: the last 5 characters are the LocalAPI password. */
      serial: string | null;
      devices: { total: number; inverters: number; meters: number };
      durationMs: number;
    }
  | { ok: false; code: string; message: string };

/** What a deployed PVS connection found (nothing secret). */
export interface FoundPvs {
  setting: "auto" | "localapi" | "legacy";
  /** The API in use; null until detected. */
  api: "localapi" | "legacy" | null;
  model: string | null;
  build: number | null;
  version: string | null;
  /** Masked: the last 5 characters are the LocalAPI password. */
  serial: string | null;
  detectedAt: string | null;
  /** SHA-256 fingerprint of the certificate the PVS last presented on the LocalAPI. */
  certificate: string | null;
  pinned: string | null;
}

/** Whether the PVS is being left alone after failures. */
export interface HealthAnswer {
  state: "ok" | "backing-off" | "open";
  failuresInARow: number;
  /** Epoch ms before which no request is sent; null when there is no wait. */
  retryAt: number | null;
  lastError: { code: string; message: string; statusCode?: number } | null;
}

/** What the PVS received in the last hour. */
export interface BudgetAnswer {
  windowS: number;
  requests: number;
  failed: number;
  byKind: Record<string, number>;
  /** Null when there were no requests. */
  durationMs: { average: number; max: number } | null;
  lastAt: string | null;
}

/** How the PVS is read now (src/pvs/schedule/pace.ts PaceSummary): the pace, its usual answer time, the next read. */
export interface PaceAnswer {
  /** "eased": the PVS struggles, reads are spaced out by `factor`; "night": device reads every 30 minutes. */
  state: "normal" | "eased" | "night";
  factor: number;
  /** The median of the PVS's normal answer times, ms; null before any. */
  usualMs: number | null;
  devices: { gridS: number; publicationDelayS: number | null; lastStamp: string | null; nextRead: string | null };
}

/** The pvs-config settings that the nodes sharing one PVS merge, by the names they have in the form. */
export type SharedSetting =
  "minSpacing" | "timeout" | "deviceListEvery" | "password" | "labels" | "api" | "fingerprint" | "follow";

/**
 * The settings nodes sharing the PVS's one connection, and what it uses: the most protective of their settings
 * (nothing secret: a password conflict is named, never shown).
 */
export interface SharedAnswer {
  /** The other settings nodes deployed for this PVS. */
  others: Array<{ id: string; name: string }>;
  /**
   * In the form's names and units (seconds): the limits, the API setting (a fixed API over Detect) and the pinned
   * certificate (a pin over none; a fingerprint is no secret).
   */
  effective: {
    timeout: number;
    minSpacing: number;
    deviceListEvery: number;
    api: "auto" | "localapi" | "legacy";
    fingerprint: string | null;
  };
  /** The settings on which the members disagree. */
  disagree: SharedSetting[];
  /** The address the PVS was followed to, when requests no longer go to the configured host. */
  nowAt?: string;
}

/** GET pvs-config/<id>/info about a deployed pvs-config: the PVS's part only when its settings are valid. */
export interface DeployedInfo extends Partial<FoundPvs> {
  deployed: true;
  endpoint: string;
  configError: string | null;
  health?: HealthAnswer;
  budget?: BudgetAnswer;
  pace?: PaceAnswer;
  shared?: SharedAnswer | null;
}

/** GET pvs-config/<id>/info: what a deployed pvs-config found. */
export type InfoAnswer = { deployed: false } | DeployedInfo;

/** An admin route's refusal (400 bad request, 404 not deployed, 429 busy, 500). */
export interface AdminError {
  error: string;
}

/** A PVS found by "Search the network": what mDNS announced and what its open supervisor/info said. */
export interface DiscoveredUnit {
  model: "PVS6" | "PVS5";
  /** IPv4 first. */
  addresses: string[];
  /** The mDNS host name (any part of the serial in it masked). */
  host: string;
  port: number;
  /** Masked: the last 5 characters are the LocalAPI password. */
  serial: string;
  /** Null when the unit's supervisor/info did not answer or said nothing of it. */
  build: number | null;
  version: string | null;
  api: "localapi" | "legacy" | null;
}

/** GET pvs-config/discover: the PVS units that answered mDNS on the local network. */
export interface DiscoverAnswer {
  units: DiscoveredUnit[];
}
