// Shapes shared by the node wrappers (runtime side of the editor's `defaults`).
import { Node, NodeDef } from "node-red";
import { PvsConnection } from "../pvs/connection/connection";
import { SharedState } from "./pvs-registry";
import { SiteMemoryStore } from "./site-memory-store";

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
  /** With `configError`: PVS_NO_HOST for a node not set up yet, else PVS_BAD_CONFIG. */
  configErrorCode: "PVS_NO_HOST" | "PVS_BAD_CONFIG" | null;
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
