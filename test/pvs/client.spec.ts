import assert from "assert";
import net from "net";
import { PvsClient, ClientOptions } from "../../src/pvs/client/client";
import { PvsError } from "../../src/pvs/http/errors";
import { LEGACY_READ_COMMANDS, legacyCommand, legacyPath } from "../../src/pvs/legacy/dl-cgi";
import { PvsEmulator } from "../../src/emulator/server";
import { rejection } from "../support/rejection";
import { withSimulatedDate } from "../support/simulated-date";

describe("pvs/client against the emulator", () => {
  let emulator: PvsEmulator;
  let client: PvsClient | null = null;
  const make = (extra: Partial<ClientOptions> = {}) => {
    client = new PvsClient({
      protocol: "http",
      host: "127.0.0.1",
      port: emulator.port,
      timeoutMs: 2000,
      minSpacingMs: 0,
      backoffBaseMs: 0,
      ...extra,
    });
    return client;
  };

  beforeEach(async () => {
    emulator = new PvsEmulator({ inverters: 3 });
    await emulator.start();
  });
  afterEach(async () => {
    client?.close();
    client = null;
    await emulator.stop();
  });

  it("coalesces identical requests: two callers, one device request, one shared answer", async () => {
    emulator.delayMs = 50;
    const c = make();
    const [a, b] = await Promise.all([c.request(legacyCommand("DeviceList")), c.request(legacyCommand("DeviceList"))]);
    assert.strictEqual(emulator.count("DeviceList"), 1);
    assert.strictEqual(a, b);
    assert.strictEqual(c.getStats().coalesced, 1);
  });

  it("keeps one request in flight per PVS and spaces them", async () => {
    emulator.delayMs = 30;
    const c = make({ minSpacingMs: 150 });
    await Promise.all([
      c.request(legacyCommand("DeviceList")),
      c.request(legacyCommand("Get_Comm")),
      c.request(legacyCommand("CheckFW")),
    ]);
    assert.strictEqual(emulator.maxConcurrent, 1);
    const [r1, r2, r3] = emulator.requests;
    assert.deepStrictEqual([r1.command, r2.command, r3.command], ["DeviceList", "Get_Comm", "CheckFW"]);
    assert.ok(r2.startedAt - (r1.finishedAt as number) >= 140, `gap ${r2.startedAt - (r1.finishedAt as number)} ms`);
    assert.ok(r3.startedAt - (r2.finishedAt as number) >= 140, `gap ${r3.startedAt - (r2.finishedAt as number)} ms`);
  });

  it("rations the DeviceList: a second one waits for the interval, other requests go first, 'reuse' gets the last answer at once", async () => {
    const c = make({ deviceListEveryMs: 600 });
    const first = await c.request(legacyCommand("DeviceList"));
    const order: string[] = [];
    const waiting = c.request(legacyCommand("DeviceList")).then(() => order.push("DeviceList"));
    await new Promise((r) => setTimeout(r, 20));
    // Asked after the waiting DeviceList, answered before it: the ration does not hold up other requests.
    await c.request(legacyCommand("Get_Comm")).then(() => order.push("Get_Comm"));
    assert.strictEqual(
      await c.request(legacyCommand("DeviceList"), undefined, { freshness: "reuse" }),
      first,
      "the last answer, at once",
    );
    await waiting;
    assert.deepStrictEqual(order, ["Get_Comm", "DeviceList"]);
    const lists = emulator.requests.filter((r) => r.command === "DeviceList");
    assert.strictEqual(lists.length, 2);
    // The ration counts from the client's start of the first; the emulator sees the first later by the connection's
    // set-up, which the second (keep-alive) skips: a few ms to tens on a loaded machine. Without the ration the
    // second would follow the first by milliseconds.
    assert.ok(lists[1].startedAt - lists[0].startedAt >= 500, `${lists[1].startedAt - lists[0].startedAt} ms apart`);
    assert.strictEqual(c.getStats().reused, 1);
  });

  it("fails fast once the breaker is open, then probes with one request after the back-off", () =>
    withSimulatedDate(async (skip) => {
      emulator.setFault({ kind: "status", status: 503 });
      const c = make({ backoffBaseMs: 40, openAfter: 3 });
      for (let i = 0; i < 3; i++)
        assert.strictEqual((await rejection(c.request(legacyCommand("Get_Comm")))).code, "PVS_HTTP_ERROR");
      const sent = emulator.count();
      const open = await rejection(c.request(legacyCommand("Get_Comm")));
      assert.strictEqual(open.code, "PVS_CIRCUIT_OPEN");
      assert.strictEqual(open.reason, "PVS_HTTP_ERROR");
      assert.strictEqual(emulator.count(), sent, "not sent");
      assert.strictEqual(c.health().state, "open");
      const heard: string[] = [];
      c.onHealth((h) => heard.push(h.state));
      emulator.setFault(null);
      skip(200); // 40 ms doubled twice, +10 %
      await c.request(legacyCommand("Get_Comm"));
      assert.strictEqual(emulator.count(), sent + 1, "one probe");
      assert.deepStrictEqual(heard, ["ok"]);
      assert.strictEqual(c.budget().failed, 3);
    }));

  it("re-announces the breaker when a failed probe opens it for longer, so every node shows the new retry time", () =>
    withSimulatedDate(async (skip) => {
      emulator.setFault({ kind: "status", status: 503 });
      const c = make({ backoffBaseMs: 40, openAfter: 3 });
      const heard: Array<[string, number | null]> = [];
      c.onHealth((h) => heard.push([h.state, h.retryAt]));
      for (let i = 0; i < 3; i++) await rejection(c.request(legacyCommand("Get_Comm")));
      skip(200); // the breaker's retry time passes
      await rejection(c.request(legacyCommand("Get_Comm"))); // the probe fails
      const opens = heard.filter(([state]) => state === "open");
      assert.strictEqual(opens.length, 2, JSON.stringify(heard));
      assert.ok((opens[1][1] as number) > (opens[0][1] as number));
    }));

  it("starts a fresh request when one is asked for just as the same request on the wire is cancelled", async () => {
    emulator.delayMs = 200;
    const c = make();
    const old = new AbortController();
    const first = c.request(legacyCommand("DeviceList"), old.signal);
    await new Promise((r) => setTimeout(r, 50));
    old.abort();
    const fresh = await c.request(legacyCommand("DeviceList"));
    assert.ok(Array.isArray(fresh.devices), "answered, not cancelled with the old one");
    assert.strictEqual((await rejection(first)).code, "PVS_ABORTED");
  });

  it("aborts the request on the wire when its only caller cancels", async () => {
    emulator.delayMs = 5000;
    const c = make();
    const controller = new AbortController();
    const pending = c.request(legacyCommand("DeviceList"), controller.signal);
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    assert.strictEqual((await rejection(pending)).code, "PVS_ABORTED");
    await new Promise((r) => setTimeout(r, 50));
    assert.notStrictEqual(emulator.requests[0].finishedAt, null, "the emulator saw the connection close");
  });

  it("keeps a shared request going when only one of its callers cancels", async () => {
    emulator.delayMs = 100;
    const c = make();
    const controller = new AbortController();
    const leaving = c.request(legacyCommand("DeviceList"), controller.signal);
    const staying = c.request(legacyCommand("DeviceList"));
    controller.abort();
    assert.strictEqual((await rejection(leaving)).code, "PVS_ABORTED");
    const answer = await staying;
    assert.ok(Array.isArray(answer.devices));
    assert.strictEqual(emulator.count("DeviceList"), 1);
  });

  it("drops a waiting request whose caller cancels before its turn", async () => {
    emulator.delayMs = 100;
    const c = make();
    const controller = new AbortController();
    const first = c.request(legacyCommand("DeviceList"));
    const second = rejection(c.request(legacyCommand("Get_Comm"), controller.signal));
    controller.abort();
    await first;
    assert.strictEqual((await second).code, "PVS_ABORTED");
    await new Promise((r) => setTimeout(r, 50));
    assert.strictEqual(emulator.count("Get_Comm"), 0);
  });

  it("rejects everything with PVS_ABORTED on close", async () => {
    emulator.delayMs = 5000;
    const c = make();
    const a = c.request(legacyCommand("DeviceList"));
    const b = c.request(legacyCommand("Get_Comm"));
    c.close();
    assert.strictEqual((await rejection(a)).code, "PVS_ABORTED");
    assert.strictEqual((await rejection(b)).code, "PVS_ABORTED");
    assert.strictEqual((await rejection(c.request(legacyCommand("DeviceList")))).code, "PVS_ABORTED");
  });

  it("backs off after a failure and recovers after a success", async () => {
    const c = make({ backoffBaseMs: 300, backoffMaxMs: 1000 });
    emulator.setFault({ kind: "status", status: 500 });
    assert.strictEqual((await rejection(c.request(legacyCommand("DeviceList")))).code, "PVS_HTTP_ERROR");
    emulator.setFault(null);
    await c.request(legacyCommand("DeviceList"));
    const [fail, ok] = emulator.requests;
    assert.ok(
      ok.startedAt - (fail.finishedAt as number) >= 260,
      `waited ${ok.startedAt - (fail.finishedAt as number)} ms`,
    );
    assert.strictEqual(c.getStats().consecutiveFailures, 0);
    assert.strictEqual(c.getStats().failures, 1);
  });

  describe("maps every kind of bad answer to a stable code", () => {
    const cases: Array<[string, Parameters<PvsEmulator["setFault"]>[0], string, number?]> = [
      ["HTTP 500", { kind: "status", status: 500 }, "PVS_HTTP_ERROR", 500],
      ["HTTP 403", { kind: "status", status: 403 }, "PVS_FORBIDDEN", 403],
      [
        "a 403 JSON body (2025 lock-outs)",
        { kind: "body", body: '{"status":403,"error":"Unauthorized","path":""}' },
        "PVS_FORBIDDEN",
        403,
      ],
      [
        "an HTML page with status 200",
        { kind: "body", body: "<!DOCTYPE html><html><body>Maintenance</body></html>", contentType: "text/html" },
        "PVS_HTML_RESPONSE",
      ],
      ["a body that is not JSON", { kind: "body", body: "Segmentation fault" }, "PVS_NOT_JSON"],
      ["truncated JSON", { kind: "body", body: '{"devices":[{"SERIAL":"E0' }, "PVS_NOT_JSON"],
      ["an empty body", { kind: "body", body: "" }, "PVS_NOT_JSON"],
      [
        '{"result":"error"}',
        { kind: "body", body: '{"result":"error","msg":"Could not connect to mime."}' },
        "PVS_COMMAND_FAILED",
      ],
      ["JSON that is not an object", { kind: "body", body: "[1,2]" }, "PVS_BAD_RESPONSE"],
      ["a connection reset", { kind: "reset" }, "PVS_UNREACHABLE"],
    ];
    for (const [what, fault, code, status] of cases) {
      it(`${what} -> ${code}`, async () => {
        emulator.setFault(fault);
        const err = await rejection(make().request(legacyCommand("DeviceList")));
        assert.strictEqual(err.code, code, err.message);
        if (status) assert.strictEqual(err.statusCode, status);
      });
    }

    it("a PVS that never answers -> PVS_TIMEOUT within the timeout", async () => {
      emulator.setFault({ kind: "hang" });
      const started = Date.now();
      const err = await rejection(make({ timeoutMs: 200 }).request(legacyCommand("DeviceList")));
      assert.strictEqual(err.code, "PVS_TIMEOUT");
      assert.ok(Date.now() - started < 1500);
    });

    it("a closed port -> PVS_UNREACHABLE", async () => {
      const server = net.createServer();
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as net.AddressInfo).port;
      await new Promise((r) => server.close(r));
      const err = await rejection(make({ port }).request(legacyCommand("DeviceList")));
      assert.strictEqual(err.code, "PVS_UNREACHABLE");
    });

    it("an answer over the size limit -> PVS_TOO_LARGE", async () => {
      emulator.setFault({ kind: "body", body: JSON.stringify({ devices: [], pad: "x".repeat(200_000) }) });
      const err = await rejection(make({ maxBodyBytes: 100_000 }).request(legacyCommand("DeviceList")));
      assert.strictEqual(err.code, "PVS_TOO_LARGE");
    });

    it("masks secrets in text quoted from a bad answer", async () => {
      emulator.setFault({ kind: "body", body: "ZT01234567890ABCDE crashed" });
      const redact = (t: string) => t.split("ZT01234567890ABCDE").join("ZT01234567890*****");
      const err = await rejection(make({ redact }).request(legacyCommand("DeviceList")));
      assert.ok(!err.message.includes("ABCDE"), err.message);
    });
  });
});

