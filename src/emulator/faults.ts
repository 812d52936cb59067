// The ways a real PVS misbehaves, switchable in the emulator (tests call setFault, the CLI takes --fault).
// Each one is seen in the field (docs/protocol.md "Timing and faults") or guards against a class of bad answers.

/** Which requests a fault hits: `Command=` values, dl_cgi paths, "vars", "auth:login"…; all when absent. */
interface Targeted {
  commands?: string[];
}

export type Fault = Targeted &
  (
    | { kind: "status"; status: number; body?: string }
    | { kind: "body"; body: string; contentType?: string }
    /** Answers correctly, after `ms` (a DeviceList taking over a minute). */
    | { kind: "delay"; ms: number }
    /**
     * Never answers; the connection stays open. A login is still done: its session exists (as with every fault but
     * status/body/huge).
     */
    | { kind: "hang" }
    /** Drops the connection before answering (a login's session is made all the same). */
    | { kind: "reset" }
    /** Sends the headers and half of the real answer, then drops the connection. */
    | { kind: "reset-mid-body" }
    /** A complete HTTP answer whose JSON is cut in half. */
    | { kind: "truncate" }
    /** A JSON answer of `megabytes` MB, streamed. */
    | { kind: "huge"; megabytes: number }
    /** The device list itself is wrong (both APIs): no devices, a device twice, a device without a serial. */
    | { kind: "devices"; change: DeviceListChange }
  );

export type DeviceListChange = "empty" | "duplicate-serials" | "empty-serial";

/** `--fault` values of the CLI, with what each does. */
export const FAULT_SPECS: Array<[string, string]> = [
  ["hang", "never answer"],
  ["delay:MS", "answer after MS milliseconds"],
  ["reset", "drop the connection before answering"],
  ["reset-mid-body", "send half of the answer, then drop the connection"],
  ["truncate", "send JSON cut in half"],
  ["not-json", "answer 200 with a body that is not JSON"],
  ["html", "answer 200 with an HTML page"],
  ["status:CODE", "answer HTTP CODE (403, 500, 503…) with an HTML error page"],
  ["error-result", 'answer {"result":"error"}'],
  ["huge:MB", "answer MB megabytes of JSON"],
  ["empty-list", "list no devices"],
  ["duplicate-serials", "list one inverter twice"],
  ["empty-serial", "list one inverter without a serial"],
];

/** Reads a CLI `--fault` value; throws with the list of faults when it is not one. */
export function parseFault(spec: string, commands?: string[]): Fault {
  const [name, arg] = spec.split(":", 2);
  const n = Number(arg);
  const on = commands && commands.length > 0 ? { commands } : {};
  const needs = (min: number, max: number) => {
    if (arg === undefined || !Number.isFinite(n) || n < min || n > max)
      throw new Error(`--fault ${name} needs a number from ${min} to ${max}`);
    return n;
  };
  switch (name) {
    case "hang":
    case "reset":
    case "reset-mid-body":
    case "truncate":
      return { kind: name, ...on };
    case "delay":
      return { kind: "delay", ms: needs(0, 3_600_000), ...on };
    case "not-json":
      return { kind: "body", body: "Segmentation fault (core dumped)", contentType: "text/plain", ...on };
    case "html":
      return {
        kind: "body",
        body: "<html><head><title>PVS</title></head><body>Please log in</body></html>",
        contentType: "text/html",
        ...on,
      };
    case "status":
      return { kind: "status", status: needs(400, 599), ...on };
    case "error-result":
      return { kind: "body", body: '{"result":"error","msg":"command failed"}', ...on };
    case "huge":
      return { kind: "huge", megabytes: needs(1, 1024), ...on };
    case "empty-list":
      return { kind: "devices", change: "empty", ...on };
    case "duplicate-serials":
    case "empty-serial":
      return { kind: "devices", change: name, ...on };
  }
  throw new Error(`unknown fault "${spec}"; one of: ${FAULT_SPECS.map(([s]) => s).join(", ")}`);
}

/** Applies a device-list fault to the devices of one answer (both APIs build their answers from these). */
export function changeDevices(devices: Array<Record<string, unknown>>, change: DeviceListChange): void {
  const inverter = devices.findIndex((d) => d.DEVICE_TYPE === "Inverter");
  switch (change) {
    case "empty":
      devices.length = 0;
      return;
    case "duplicate-serials":
      if (inverter >= 0) devices.push({ ...devices[inverter] });
      return;
    case "empty-serial":
      if (inverter >= 0) devices[inverter] = { ...devices[inverter], SERIAL: "" };
      return;
  }
}

/** The chunks of a `megabytes` MB JSON body, produced lazily so the emulator never holds it whole. */
export function* hugeBody(megabytes: number): Generator<string> {
  const record = JSON.stringify({ SERIAL: "E00000000000000", DEVICE_TYPE: "Inverter", p_3phsum_kw: "0.1" });
  const chunk = Array.from({ length: 1000 }, () => record).join(",");
  const chunks = Math.max(1, Math.ceil((megabytes * 1024 * 1024) / (chunk.length + 1)));
  yield '{"devices":[';
  for (let i = 0; i < chunks; i++) yield (i > 0 ? "," : "") + chunk;
  yield '],"result":"succeed"}';
}
