// The settings contract of a node type (nodes/<type>/settings.ts): the properties its editor saves, their
// defaults, and the migrations that bring a node saved by an earlier version of the package up to the current
// one. One pure runner applies them, in the runtime (src/node-red/node-settings.ts) and in the edit dialog
// (src/editor/settings.ts): a flow saved by any earlier version is valid and works, and a setting it lacks (or
// left blank where blank has no meaning of its own) means its default in both.

export type SettingValue = string | number | boolean | Readonly<Record<string, string>> | readonly string[];

/** What every node saves besides its own settings. */
export interface BaseProps {
  name: string;
  /** The version of the settings the node was saved with (absent: before versions existed, version 0). */
  settingsVersion: number;
}

/** The settings with a default: all but the version and the pvs-config selector (no PVS, no work). */
export type DefaultedName<P> = Exclude<keyof P, "settingsVersion" | "server">;
export type SettingsDefaults<P> = { readonly [K in DefaultedName<P>]: P[K] & SettingValue };

/** One step: brings a node saved at an earlier version to `version`, changing its settings in place. */
export interface Migration {
  version: number;
  up(def: Record<string, unknown>): void;
}

export interface NodeSettings<P extends BaseProps> {
  type: string;
  defaults: SettingsDefaults<P>;
  /** Defaults that follow another setting (pvs-config's port follows its protocol). */
  dependentDefaults?(def: Readonly<Record<string, unknown>>): Partial<SettingsDefaults<P>>;
  /** In ascending order of version; the last one's is the current version. */
  migrations: readonly Migration[];
}

/**
 * 0 → 1, every node type's first step: versions begin. A node saved before lacks the settings added later
 * (telemetryPort, deviceListEvery, localPort…): each means its default, which the runner fills after the steps.
 */
export const VERSIONS_BEGIN: Migration = { version: 1, up: () => undefined };

/** The version a node of this type is saved with. */
export function currentVersion(settings: NodeSettings<BaseProps>): number {
  return settings.migrations.reduce((v, m) => Math.max(v, m.version), 0);
}

/** A setting's default by name (untyped access, for a runtime that reads a setting by its name). */
export function defaultOf<P extends BaseProps>(settings: NodeSettings<P>, name: string): SettingValue | undefined {
  const defaults: Readonly<Record<string, SettingValue>> = settings.defaults;
  return Object.prototype.hasOwnProperty.call(defaults, name) ? defaults[name] : undefined;
}

/**
 * A setting the node lacks: not saved (an older version), or left blank where blank has no meaning of its own
 * (a number, a choice; a blank topic or name does mean something: the default topic, no name).
 */
export function isAbsent(value: unknown, fallback?: SettingValue): boolean {
  return value === undefined || value === null || (value === "" && fallback !== undefined && fallback !== "");
}

function copy(value: SettingValue): SettingValue {
  return typeof value === "object" ? (JSON.parse(JSON.stringify(value)) as SettingValue) : value;
}

function versionOf(def: Readonly<Record<string, unknown>>): number {
  const v = Number(def.settingsVersion);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

/**
 * Brings `def` to the current version in place: the steps after its version, then each missing setting its
 * default, whatever the version says (a hand-edited or partly imported flow). A node saved by a newer version of
 * the package keeps its settings and version (never downgraded). Returns the names of the settings it filled.
 */
export function migrateInPlace<P extends BaseProps>(settings: NodeSettings<P>, def: Record<string, unknown>): string[] {
  const from = versionOf(def);
  for (const step of settings.migrations) if (step.version > from) step.up(def);
  const defaults: Record<string, SettingValue> = { ...settings.defaults, ...settings.dependentDefaults?.(def) };
  const filled: string[] = [];
  for (const [name, value] of Object.entries(defaults)) {
    if (!isAbsent(def[name], value)) continue;
    def[name] = copy(value);
    filled.push(name);
  }
  def.settingsVersion = Math.max(from, currentVersion(settings));
  return filled;
}