describe("pvs/legacy read-only allow-list", () => {
  it("refuses commands that change the device", () => {
    for (const command of ["SetCellPurchased", "GridProfileRefresh", "StartDiscovery", "deviceList", ""]) {
      assert.throws(
        () => legacyCommand(command),
        (e: unknown) => e instanceof PvsError && e.code === "PVS_NOT_ALLOWED",
        command,
      );
    }
  });

  it("refuses paths outside the read-only list and odd parameter names", () => {
    assert.throws(() => legacyPath("network/powerProduction"), /not a read-only PVS path/);
    assert.throws(() => legacyPath("../../etc/passwd"), /not a read-only PVS path/);
    assert.throws(() => legacyCommand("DeviceDetails", { Command: "SetCellPurchased" }), /not a valid parameter/);
    assert.throws(() => legacyCommand("DeviceDetails", { "a&b": "1" }), /not a valid parameter/);
  });

  it("builds identical keys for identical requests, so they coalesce", () => {
    assert.strictEqual(legacyCommand("DeviceList").key, legacyCommand("DeviceList").key);
    assert.notStrictEqual(
      legacyCommand("CheckFW", { type: "residential" }).key,
      legacyCommand("CheckFW", { type: "commercial" }).key,
    );
    assert.ok(LEGACY_READ_COMMANDS.includes("DeviceList"));
  });
});
