// The parts of the Node-RED editor's browser API that our editors use (RED, and the jQuery widgets it adds), so
// that the editor code is type-checked like the runtime. Written by hand: @types/node-red__editor-client types
// validators as `(value: string) => boolean`, without the message a validator returns when asked for one.
// Source: https://nodered.org/docs/creating-nodes/node-html and /docs/api/ui/ (editableList, typedInput).

/** A node as the editor holds it: its settings by name, and the node's own translation of its catalog keys. */
interface EditorNode {
  id: string;
  name?: string;
  _(key: string, params?: Record<string, unknown>): string;
  [setting: string]: unknown;
}

/**
 * A setting's validator: `this` is the node; called with `opt` when the editor wants the reason, which is then
 * returned instead of `false`.
 */
type Validator = (this: EditorNode, value: unknown, opt?: object) => boolean | string;

interface PropertyDef {
  value: unknown;
  required?: boolean;
  type?: string;
  validate?: Validator;
}

interface NodeDef {
  category: string;
  color?: string;
  defaults: Record<string, PropertyDef>;
  credentials?: Record<string, { type: "text" | "password" }>;
  inputs?: number;
  outputs?: number;
  icon?: string;
  paletteLabel?: string;
  label?: (this: EditorNode) => string;
  labelStyle?: (this: EditorNode) => string;
  inputLabels?: (this: EditorNode) => string;
  outputLabels?: (this: EditorNode, index: number) => string;
  oneditprepare?: (this: EditorNode) => void;
  oneditsave?: (this: EditorNode) => void;
  oneditresize?: (this: EditorNode, size: { width: number; height: number }) => void;
}

declare const RED: {
  nodes: { registerType(type: string, def: NodeDef): void };
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
