// The answer log keeps the last of each kind and is bounded everywhere, so memory does not grow.
import assert from "assert";
import {
  AnswerLog,
  diagnosticHeaders,
  MAX_BODY_BYTES,
  MAX_ERRORS,
  MAX_FRAMES,
  MAX_KINDS,
  MAX_TOTAL_BYTES,
} from "../../src/pvs/client/answer-log";

const answer = (body: string) => ({
  status: 200,
  body,
  durationMs: 5,
  headers: { "content-type": "application/json" },
});

describe("answer log (diagnostics)", () => {
  it("keeps only the last answer of each kind, and at most MAX_KINDS kinds", () => {
    const log = new AnswerLog();
    log.answer("DeviceList", "dl_cgi", "GET /cgi-bin/dl_cgi?Command=DeviceList", answer('{"n":1}'), 0);
    log.answer("DeviceList", "dl_cgi", "GET /cgi-bin/dl_cgi?Command=DeviceList", answer('{"n":2}'), 1);
    assert.deepStrictEqual(
      log.snapshot().answers.map((a) => a.body),
      ['{"n":2}'],
    );
    for (let i = 0; i < MAX_KINDS * 3; i++)
      log.answer(`GET /vars?name=/sys/info/x${i}`, "vars", `GET /vars?name=/sys/info/x${i}`, answer("{}"), i);
    const kinds = log.snapshot().answers.map((a) => a.kind);
    assert.strictEqual(kinds.length, MAX_KINDS);
    assert.ok(
      kinds.includes(`GET /vars?name=/sys/info/x${MAX_KINDS * 3 - 1}`) && !kinds.includes("DeviceList"),
      "the oldest kind went first",
    );
  });

  it("cuts a body at MAX_BODY_BYTES, drops the oldest bodies beyond MAX_TOTAL_BYTES, and never keeps the login's body", () => {
    const log = new AnswerLog();
    log.answer("login", "vars", "GET /auth?login", answer('{"session":"abc"}'), 0, false);
    log.answer("huge", "dl_cgi", "GET /x", answer("x".repeat(MAX_BODY_BYTES + 10)), 1);
    const huge = log.snapshot().answers.find((a) => a.kind === "huge");
    assert.ok(huge && huge.truncated && huge.body?.length === MAX_BODY_BYTES && huge.bodyBytes === MAX_BODY_BYTES + 10);
    assert.strictEqual(log.snapshot().answers.find((a) => a.kind === "login")?.body, null);
    for (let i = 0; i < 10; i++)
      log.answer(`big${i}`, "dl_cgi", "GET /y", answer("y".repeat(MAX_BODY_BYTES - 1)), 2 + i);
    assert.ok(log.heldBytes() <= MAX_TOTAL_BYTES, `${log.heldBytes()} bytes held`);
    assert.strictEqual(
      log.snapshot().answers.find((a) => a.kind === "big9")?.body?.length,
      MAX_BODY_BYTES - 1,
      "the newest kept whole",
    );
  });

  it("keeps the last MAX_FRAMES frames and MAX_ERRORS errors", () => {
    const log = new AnswerLog();
    for (let i = 0; i < 500; i++) log.frame(`{"i":${i}}`, i);
    for (let i = 0; i < 500; i++) log.error("vars", "PVS_TIMEOUT", `timeout ${i}`);
    const s = log.snapshot();
    assert.deepStrictEqual(
      [s.frames.length, s.frames[0].at, s.errors.length, s.errors.at(-1)?.message],
      [MAX_FRAMES, 500 - MAX_FRAMES, MAX_ERRORS, "timeout 499"],
    );
  });

  it("keeps only the allow-listed response headers: never Set-Cookie, WWW-Authenticate or Authorization", () => {
    const log = new AnswerLog();
    const headers = {
      "content-type": "application/json",
      "content-length": "42",
      "retry-after": "120",
      server: "lighttpd/1.4.59",
      date: "Tue, 01 Dec 2026 22:30:04 GMT",
      "set-cookie": ["session=abc123; Path=/"],
      "www-authenticate": 'Basic realm="ZT01234567890ABCDE"',
      authorization: "Basic c3NtX293bmVyOkFCQ0RF",
      "x-powered-by": "PHP",
    };
    log.answer("login", "vars", "GET /auth?login", { status: 200, body: "{}", durationMs: 1, headers }, 0, false);
    const kept = log.snapshot().answers[0].headers;
    assert.deepStrictEqual(kept, {
      "content-type": "application/json",
      "content-length": "42",
      "retry-after": "120",
      server: "lighttpd/1.4.59",
      date: "Tue, 01 Dec 2026 22:30:04 GMT",
    });
    assert.deepStrictEqual(
      diagnosticHeaders({ "transfer-encoding": ["chunked"], "Set-Cookie": "x" }),
      { "transfer-encoding": "chunked" },
      "lower-case names only, arrays joined",
    );
  });
});
