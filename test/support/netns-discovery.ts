// The wire scenarios of test/pvs/discovery.spec.ts, run by it inside a network namespace of their own
// (test/support/netns.ts): real emulator responders and a real browser on multicast. One JSON line per scenario on
// stdout: { scenario, result } or { scenario, error }. The serials come in the environment, never in argv or output.
import dgram from "dgram";
import dnsPacket from "dns-packet";
import makeMdns from "multicast-dns";
import { browsePvs, findPvsBySerial } from "../../src/pvs/discovery/browse";
import { MdnsModel, PvsMdnsResponder } from "../../src/emulator/mdns";

const SERIAL_A = process.env.DISCOVERY_SERIAL_A ?? "";
const SERIAL_B = process.env.DISCOVERY_SERIAL_B ?? "";
export const CONTROL_SERIAL = "ZT0000000000077";
export const QUIET_SERIAL = "ZT0000000000055";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withResponders<T>(
  specs: Array<[MdnsModel, string, string, number]>,
  body: (responders: PvsMdnsResponder[]) => Promise<T>,
): Promise<T> {
  const responders = specs.map(
    ([model, serial, address, port]) => new PvsMdnsResponder({ model, serial, address, port }),
  );
  try {
    for (const r of responders) await r.start();
    return await body(responders);
  } finally {
    for (const r of responders) await r.stop();
  }
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  const value = await work;
  return { value, ms: Date.now() - start };
}

const scenarios: Record<string, () => Promise<unknown>> = {
  single: () => withResponders([["PVS6", SERIAL_A, "127.0.0.2", 8081]], () => browsePvs({ timeoutMs: 1500 })),

  two: () =>
    withResponders(
      [
        ["PVS6", SERIAL_A, "127.0.0.2", 8081],
        ["PVS5", SERIAL_B, "127.0.0.3", 8082],
      ],
      () => browsePvs({ timeoutMs: 1500 }),
    ),

  find: () =>
    withResponders(
      [
        ["PVS6", SERIAL_A, "127.0.0.2", 8081],
        ["PVS5", SERIAL_B, "127.0.0.3", 8082],
      ],
      async () => ({
        b: await timed(findPvsBySerial(SERIAL_B, { timeoutMs: 5000 })),
        a: await timed(findPvsBySerial(SERIAL_A.toLowerCase(), { timeoutMs: 5000 })),
        absent: await timed(findPvsBySerial("ZZ0000000000000", { timeoutMs: 1200 })),
      }),
    ),

  move: () =>
    withResponders([["PVS6", SERIAL_A, "127.0.0.2", 8081]], async ([responder]) => {
      const before = await findPvsBySerial(SERIAL_A, { timeoutMs: 5000 });
      await responder.moveTo("127.0.0.3");
      const after = await timed(findPvsBySerial(SERIAL_A, { timeoutMs: 5000 }));
      return { before, after };
    }),

  // A browse already listening when the unit moves: the goodbye and the cache-flush leave only the new address.
  moveWhileBrowsing: () =>
    withResponders([["PVS6", SERIAL_A, "127.0.0.2", 8081]], async ([responder]) => {
      const browse = browsePvs({ timeoutMs: 2500 });
      await sleep(700);
      await responder.moveTo("127.0.0.3");
      return browse;
    }),

  abort: () =>
    withResponders([["PVS6", SERIAL_A, "127.0.0.2", 8081]], async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      return timed(findPvsBySerial("ZZ0000000000000", { timeoutMs: 10_000, signal: controller.signal }));
    }),

  hostile: () =>
    withResponders([["PVS6", SERIAL_A, "127.0.0.2", 8081]], async () => {
      const browse = browsePvs({ timeoutMs: 2000 });
      await sendAll(hostilePackets());
      await sleep(400);
      await sendAll(hostilePackets());
      return browse;
    }),

  // A responder that ignores the first PTR query and leaves the address out: the browser must ask again after about
  // a second, then ask for the SRV target's address itself.
  followUp: async () => {
    const mdns = makeMdns({ interface: "127.0.0.2", bind: "224.0.0.251", reuseAddr: true });
    await new Promise((resolve) => mdns.once("ready", resolve));
    const seen = { ptrQueries: 0, aQueries: 0 };
    const name = "Quiet._pvs6._tcp.local";
    const [ptr, srv, txt, a] = fakeUnit("Quiet", "quiet.local", 8095, [`serialnum=${QUIET_SERIAL}`], "127.0.0.2");
    mdns.on("query", (query: makeMdns.QueryPacket) => {
      const asked = (n: string, type: string) => query.questions.some((q) => q.name === n && q.type === type);
      if (asked("_pvs6._tcp.local", "PTR") && ++seen.ptrQueries === 2)
        mdns.respond({ answers: [ptr], additionals: [srv, txt] });
      if (asked("quiet.local", "A")) {
        seen.aQueries++;
        mdns.respond({ answers: [a] });
      }
    });
    try {
      return { units: await browsePvs({ timeoutMs: 2500 }), seen, name };
    } finally {
      await new Promise((resolve) => mdns.destroy(() => resolve(undefined)));
    }
  },

  // A one-shot querier (not on port 5353) gets a unicast answer with its query's id (RFC 6762 section 6.7).
  legacyUnicast: () =>
    withResponders([["PVS5", SERIAL_B, "127.0.0.3", 8082]], async () => {
      const socket = dgram.createSocket("udp4");
      await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
      socket.setMulticastInterface("127.0.0.1");
      const reply = new Promise<dnsPacket.Packet>((resolve) =>
        socket.once("message", (m) => resolve(dnsPacket.decode(m))),
      );
      const query = dnsPacket.encode({
        type: "query",
        id: 4242,
        questions: [{ name: "_pvs5._tcp.local", type: "PTR" }],
      });
      socket.send(query, 5353, "224.0.0.251");
      const answer = await Promise.race([reply, sleep(2000).then(() => undefined)]);
      socket.close();
      return answer && { id: answer.id, answers: answer.answers, additionals: answer.additionals };
    }),

  flood: async () => {
    const browse = browsePvs({ timeoutMs: 1500 });
    await sendAll(floodPackets());
    return browse;
  },
};

