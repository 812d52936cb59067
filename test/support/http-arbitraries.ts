// fast-check arbitraries for answers a PVS could send: statuses, content types and encodings, bodies from text and
// bytes to JSON shaped like either API's answers, with `__proto__`-style keys at any depth, and deeply nested JSON.
import fc from "fast-check";
import zlib from "zlib";
import { Answer } from "./fake-pvs";

/** The serial the arbitraries plant in answers: it must never reach an error message unmasked. */
export const SECRET = "ZT01234567890ABCDE";

/** Statuses whose answer has no body, whatever the PVS sends. */
export const NO_BODY_STATUSES = new Set([204, 304]);

export const status = fc.integer({ min: 200, max: 599 });
export const mostlyOk = fc.oneof({ weight: 3, arbitrary: fc.constant(200) }, { weight: 1, arbitrary: status });
export const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
/** What Node lets a header value carry: HTAB, visible ASCII and space, obs-text. */
export const headerChar = fc.oneof(
  { weight: 6, arbitrary: printable },
  { weight: 1, arbitrary: fc.constantFrom("\t", "\u0080", "\u00a0", "\u00e9", "\u00ff") },
);
export const headerValue = fc.string({ unit: headerChar, maxLength: 40 });

export const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "application/json; charset=utf-16le",
      "text/html",
      "text/plain; charset=latin1",
      "application/octet-stream",
      "image/png",
      "multipart/form-data; boundary=x",
      "",
    ),
    headerValue,
  ),
  { nil: null },
);

export interface Encoding {
  name: string;
  /** Whether the body is really compressed that way. */
  compressed: boolean;
}
export const encoding = fc.option(
  fc.oneof(
    fc.record({ name: fc.constantFrom("gzip", "x-gzip", "deflate", "br"), compressed: fc.boolean() }),
    fc.record({ name: fc.constantFrom("identity", "x-bogus", "GZIP ", ""), compressed: fc.constant(false) }),
  ),
  { nil: null },
);

export function encode(body: Buffer, enc: Encoding | null): Buffer {
  if (!enc?.compressed) return body;
  if (enc.name === "br") return zlib.brotliCompressSync(body);
  if (enc.name === "deflate") return zlib.deflateSync(body);
  return zlib.gzipSync(body);
}

/** Whether the client decodes the body back to what was meant (so the exact expectations hold). */
export function decodable(enc: Encoding | null, statusCode: number): boolean {
  if (enc === null || !["gzip", "x-gzip", "deflate", "br"].includes(enc.name.trim().toLowerCase())) return true;
  return enc.compressed && !NO_BODY_STATUSES.has(statusCode);
}

export interface BodyCase {
  kind: string;
  bytes: Buffer;
}
export const textBody =
  (kind: string) =>
  (text: string): BodyCase => ({ kind, bytes: Buffer.from(text, "utf8") });

export const PROTO_KEYS = ["__proto__", "constructor", "prototype"] as const;
export const protoKey = fc.constantFrom(...PROTO_KEYS);
export const ODD_KEYS = [
  "polluted",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "__defineGetter__",
  "__lookupGetter__",
  "then",
  "length",
  "",
];

/** JSON text of a value; an object's keys may be `__proto__` and friends, written literally so they stay own keys. */
export const objectText = (entries: ReadonlyArray<readonly [string, string]>) =>
  "{" + entries.map(([k, v]) => JSON.stringify(k) + ":" + v).join(",") + "}";
export const leafText = fc.oneof(
  fc.constantFrom(
    '"yes"',
    "1",
    "-1",
    "0",
    "null",
    "true",
    "false",
    "{}",
    "[]",
    '{"polluted":"yes"}',
    '{"toString":"x"}',
    '"1.5"',
    '"nan"',
    '"0x1F"',
    '""',
    "1e400",
    "-1e400",
    "1e-400",
    '"2025,06,21,18,00,00"',
    '"working"',
    '"up"',
    '"PVS"',
    '"Inverter"',
    '"Power Meter"',
  ),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);
