// The diagnostics file's size cap (MAX_FILE_BYTES): a file that would exceed it loses its largest parts until it
// fits, and says which; one within it is left whole.
import assert from "assert";
import { AnswerLog } from "../../src/pvs/client/answer-log";
import { buildDiagnostics, DiagnosticsInput, MAX_FILE_BYTES } from "../../src/diagnostics/diagnostics-file";

function input(maxFileBytes?: number): DiagnosticsInput {
  const log = new AnswerLog();
  const devices = Array.from({ length: 2000 }, (_, i) => ({
    DEVICE_TYPE: "Inverter",
    SERIAL: `E0000000000${String(i).padStart(4, "0")}`,
    p_3phsum_kw: "0.2",
  }));
  log.answer(
    "DeviceList",
    "dl_cgi",
    "GET /cgi-bin/dl_cgi?Command=DeviceList",
    { status: 200, body: JSON.stringify({ devices }), durationMs: 9 },
    0,
  );
  log.answer(
    "Get_Comm",
    "dl_cgi",
    "GET /cgi-bin/dl_cgi?Command=Get_Comm",
    { status: 200, body: JSON.stringify({ networkstatus: { interfaces: [] } }), durationMs: 1 },
    1,
  );
  for (let i = 0; i < 50; i++) log.frame(JSON.stringify({ notification: "power", params: { pv_p: i } }), i * 1000);
  return {
    versions: { package: "test", nodeRed: null, node: process.version },
    settings: {},
    info: null,
    budget: null,
    health: null,
    log: log.snapshot(),
    secrets: [],
    maxFileBytes,
  };
}

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe("diagnostics file size cap", () => {
  it("within MAX_FILE_BYTES: nothing left out", () => {
    const file = buildDiagnostics(input());
    assert.ok(bytes(file) < MAX_FILE_BYTES);
    assert.deepStrictEqual((file.diagnostics.limits as { dropped: string[] }).dropped, []);
    assert.ok(file.legacy?.DeviceList && file.legacy.Get_Comm && file.telemetry?.length === 50);
  });

  it("beyond the cap: the largest part goes first until the file fits, and the file says so", () => {
    const whole = bytes(buildDiagnostics(input()));
    const cap = 40_000;
    assert.ok(whole > cap, `the test's file (${whole} bytes) exceeds the cap`);
    const file = buildDiagnostics(input(cap));
    assert.ok(bytes(file) <= cap, `${bytes(file)} bytes ≤ ${cap}`);
    const dropped = (file.diagnostics.limits as { dropped: string[] }).dropped;
    assert.deepStrictEqual(
      dropped.map((d) => d.replace(/ \(\d+ bytes\)$/, "")),
      ["legacy.DeviceList"],
      "only the 2,000-device list had to go",
    );
    assert.strictEqual(file.legacy?.DeviceList, undefined);
    assert.ok(file.legacy?.Get_Comm && file.telemetry?.length === 50, "the rest kept");
  });
});
