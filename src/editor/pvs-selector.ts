// What every PVS-reading node shares in its definition: the pvs-config it reads from and its label's style. Not
// its category, color, icon, inputs and outputs: the Flow Library (node-red-dev validate) reads those as literals
// in the registerType call, so each editor.ts writes them out.

/** The pvs-config node the node reads from: the one required setting (a node without a PVS cannot work). */
export function pvsServer<P>(): PropertyDef<P, string> {
  return { value: "", type: "pvs-config", required: true };
}

/** A named node's label in italics, as core nodes do. */
export function labelStyle(this: EditorNode): string {
  return this.name ? "node_label_italic" : "";
}
