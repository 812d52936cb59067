// A node's settings in the runtime: its node folder's settings.ts (defaults, migrations), applied by the pure
// runner the editor uses too (src/settings/node-settings.ts). Each runtime hands in its own settings, so that
// nothing here knows the node types.
import { BaseProps, defaultOf, migrateInPlace, NodeSettings } from "../settings/node-settings";

/**
 * A number setting's default for a node type: what a runtime falls back to when the setting is blank (spaces,
 * an empty environment variable), so that no runtime keeps a copy.
 */
export function defaultNumber<P extends BaseProps>(settings: NodeSettings<P>, name: string): number {
  const value = defaultOf(settings, name);
  if (typeof value !== "number") throw new Error(`${settings.type} has no number setting ${name}`);
  return value;
}

/**
 * The node's settings at the current version: a new object, each missing setting given its default. A node
 * saved by a newer version of the package keeps its settings as they are (never downgraded).
 */
export function migrateSettings<P extends BaseProps, T extends object>(
  settings: NodeSettings<P>,
  def: T,
): T & Record<string, unknown> & { settingsVersion: number } {
  // Every own property, hidden ones too (Node-RED hands its nodes hidden ones such as `_flow`).
  const out = Object.defineProperties({}, Object.getOwnPropertyDescriptors(def)) as Record<string, unknown>;
  migrateInPlace(settings, out);
  return out as T & Record<string, unknown> & { settingsVersion: number };
}
