// Shapes shared by the node wrappers (runtime side of the editor's `defaults`).
import { Node, NodeDef } from "node-red";
import { PvsConnection } from "../pvs/connection/connection";
import { ApiSetting } from "../pvs/connection/identity";
import { SharedState } from "./pvs-registry";
import { SiteMemoryStore } from "./site-memory-store";
import { Protocol } from "../pvs/http/transport";

export interface PvsConfigDef extends NodeDef {
  host: string;
  port: string | number;
  protocol: Protocol;
  /** Seconds. */
  timeout: string | number;
  /** Seconds between the end of one request and the start of the next. */
  minSpacing: string | number;
  /** Which API: detected from the firmware build ("auto"), or fixed. */
  api?: ApiSetting;
  /** The LocalAPI's HTTPS port. */
  localPort?: string | number;
  /** The PVS6 telemetry WebSocket's port (9002). */
  telemetryPort?: string | number;
  /** Seconds: least time between two legacy DeviceList requests, however many nodes ask (0 = no limit). */
  deviceListEvery?: string | number;
  /** Pinned SHA-256 fingerprint of the PVS's certificate; empty accepts the PVS's self-signed certificate. */
  fingerprint?: string;
  /** Names the user gave devices, by serial ("East roof 3"); carried as `label` in every output. */
  labels?: Record<string, string>;
  allowBatteryControl?: boolean;
}

/** Stored encrypted by Node-RED, never exported with the flow. */
export interface PvsConfigCredentials {
  /** The LocalAPI owner password; empty = last 5 characters of the serial, read from the PVS. */
  password?: string;
}

/** The runtime pvs-config node: owns the one shared client for its PVS and counts its users. */
export interface PvsConfigNode extends Node<PvsConfigCredentials> {
  /** Null when the configuration is invalid; `configError` then says why. */
  pvs: PvsConnection | null;
  /** Which PVS (host, ports…): the key of the connection shared by every pvs-config node on it; null without one. */
  pvsKey: string | null;
  /** Identifies the connection settings, so the editor's test reuses this connection for the same ones. */
  connectionKey: string | null;
  configError: string | null;
  /** host:port, for messages and status (never a secret). */
  endpoint: string;
  /** The other pvs-config nodes sharing this PVS's connection, and the settings it uses; null without one. */
  shared(): SharedState | null;
  /** The "allow battery control" setting: pvs-battery writes nothing without it. */
  allowBatteryControl: boolean;
  /** What is remembered about this PVS between polls (devices seen, counters, today's energy). */
  siteMemory: SiteMemoryStore;
  register(user: Node): void;
  deregister(user: Node): void;
  userCount(): number;
}

export interface PollingDef extends NodeDef {
  server: string;
  /** Seconds; 0 = poll only when a message arrives. */
  interval: string | number;
  topic?: string;
}