/** Sends raw packets to the mDNS group from a socket of its own (inside the namespace only). */
async function sendAll(packets: Buffer[]): Promise<void> {
  const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  socket.setMulticastInterface("127.0.0.1");
  for (const p of packets) await new Promise<void>((resolve) => socket.send(p, 5353, "224.0.0.251", () => resolve()));
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

const response = (answers: dnsPacket.Answer[], additionals: dnsPacket.Answer[] = []) =>
  dnsPacket.encode({ type: "response", flags: dnsPacket.AUTHORITATIVE_ANSWER, answers, additionals });

function fakeUnit(instance: string, host: string, port: number, txt: string[], address: string): dnsPacket.Answer[] {
  const name = `${instance}._pvs6._tcp.local`;
  return [
    { name: "_pvs6._tcp.local", type: "PTR", ttl: 120, data: name },
    { name, type: "SRV", ttl: 120, data: { target: host, port } },
    { name, type: "TXT", ttl: 120, data: txt },
    { name: host, type: "A", ttl: 120, data: address },
  ];
}

function hostilePackets(): Buffer[] {
  const huge = "x".repeat(250);
  const bigTxt = [`serialnum=ZT${"9".repeat(200)}`, ...Array.from({ length: 20 }, () => huge)];
  const aaaaAsA = response([{ name: "bad6.local", type: "AAAA", ttl: 120, data: "fe80::1" }]);
  // Type AAAA (28) rewritten to A (1): an A record whose data is 16 bytes long.
  aaaaAsA.writeUInt16BE(1, aaaaAsA.length - 16 - 10);
  return [
    // The control: a well-formed unit among the hostile packets shows that they were delivered and read.
    response(fakeUnit("control", "control.local", 8090, [`serialnum=${CONTROL_SERIAL}`], "127.0.0.9")),
    Buffer.from("not a dns packet at all"),
    Buffer.alloc(12, 0xff),
    response(fakeUnit("bad1", "bad1.local", 8081, ["serialnum=ZT../../etc/passwd"], "127.0.0.9")), // bad serial
    response(fakeUnit("bad2", "bad2.local", 0, ["serialnum=ZT0000000000002"], "127.0.0.9")), // port 0
    response(fakeUnit("bad3", "bad3.local", 8081, ["serialnum=ZT0000000000003"], "224.0.0.1")), // multicast address
    response(fakeUnit("bad4", "bad4.local", 8081, ["serialnum=ZT0000000000004"], "0.0.0.0")), // unspecified
    response(fakeUnit("bad5", "bad5.local", 8081, bigTxt, "127.0.0.9")), // huge TXT
    response(fakeUnit("bad6", "bad6.local", 8081, ["serialnum=ZT0000000000006"], "127.0.0.9"), []).subarray(0, 60),
    response(
      fakeUnit(
        `bad7${"y".repeat(60)}`,
        `${"h".repeat(60)}.${"h".repeat(60)}.${"h".repeat(60)}.local`,
        1,
        [],
        "1.2.3.4",
      ),
    ),
    aaaaAsA,
    // Over the 9000-byte limit: a whole valid unit, ignored because of the packet size.
    response(fakeUnit("big", "big.local", 8081, ["serialnum=ZT0000000000008", ...Array(40).fill(huge)], "127.0.0.9")),
  ];
}

/** 240 well-formed units in packets under the size limit. */
function floodPackets(): Buffer[] {
  return Array.from({ length: 6 }, (_, p) =>
    response(
      Array.from({ length: 40 }, (_, i) => {
        const n = String(p * 40 + i).padStart(4, "0");
        return fakeUnit(`flood${n}`, `flood${n}.local`, 8000 + i, [`serialnum=ZT00000000${n}`], `10.0.${p}.${i + 1}`);
      }).flat(),
    ),
  );
}

async function main(): Promise<void> {
  for (const name of process.argv.slice(2)) {
    const run = scenarios[name];
    try {
      if (!run) throw new Error(`no scenario ${name}`);
      process.stdout.write(JSON.stringify({ scenario: name, result: await run() }) + "\n");
    } catch (err) {
      process.stdout.write(JSON.stringify({ scenario: name, error: String(err) }) + "\n");
    }
  }
}

// Imported by the spec for its constants: the scenarios run only when this file is the child's script.
if (require.main === module) void main();
