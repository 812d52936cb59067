// The editor's side of the settings contract (src/settings/node-settings.ts): each editor imports its node's
// nodes/<type>/settings.ts, which esbuild bundles into dist/<type>.html, and migrates a node with the same runner
// the runtime uses. A setting absent from a node saved by an earlier version (or left blank) means its default:
// its validator accepts it, and the edit dialog shows the default.
import { BaseProps, migrateInPlace, NodeSettings } from "../settings/node-settings";

/** The validator, accepting an absent or blank setting: it means the default. */
export function orDefault<P>(validate: Validator<P>): Validator<P> {
  return function (value, opt) {
    return value === undefined || value === null || value === "" || validate.call(this, value, opt);
  };
}

/**
 * The edit dialog's migration: the node brought to the current settings version (each missing setting its
 * default), and the form's fields (ids `prefix` + name) showing what changed.
 */
export function migrate<P extends BaseProps>(settings: NodeSettings<P>, node: EditorNode & P, prefix: string): void {
  const props = node as unknown as Record<string, unknown>;
  const names = Object.keys(settings.defaults);
  const before = names.map((name) => props[name]);
  migrateInPlace(settings, props);
  names.forEach((name, i) => {
    const value = props[name];
    if (value === before[i]) return;
    const input = $("#" + prefix + name);
    if (input.is(":checkbox")) input.prop("checked", value === true);
    else if (typeof value !== "object") input.val(String(value));
  });
}
