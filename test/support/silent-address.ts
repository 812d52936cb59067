// A loopback address where a TCP connection never completes, as at a PVS that is off or moved: a child process
// listens on a backlog of 1 and blocks before it accepts anything, and the accept queue is filled, so that Linux
// drops the next SYN. No traffic leaves the machine.
import { ChildProcess, spawn } from "child_process";
import net from "net";

export interface SilentAddress {
  port: number;
  close(): void;
}

/** Resolves with the port of a listener that blocks before it accepts anything (2 min at most: no orphan stays). */
function blockedListener(): Promise<{ child: ChildProcess; port: number }> {
  const script = `
    const s = require("net").createServer();
    s.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
      require("fs").writeSync(1, s.address().port + "\\n");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000);
      process.exit(0);
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

/** Call before faking the clock (the queue is filled on the real one); null where no connect can be made to hang. */
export async function silentAddress(): Promise<SilentAddress | null> {
  const { child, port } = await blockedListener();
  const fillers: net.Socket[] = [];
  const close = () => {
    for (const s of fillers) s.destroy();
    child.kill();
  };
  if (await fillQueue(port, fillers)) return { port, close };
  close();
  return null;
}
