// A node's catalog texts in the editor's language: "@pvs-local/node-red-sunpower/<type>:<key>".

export type Translate = (key: string, params?: Record<string, unknown>) => string;

export function translator(type: string): Translate {
  const namespace = `@pvs-local/node-red-sunpower/${type}:`;
  return (key, params) => RED._(namespace + key, params);
}
