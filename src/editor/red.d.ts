// The parts of the Node-RED editor's browser API that our editors use (RED, and the jQuery widgets it adds), so
// that the editor code is type-checked like the runtime. Written by hand: @types/node-red__editor-client types
// validators as `(value: string) => boolean`, without the message a validator returns when asked for one.
// Source: https://nodered.org/docs/creating-nodes/node-html and /docs/api/ui/ (editableList, typedInput).

/**
 * A node as the editor holds it: the node's own translation of its catalog keys; its settings are `P`, the
 * properties interface of its nodes/<type>/settings.ts (EditorNodeDef's `this`).
 */
interface EditorNode {
  id: string;
  name?: string;
  _(key: string, params?: Record<string, unknown>): string;
}

/**
 * A setting's validator: `this` is the node; called with `opt` when the editor wants the reason, which is then
 * returned instead of `false`. The value is what the node holds, whatever an imported flow put there.
 */
type Validator<P = unknown> = (this: EditorNode & P, value: unknown, opt?: object) => boolean | string;

interface PropertyDef<P, V> {
  value: V;
  required?: boolean;
  type?: string;
  validate?: Validator<P>;
}

/** A node type's definition, its `defaults` one entry per property of `P` (what the edit dialog saves). */
interface EditorNodeDef<P> {
  category: string;
  color?: string;
  defaults: { [K in keyof P]-?: PropertyDef<P, P[K]> };
  credentials?: Record<string, { type: "text" | "password" }>;
  inputs?: number;
  outputs?: number;
  icon?: string;
  paletteLabel?: string;
  label?: (this: EditorNode & P) => string;
  labelStyle?: (this: EditorNode & P) => string;
  inputLabels?: (this: EditorNode & P) => string;
  outputLabels?: (this: EditorNode & P, index: number) => string;
  oneditprepare?: (this: EditorNode & P) => void;
  oneditsave?: (this: EditorNode & P) => void;
  oneditresize?: (this: EditorNode & P, size: { width: number; height: number }) => void;
}

declare const RED: {
  nodes: { registerType<P>(type: string, def: EditorNodeDef<P>): void };
  /** A catalog text: "<module>/<type>:<key>". */
  _(key: string, params?: Record<string, unknown>): string;
};

interface EditableListOptions {
  removable?: boolean;
  sortable?: boolean;
  addItem?: (row: JQuery, index: number, data: Record<string, string>) => void;
}

type TypedInputType = string | { value: string; options: Array<{ value: string; label: string }> };

interface TypedInputOptions {
  default?: string;
  typeField?: string;
  types: TypedInputType[];
}

interface JQuery {
  editableList(options: EditableListOptions): JQuery;
  editableList(method: "addItem", data: Record<string, string>): JQuery;
  editableList(method: "items"): JQuery;
  editableList(method: "height", height: number): JQuery;
  typedInput(options: TypedInputOptions): JQuery;
  typedInput(method: "value"): string;
}
