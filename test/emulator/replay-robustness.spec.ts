// A replay under hostile requests and hostile recordings: look-ups by own keys only (a path named after an
// Object.prototype member is a path the recording lacks: 404, as a real unit answers a path it does not serve),
// a recording checked where it is loaded (refused with a message naming what is wrong, never served in part),
// telemetry offsets bounded, nesting bounded. Real HTTP against the emulator, and the built CLI as a process.
import assert from "assert";
import { ChildProcess, spawn } from "child_process";
import fs from "fs";
import net from "net";
import os from "os";
import path from "path";
import WebSocket from "ws";
import { PvsEmulator } from "../../src/emulator/server";
import { TelemetryServer } from "../../src/emulator/telemetry";
import { Recording, RECORDING_FORMAT, recordingFromCapture } from "../../src/model/recording";
import { settle, until } from "../support/wait";
import { login, request, vars } from "./request";

const CAPTURE = path.join(__dirname, "../fixtures/corpus/cmalek__sungazer/DeviceList.json");
const CLI = path.join(__dirname, "../../dist/src/emulator/cli.js");
const capture = (): unknown => JSON.parse(fs.readFileSync(CAPTURE, "utf8"));
/** Paths and commands named after Object.prototype's members. */
const HOSTILE = [
  "/cgi-bin/dl_cgi/hasOwnProperty",
  "/cgi-bin/dl_cgi?Command=toString",
  "/cgi-bin/dl_cgi/constructor",
  "/cgi-bin/dl_cgi/__proto__",
  "/cgi-bin/dl_cgi?Command=__proto__",
  "/cgi-bin/dl_cgi?Command=valueOf",
  "/constructor",
  "/__proto__",
];

/** A value nested `depth` arrays deep, built without recursion (as JSON.parse builds one). */
function nested(depth: number): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const recording = (fields: Record<string, unknown>): Recording =>
  ({ format: RECORDING_FORMAT, ...fields }) as unknown as Recording;

