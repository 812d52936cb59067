// The connect deadline: an address where no connection (or no TLS handshake) completes fails with
// PVS_UNREACHABLE after CONNECT_TIMEOUT_MS, while a connected PVS that is slow to answer keeps the answer deadline.
// Two silent addresses on loopback: a TCP server that accepts and never speaks TLS (the handshake never ends), and
// a listener whose accept queue is full (a child process blocked for good), where the TCP connect itself hangs:
// Linux drops the SYN, as a PVS that is off or on another address gives no answer at all.
import assert from "assert";
import { ChildProcess, spawn } from "child_process";
import net from "net";
import sinon from "sinon";
import { CONNECT_TIMEOUT_MS } from "../../src/pvs/http/connect-deadline";
import { PvsError } from "../../src/pvs/http/errors";
import { Transport } from "../../src/pvs/http/transport";

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

/** A child process listening on a backlog of 1 that blocks before it accepts anything; resolves with its port. */
function blockedListener(): Promise<{ child: ChildProcess; port: number }> {
  const script = `
    const s = require("net").createServer();
    s.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
      require("fs").writeSync(1, s.address().port + "\\n");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    });`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.stdout?.once("data", (d: Buffer) => resolve({ child, port: Number(String(d).trim()) }));
  });
}

/** Connects until a connection hangs (the accept queue is full); false if none does within a few tries. */
async function fillQueue(port: number, sockets: net.Socket[]): Promise<boolean> {
  for (let i = 0; i < 8; i++) {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    sockets.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) return true;
  }
  return false;
}

describe("transport: the connect deadline, TCP", () => {
  let listener: { child: ChildProcess; port: number };
  const fillers: net.Socket[] = [];

  before(async function () {
    listener = await blockedListener();
    if (!(await fillQueue(listener.port, fillers))) this.skip(); // a TCP stack that never leaves a connect hanging
  });
  after(() => {
    for (const s of fillers) s.destroy();
    listener?.child.kill();
  });

  it("an HTTP address where the TCP connection never completes fails with PVS_UNREACHABLE after 10 s", async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["setTimeout", "clearTimeout", "Date"] });
    const transport = new Transport({ protocol: "http", host: "127.0.0.1", port: listener.port });
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
      assert.strictEqual(outcome.err.message, `no answer at 127.0.0.1:${listener.port} (no connection within 10 s)`);
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