export const anyKey = fc.oneof(
  { weight: 2, arbitrary: protoKey },
  { weight: 1, arbitrary: fc.constantFrom(...ODD_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

export const { pollutedNode } = fc.letrec<{ pollutedNode: string; pollutedObject: string; pollutedArray: string }>(
  (tie) => ({
    pollutedNode: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leafText,
      tie("pollutedObject"),
      tie("pollutedArray"),
    ),
    pollutedObject: fc.array(fc.tuple(anyKey, tie("pollutedNode")), { maxLength: 5 }).map(objectText),
    pollutedArray: fc.array(tie("pollutedNode"), { maxLength: 4 }).map((items) => "[" + items.join(",") + "]"),
  }),
);

export const DEVICE_KEYS = [
  "SERIAL",
  "DEVICE_TYPE",
  "STATE",
  "MODEL",
  "DATATIME",
  "CURTIME",
  "TYPE",
  "subtype",
  "PARENT",
  "SWVER",
  "BUILD",
  "p_3phsum_kw",
  "ltea_3phsum_kwh",
  "freq_hz",
  "dl_uptime",
];
export const DEVICE_TYPES = [
  '"PVS"',
  '"Power Meter"',
  '"Inverter"',
  '"ESS BMS"',
  '"Energy Storage System"',
  '"Zorg"',
  '""',
  "null",
  "{}",
];
export const deviceText = fc
  .tuple(
    fc.constantFrom(...DEVICE_TYPES),
    fc.array(
      fc.tuple(
        fc.oneof(
          { weight: 2, arbitrary: fc.constantFrom(...DEVICE_KEYS) },
          { weight: 2, arbitrary: protoKey },
          { weight: 1, arbitrary: anyKey },
        ),
        fc.oneof(leafText, pollutedNode),
      ),
      {
        maxLength: 8,
      },
    ),
  )
  .map(([type, entries]) => objectText([["DEVICE_TYPE", type], ...entries]));
export const ifaceText = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('"wan"', '"sta0"', '"cell"', '"plc"'),
      protoKey.map((k) => JSON.stringify(k)),
    ),
    fc.array(fc.tuple(anyKey, leafText), { maxLength: 4 }),
  )
  .map(([name, entries]) => objectText([["interface", name], ["state", '"up"'], ...entries]));

/** Answers in the shape of a legacy command: device lists, supervisor info, network status, failure reports. */
export const legacyShaped = fc.oneof(
  fc.array(deviceText, { maxLength: 6 }).map((ds) => `{"result":"succeed","devices":[${ds.join(",")}]}`),
  deviceText.map((d) => `{"supervisor":${d}}`),
  fc
    .array(ifaceText, { maxLength: 4 })
    .map(
      (is) =>
        `{"networkstatus":{"interfaces":[${is.join(",")}],"system":{"interface":"constructor","internet":"up"},"ts":"1718990000"}}`,
    ),
  fc
    .tuple(fc.constantFrom("error", "FAIL", " failed ", "failure", "succeed", "ok"), leafText)
    .map(([r, m]) => `{"result":${JSON.stringify(r)},"msg":${m}}`),
  fc.tuple(fc.integer({ min: 100, max: 600 }), leafText).map(([s, e]) => `{"status":${s},"error":${e},"path":""}`),
  fc.tuple(protoKey, pollutedNode).map(([k, v]) => `{"devices":[],${JSON.stringify(k)}:${v}}`),
);

export const VAR_CLASSES = ["inverter", "meter", "ess", "transfer_switch", ...PROTO_KEYS];
export const VAR_FIELDS = [
  "sn",
  "prodMdlNm",
  "p3phsumKw",
  "ltea3phsumKwh",
  "msmtEps",
  "socVal",
  "opMode",
  ...PROTO_KEYS,
  "toString",
];
export const varName = fc.oneof(
  fc.constantFrom(
    "/sys/info/serialnum",
    "/sys/info/model",
    "/sys/info/sw_rev",
    "/sys/info/uptime",
    "/sys/info/cpu_usage",
    "/sys/info/active_interface",
    "/sys/livedata/time",
    "/sys/livedata/pv_p",
    "/sys/livedata/soc",
    "/sys/pvs/flashwear_type_b",
    "/net/sta0/state",
    "/net/__proto__/state",
    "/net/constructor/ipaddr",
    "/sys/toggle_cell/cell_connected",
    "/sys/livedata/__proto__",
  ),
  fc
    .tuple(fc.constantFrom(...VAR_CLASSES), fc.nat(3), fc.constantFrom(...VAR_FIELDS))
    .map(([c, i, f]) => `/sys/devices/${c}/${i}/${f}`),
  fc.string({ maxLength: 10 }).map((s) => "/" + s),
  anyKey,
);
/** Answers in the shape of a `/vars` read: `fmt=obj` objects and `{"values":[…]}` lists. */
export const varsShaped = fc.oneof(
  fc.array(fc.tuple(varName, fc.oneof(leafText, pollutedNode)), { maxLength: 10 }).map(objectText),
  fc
    .array(
      fc.tuple(
        fc.oneof(
          varName.map((n) => JSON.stringify(n)),
          leafText,
        ),
        fc.oneof(leafText, pollutedNode),
      ),
      { maxLength: 6 },
    )
    .map(
      (entries) =>
        `{"count":${entries.length},"values":[${entries.map(([n, v]) => `{"name":${n},"value":${v}}`).join(",")}]}`,
    ),
);