describe("replay: hostile requests and hostile recordings", function () {
  this.timeout(15000);
  let emulator: PvsEmulator | null = null;
  afterEach(async () => {
    await emulator?.stop();
    emulator = null;
  });

  it("a path or command named after an Object.prototype member is 404, and the replay keeps serving", async () => {
    emulator = new PvsEmulator({ replay: recordingFromCapture(capture(), "DeviceList.json") });
    await emulator.start();
    for (const advanced of [false, true]) {
      if (advanced) emulator.advanceReplay(3_600_000); // the moved-forward recording is looked up the same way
      for (const hostile of HOSTILE) {
        const reply = await request(`${emulator.url}${hostile}`);
        assert.strictEqual(reply.status, 404, `${hostile}${advanced ? " (advanced)" : ""}: ${reply.text}`);
      }
    }
    const list = await request(`${emulator.url}/cgi-bin/dl_cgi?Command=DeviceList`);
    assert.strictEqual(list.status, 200);
    assert.strictEqual(
      (list.json as { devices: unknown[] }).devices.length,
      (capture() as { devices: unknown[] }).devices.length,
      "the capture is still served",
    );
  });

  it("a recorded variable or device field named after an Object.prototype member stays what was recorded", async () => {
    emulator = new PvsEmulator({
      replay: recording({
        vars: {
          "/sys/info/serialnum": "ZT01234567890ABCDE",
          "/sys/info/model": "PVS6",
          "/sys/livedata/pv_p": "1.5",
          "/sys/livedata/constructor": "7",
          "/sys/livedata/__proto__": "8",
        },
      }),
    });
    emulator.advanceReplay(3_600_000);
    await emulator.start();
    const cookie = await login(emulator.httpsUrl, "ZT01234567890ABCDE");
    const reply = await vars(emulator.httpsUrl, "match=/sys/livedata&fmt=obj", cookie);
    assert.strictEqual(reply.status, 200, reply.text);
    const body = reply.json as Record<string, unknown>;
    assert.strictEqual(body["/sys/livedata/constructor"], "7");
    assert.ok(Object.hasOwn(body, "/sys/livedata/__proto__"), "an own name, not a prototype");
    assert.strictEqual(body["/sys/livedata/__proto__"], "8");
  });

  it("an answer that fails inside the emulator is a 500, and the next request is answered", async () => {
    emulator = new PvsEmulator({ inverters: 1 });
    await emulator.start();
    emulator.editDeviceList = () => {
      throw new Error("a test's edit that fails");
    };
    const failed = await request(`${emulator.url}/cgi-bin/dl_cgi?Command=DeviceList`);
    assert.deepStrictEqual([failed.status, failed.json], [500, { result: "error", msg: "internal error" }]);
    emulator.editDeviceList = null;
    assert.strictEqual((await request(`${emulator.url}/cgi-bin/dl_cgi?Command=DeviceList`)).status, 200);
  });

  it("a request-target no URL can be made of is a 400, and the next request is answered", async () => {
    emulator = new PvsEmulator({ inverters: 1 });
    await emulator.start();
    const port = emulator.port;
    const statusLine = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => socket.write("GET //[ HTTP/1.1\r\nHost: pvs\r\n\r\n"));
      socket.once("data", (data) => {
        resolve(String(data).split("\r\n")[0]);
        socket.destroy();
      });
      socket.once("error", reject);
    });
    assert.strictEqual(statusLine, "HTTP/1.1 400 Bad Request");
    assert.strictEqual((await request(`${emulator.url}/cgi-bin/dl_cgi?Command=DeviceList`)).status, 200);
  });

  describe("a recording that is not one is refused where it is loaded, naming what is wrong", () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ["the format alone (nothing to serve)", {}, /no answer to serve/],
      ["empty answers", { legacy: {}, vars: {}, telemetry: [] }, /no answer to serve/],
      ["legacy as a string", { legacy: "DeviceList" }, /"legacy" must be an object .*not a string/],
      [
        "a legacy answer that is a number",
        { legacy: { DeviceList: 42 } },
        /"legacy.DeviceList" must be .*not a number/,
      ],
      [
        "a legacy answer that is an array",
        { legacy: { DeviceList: [] } },
        /"legacy.DeviceList" must be .*not an array/,
      ],
      ["vars as an array", { vars: ["/sys/info/model"] }, /"vars" must be an object .*not an array/],
      ["a variable name without its /", { vars: { model: "PVS6" } }, /"vars" name "model" .*\//],
      ["telemetry as an object", { vars: { "/a": "1" }, telemetry: {} }, /"telemetry" must be an array/],
      [
        "a frame at 1e308 ms",
        {
          vars: { "/a": "1" },
          telemetry: [
            { atMs: 0, frame: {} },
            { atMs: 1e308, frame: {} },
          ],
        },
        /"telemetry\[1\].atMs" must be .*from 0 to 604800000/,
      ],
      ["a frame at a negative time", { vars: { "/a": "1" }, telemetry: [{ atMs: -1, frame: {} }] }, /telemetry\[0\]/],
      ["a frame time as text", { vars: { "/a": "1" }, telemetry: [{ atMs: "5", frame: {} }] }, /telemetry\[0\].atMs/],
      [
        "a frame that is a number",
        { vars: { "/a": "1" }, telemetry: [{ atMs: 0, frame: 42 }] },
        /telemetry\[0\].frame/,
      ],
    ];
    for (const [what, fields, message] of cases) {
      it(what, () => {
        assert.throws(
          () => new PvsEmulator({ replay: recording(fields) }),
          (err: Error & { code?: string }) => message.test(err.message) && err.code === "PVS_BAD_RECORDING",
        );
      });
    }

    it("not a recording at all (another format, not an object)", () => {
      for (const value of [{ format: "pvs-recording/9", vars: { "/a": "1" } }, "DeviceList", null]) {
        assert.throws(
          () => new PvsEmulator({ replay: value as unknown as Recording }),
          /not a PVS recording \(expected "format": "pvs-recording\/1"\)/,
        );
      }
    });

    it("a value nested 200,000 deep: refused at once (no stack overflow), in vars, legacy or a frame", () => {
      const deep = nested(200_000);
      for (const fields of [
        { vars: { "/sys/info/model": deep } },
        { legacy: { DeviceList: { devices: [deep] } } },
        { vars: { "/a": "1" }, telemetry: [{ atMs: 0, frame: { params: deep } }] },
      ]) {
        const started = Date.now();
        assert.throws(() => new PvsEmulator({ replay: recording(fields) }), /nested deeper than 64/);
        assert.ok(Date.now() - started < 2000, "refused quickly");
      }
      // A real capture's depth is accepted: the ESS report nests deepest in test/fixtures (8).
      assert.doesNotThrow(() => new PvsEmulator({ replay: recording({ vars: { "/a": nested(60) } }) }));
    });
  });

  it("telemetry: frames whose offsets overflow the timer are not sent in a flood", async () => {
    // Below the recording check (which refuses such offsets): the socket itself bounds its timers.
    const telemetry = new TelemetryServer(() => ({}), {
      frames: [
        { atMs: 0, frame: { notification: "power", params: { pv_p: 1 } } },
        { atMs: 1e308, frame: { notification: "power", params: { pv_p: 2 } } },
      ],
      frameNow: (i) => ({ notification: "power", params: { pv_p: i } }),
    });
    telemetry.enabled = true;
    await telemetry.start(0, "127.0.0.1");
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${telemetry.port}/`);
      let frames = 0;
      ws.on("message", () => frames++);
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      await settle(500);
      ws.close();
      assert.strictEqual(frames, 1, "the first frame, then none: the unreachable one is not sent in a flood");
    } finally {
      await telemetry.stop();
    }
  });

  describe("the CLI (built: node scripts/build.js)", () => {
    const children: ChildProcess[] = [];
    let dir = "";
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-hostile-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    afterEach(() => children.splice(0).forEach((c) => c.exitCode === null && c.kill()));

    function run(file: string): { child: ChildProcess; out: () => string; err: () => string } {
      const child = spawn(
        process.execPath,
        [CLI, "--replay", file, "--port", "0", "--https-port", "0", "--telemetry-port", "0"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      children.push(child);
      let out = "";
      let err = "";
      child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
      return { child, out: () => out, err: () => err };
    }

    it("--replay a corpus capture: the hostile requests are 404 and the process keeps running", async () => {
      const cli = run(CAPTURE);
      await until(() => /http:\/\/127\.0\.0\.1:\d+/.test(cli.out()), 8000, `the startup line (${cli.err()})`);
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(cli.out())?.[0] as string;
      for (const hostile of HOSTILE) assert.strictEqual((await request(`${url}${hostile}`)).status, 404, hostile);
      const list = await request(`${url}/cgi-bin/dl_cgi?Command=DeviceList`);
      assert.strictEqual(list.status, 200, "still serving");
      assert.strictEqual(cli.child.exitCode, null, "still running");
      assert.strictEqual(cli.err(), "", "nothing on stderr");
    });

    it("--replay a wrong recording: exits with a message naming what is wrong, and no stack", async () => {
      const files: Array<[string, unknown, RegExp]> = [
        ["format-only.json", { format: RECORDING_FORMAT }, /no answer to serve/],
        ["legacy-string.json", { format: RECORDING_FORMAT, legacy: "x" }, /"legacy" must be an object/],
        ["answer-42.json", { format: RECORDING_FORMAT, legacy: { DeviceList: 42 } }, /"legacy.DeviceList"/],
      ];
      for (const [name, content, message] of files) {
        const file = path.join(dir, name);
        fs.writeFileSync(file, JSON.stringify(content));
        const cli = run(file);
        const code = await new Promise<number | null>((resolve) => cli.child.once("exit", resolve));
        assert.notStrictEqual(code, 0, name);
        assert.match(cli.err(), message, name);
        assert.match(cli.err(), new RegExp(`^pvs-emulator: .*${name.replace(".", "\\.")}`), `${name}: the file named`);
        assert.doesNotMatch(cli.err(), /\n\s+at /, `${name}: no stack`);
      }
      const deep = path.join(dir, "deep.json");
      fs.writeFileSync(deep, `{"/sys/info/model":${"[".repeat(200_000)}${"]".repeat(200_000)}}`);
      const cli = run(deep);
      const code = await new Promise<number | null>((resolve) => cli.child.once("exit", resolve));
      assert.notStrictEqual(code, 0);
      assert.match(cli.err(), /nested deeper than 64/);
      assert.doesNotMatch(cli.err(), /\n\s+at /);
    });
  });
});
