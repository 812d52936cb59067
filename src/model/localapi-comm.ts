// LocalAPI network variables (`/net/<interface>/<field>`, `/sys/toggle_cell/…`, `/sys/info/active_interface`)
// -> the same CommPayload as the legacy Get_Comm. The varserver reports link state per interface but not
// internet or cloud reachability per interface: those stay null rather than guessed.
import { CommInterface, CommPayload, connected, KINDS } from "./legacy-comm";
import { optionalString, parseDecimal } from "./fields";
import { JsonObject, setOwn } from "./safe-object";

const NET_LEAF = /^\/net\/([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)$/;

function flag(value: unknown): boolean | null {
  const n = parseDecimal(value);
  return n === null ? null : n !== 0;
}

export function normalizeVarsComm(net: JsonObject, system: JsonObject): CommPayload {
  const byName = new Map<string, JsonObject>();
  for (const [name, value] of Object.entries(net)) {
    const m = NET_LEAF.exec(name);
    if (!m) continue;
    let fields = byName.get(m[1]);
    if (!fields) byName.set(m[1], (fields = {}));
    setOwn(fields, m[2], typeof value === "string" ? value.trim() : value);
  }
  const interfaces: CommInterface[] = [...byName].map(([name, fields]) => ({
    name,
    kind: Object.hasOwn(KINDS, name) ? KINDS[name] : "other",
    connected: connected(fields),
    internet: null,
    cloud: null,
    ipAddress: optionalString(fields.ipaddr ?? fields.ip),
    signal: parseDecimal(fields.signal ?? fields.rssi),
    properties: fields,
  }));
  const primaryName = optionalString(system["/sys/info/active_interface"]);
  const broadband = flag(system["/sys/toggle_cell/broadband_connected"]);
  const cell = flag(system["/sys/toggle_cell/cell_connected"]);
  const internet = broadband === true || cell === true ? true : broadband === false ? false : null;
  return {
    time: null,
    system: { interface: primaryName, internet, cloud: null },
    primary: interfaces.find((i) => i.name === primaryName) ?? null,
    interfaces,
  };
}
