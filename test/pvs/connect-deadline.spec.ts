// The connect deadline: an address where no connection (or no TLS handshake) completes fails with
// PVS_UNREACHABLE after CONNECT_TIMEOUT_MS, while a connected PVS that is slow to answer keeps the answer deadline.
// Two silent addresses on loopback: a TCP server that accepts and never speaks TLS (the handshake never ends), and
// a listener whose accept queue is full (a child process blocked for good), where the TCP connect itself hangs:
// Linux drops the SYN, as a PVS that is off or on another address gives no answer at all.
import assert from "assert";
import net from "net";
import sinon from "sinon";
import { CONNECT_TIMEOUT_MS } from "../../src/pvs/http/connect-deadline";
import { PvsError } from "../../src/pvs/http/errors";
import { Transport } from "../../src/pvs/http/transport";
import { SilentAddress, silentAddress } from "../support/silent-address";

const ANSWER_MS = 120_000;

interface Silent {
  port: number;
  connected: Promise<void>;
  /** The first bytes from the client: its connection is established on its side too. */
  received: Promise<void>;
  close(): Promise<void>;
}

/** A TCP server that accepts and then says nothing: no TLS handshake, no HTTP answer. */
async function silentServer(): Promise<Silent> {
  const sockets = new Set<net.Socket>();
  let onConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  let onReceived: () => void = () => undefined;
  const received = new Promise<void>((resolve) => (onReceived = resolve));
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.once("data", () => onReceived());
    onConnected();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connected,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Lets real I/O and promise callbacks run (the fake clock does not move). */
const realPause = () => new Promise<void>((resolve) => setImmediate(resolve));

type Outcome = { err: PvsError | null; done: boolean };

function watch(p: Promise<unknown>): Outcome {
  const outcome: Outcome = { err: null, done: false };
  p.then(
    () => (outcome.done = true),
    (err: PvsError) => {
      outcome.done = true;
      outcome.err = err;
    },
  );
  return outcome;
}

describe("transport: the connect deadline, TCP", () => {
  let listener: SilentAddress | null = null;

  before(async function () {
    listener = await silentAddress();
    if (!listener) this.skip(); // a TCP stack that never leaves a connect hanging
  });
  after(() => listener?.close());

  it("an HTTP address where the TCP connection never completes fails with PVS_UNREACHABLE after 10 s", async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["setTimeout", "clearTimeout", "Date"] });
    const transport = new Transport({ protocol: "http", host: "127.0.0.1", port: (listener as SilentAddress).port });
    try {
      const outcome = watch(transport.get("/cgi-bin/dl_cgi", { Command: "DeviceList" }, ANSWER_MS));
      for (let i = 0; i < 20; i++) await realPause();
      clock.tick(CONNECT_TIMEOUT_MS - 100);
      for (let i = 0; i < 5; i++) await realPause();
      assert.strictEqual(outcome.done, false, "failed before the connect deadline");
      clock.tick(100);
      for (let i = 0; i < 20 && !outcome.done; i++) await realPause();
      assert.ok(outcome.err, "no failure at the connect deadline");
      assert.strictEqual(outcome.err.code, "PVS_UNREACHABLE");
      assert.strictEqual(
        outcome.err.message,
        `no answer at 127.0.0.1:${(listener as SilentAddress).port} (no connection within 10 s)`,
      );
    } finally {
      transport.close();
      clock.restore();
    }
  });
});

describe("transport: the connect deadline", () => {
  let clock: sinon.SinonFakeTimers;
  let silent: Silent;

  beforeEach(async () => {
    silent = await silentServer();
    clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(async () => {
    clock.restore();
    await silent.close();
  });

  it("an HTTPS address that never completes the handshake fails with PVS_UNREACHABLE after 10 s", async () => {
    const transport = new Transport({ protocol: "https", host: "127.0.0.1", port: silent.port });
    try {
      const outcome = watch(transport.get("/cgi-bin/dl_cgi", { Command: "DeviceList" }, ANSWER_MS));
      await silent.connected;
      clock.tick(CONNECT_TIMEOUT_MS - 100);
      for (let i = 0; i < 5; i++) await realPause();
      assert.strictEqual(outcome.done, false, "failed before the connect deadline");
      clock.tick(100);
      for (let i = 0; i < 20 && !outcome.done; i++) await realPause();
      assert.ok(outcome.err, "no failure at the connect deadline");
      assert.strictEqual(outcome.err.code, "PVS_UNREACHABLE");
      assert.match(outcome.err.message, new RegExp(`^no answer at 127\\.0\\.0\\.1:${silent.port}\\b`));
    } finally {
      transport.close();
    }
  });

  it("a connected HTTP PVS that is slow to answer keeps the answer deadline (PVS_TIMEOUT at 120 s, not 10 s)", async () => {
    const transport = new Transport({ protocol: "http", host: "127.0.0.1", port: silent.port });
    try {
      const outcome = watch(transport.get("/cgi-bin/dl_cgi", { Command: "DeviceList" }, ANSWER_MS));
      await silent.received;
      clock.tick(ANSWER_MS - 1000);
      for (let i = 0; i < 5; i++) await realPause();
      assert.strictEqual(outcome.done, false, "a connected request was cut before its answer deadline");
      clock.tick(1000);
      for (let i = 0; i < 20 && !outcome.done; i++) await realPause();
      assert.ok(outcome.err, "no failure at the answer deadline");
      assert.strictEqual(outcome.err.code, "PVS_TIMEOUT");
    } finally {
      transport.close();
    }
  });

  it("a refused connection is PVS_UNREACHABLE at once", async () => {
    const port = silent.port;
    await silent.close();
    silent = { port, connected: Promise.resolve(), received: Promise.resolve(), close: async () => undefined };
    const transport = new Transport({ protocol: "http", host: "127.0.0.1", port });
    try {
      const outcome = watch(transport.get("/", {}, ANSWER_MS));
      for (let i = 0; i < 50 && !outcome.done; i++) await new Promise((r) => setImmediate(r));
      assert.ok(outcome.err, "a refused connection waited for a deadline");
      assert.strictEqual(outcome.err.code, "PVS_UNREACHABLE");
      assert.match(outcome.err.message, /ECONNREFUSED/);
    } finally {
      transport.close();
    }
  });
});
