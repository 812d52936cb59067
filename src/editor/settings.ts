// The settings block scripts/build.js writes into each built editor file from src/node-red/node-settings.ts (the
// one source of defaults for runtime and editor), just before the editor code: `var <type>Settings = {…}`.

export type SettingValue = string | number | boolean | Record<string, string> | string[];

export interface EditorSettings {
  /** The settings version the node is saved with (`settingsVersion`). */
  version: number;
  defaults: Readonly<Record<string, SettingValue>>;
  /** The validator, accepting an absent or blank setting: it means the default. */
  orDefault(validate: Validator): Validator;
  /** The editor's side of the migration: fills each missing setting with its default, in the node and the form. */
  migrate(node: EditorNode, prefix: string): void;
}