export const HTML = [
  "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>",
  "<html><body><h1>403 Forbidden</h1></body></html>",
  '<?xml version="1.0"?><error/>',
  "<br />\n<b>Fatal error</b>: Allowed memory size exhausted",
  "<",
];

export const bodyCase: fc.Arbitrary<BodyCase> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }).map(textBody("text")),
  fc.uint8Array({ maxLength: 200 }).map((a) => ({ kind: "bytes", bytes: Buffer.from(a) })),
  fc.json({ maxDepth: 4 }).map(textBody("json")),
  fc.jsonValue({ maxDepth: 4 }).map((v) => textBody("jsonValue")(JSON.stringify(v))),
  pollutedNode.map(textBody("polluted")),
  legacyShaped.map(textBody("legacy-shaped")),
  varsShaped.map(textBody("vars-shaped")),
  fc
    .tuple(fc.constantFrom("", " ", "\n", "\r\n\t"), fc.constantFrom(...HTML))
    .map(([ws, html]) => textBody("html")(ws + html)),
  fc
    .constantFrom("", " ", "\r\n", "\t \n", "\uFEFF", "\uFEFF{}", "\uFEFF\uFEFF{}", "\u00a0{}\u2028")
    .map(textBody("empty-ish")),
);

export interface AnswerCase {
  status: number;
  contentType: string | null;
  encoding: Encoding | null;
  body: BodyCase;
  delivery: "whole" | "chunked" | "short";
}
export const answerCase = (statuses: fc.Arbitrary<number>, bodies: fc.Arbitrary<BodyCase>): fc.Arbitrary<AnswerCase> =>
  fc.record({
    status: statuses,
    contentType,
    encoding,
    body: bodies,
    delivery: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom<"whole" | "chunked">("whole", "chunked") },
      { weight: 1, arbitrary: fc.constant<"short">("short") },
    ),
  });

export function toAnswer(c: AnswerCase, extraHeaders: ReadonlyArray<readonly [string, string]> = []): Answer {
  const headers: Array<readonly [string, string]> = [...extraHeaders];
  if (c.contentType !== null) headers.push(["Content-Type", c.contentType]);
  if (c.encoding !== null) headers.push(["Content-Encoding", c.encoding.name]);
  return { status: c.status, headers, body: encode(c.body.bytes, c.encoding), delivery: c.delivery };
}

/** JSON nested `depth` levels deep, in several wrappings that reach the normalizers. */
export function deepJson(depth: number, style: "array" | "object" | "mixed"): string {
  if (style === "array") return "[".repeat(depth) + "]".repeat(depth);
  if (style === "object") return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  return '[{"__proto__":'.repeat(depth) + "null" + "}]".repeat(depth);
}
export const DEEP_WRAPPERS: Record<string, (deep: string) => string> = {
  bare: (d) => d,
  field: (d) => `{"__proto__":${d}}`,
  inverter: (d) => `{"result":"succeed","devices":[{"DEVICE_TYPE":"Inverter","SERIAL":"E00121","x":${d}}]}`,
  network: (d) => `{"networkstatus":{"interfaces":[{"interface":"wan","state":"up","x":${d}}]}}`,
  supervisorInfo: (d) => `{"supervisor":{"SERIAL":"${SECRET}","x":${d}}}`,
  vars: (d) =>
    `{"/sys/devices/inverter/0/x":${d},"/sys/info/serialnum":"${SECRET}","/sys/info/y":${d},"/net/wan/state":${d}}`,
  values: (d) => `{"values":[{"name":"/sys/livedata/pv_p","value":${d}}]}`,
};
export const depth = fc.oneof(
  fc.integer({ min: 1, max: 100 }),
  fc.integer({ min: 1000, max: 20_000 }),
  fc.constant(5000),
);
export const deepBody = fc.record({
  depth,
  style: fc.constantFrom<"array" | "object" | "mixed">("array", "object", "mixed"),
  wrapper: fc.constantFrom(...Object.keys(DEEP_WRAPPERS)),
});
