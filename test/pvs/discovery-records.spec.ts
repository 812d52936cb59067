// The DNS-SD record bookkeeping of src/pvs/discovery/records.ts, with packets built by dns-packet (the encoder and
// decoder multicast-dns uses) and with hand-made hostile records. The wire tests are in discovery.spec.ts.
import assert from "assert";
import dnsPacket from "dns-packet";
import fc from "fast-check";
import { LIMITS, serialFromTxt, Sightings, SightedUnit, validAddress } from "../../src/pvs/discovery/records";
import { useFixedSeed } from "../support/fast-check-seed";

const SERIAL = "ZT01234567890ABCDEF";
const INSTANCE = "PVS6._pvs6._tcp.local";

/** The records of one response packet as multicast-dns hands them over: encoded, then decoded again. */
function wire(answers: dnsPacket.Answer[], additionals: dnsPacket.Answer[] = []): unknown[] {
  const decoded = dnsPacket.decode(dnsPacket.encode({ type: "response", answers, additionals }));
  return [...(decoded.answers ?? []), ...(decoded.additionals ?? [])];
}

const ptr = (instance = INSTANCE, service = "_pvs6._tcp.local", ttl = 4500): dnsPacket.Answer => ({
  name: service,
  type: "PTR",
  ttl,
  data: instance,
});
const srv = (host = "pvs.local", port = 80, instance = INSTANCE): dnsPacket.Answer => ({
  name: instance,
  type: "SRV",
  ttl: 120,
  data: { target: host, port },
});
const txt = (entries: string[] = [`serialnum=${SERIAL}`], instance = INSTANCE): dnsPacket.Answer => ({
  name: instance,
  type: "TXT",
  ttl: 4500,
  data: entries,
});
const a = (address: string, host = "pvs.local", ttl = 120, flush = false): dnsPacket.Answer => ({
  name: host,
  type: "A",
  ttl,
  flush,
  data: address,
});

const expected = (over: Partial<SightedUnit> = {}): SightedUnit => ({
  model: "PVS6",
  name: "PVS6",
  host: "pvs.local",
  addresses: ["192.168.1.20"],
  port: 80,
  serial: SERIAL,
  ...over,
});

describe("pvs/discovery/records", () => {
  useFixedSeed();

  it("a PTR answer with SRV, TXT and A in the additionals is one unit", () => {
    const s = new Sightings();
    s.addPacket(wire([ptr()], [srv(), txt(), a("192.168.1.20")]));
    assert.deepStrictEqual(s.units(), [expected()]);
  });

  it("takes the records from several packets in any order, and the PVS5 service type as PVS5", () => {
    const instance = "PVS5._pvs5._tcp.local";
    const s = new Sightings();
    s.addPacket(wire([a("192.168.1.21", "pvs5.local.")]));
    s.addPacket(wire([txt([`serialnum=${SERIAL}`], instance)]));
    assert.deepStrictEqual(s.units(), []);
    s.addPacket(wire([srv("PVS5.local.", 443, instance)]));
    s.addPacket(wire([ptr(instance, "_pvs5._tcp.local")]));
    const units = s.units();
    assert.deepStrictEqual(units, [
      expected({ model: "PVS5", name: "PVS5", host: "pvs5.local", addresses: ["192.168.1.21"], port: 443 }),
    ]);
  });

  it("names compare without case and without the trailing dot; the label keeps its case", () => {
    const s = new Sightings();
    s.addPacket(wire([ptr("My PVS 6.1._PVS6._tcp.local.", "_PVS6._TCP.LOCAL.")]));
    s.addPacket(wire([srv("Pvs.Local.", 80, "my pvs 6.1._pvs6._tcp.local")]));
    s.addPacket(wire([txt(undefined, "MY PVS 6.1._pvs6._tcp.local"), a("192.168.1.20", "PVS.local")]));
    assert.deepStrictEqual(s.units(), [expected({ name: "My PVS 6.1" })]);
  });

  it("a unit needs a serial and an address; an SRV target without address is offered for an A query", () => {
    const s = new Sightings();
    s.addPacket(wire([ptr()], [srv(), txt(["model=PVS6"])]));
    assert.deepStrictEqual(s.units(), []);
    assert.deepStrictEqual(s.hostsWithoutAddress(), ["pvs.local"]);
    s.addPacket(wire([txt()]));
    assert.deepStrictEqual(s.units(), []);
    s.addPacket(wire([a("192.168.1.20")]));
    assert.deepStrictEqual(s.hostsWithoutAddress(), []);
    assert.deepStrictEqual(s.units(), [expected()]);
  });

  it("ignores other service types, also under a name that looks like a PVS one", () => {
    const s = new Sightings();
    s.addPacket(
      wire([ptr("PVS6._http._tcp.local", "_http._tcp.local")], [srv("pvs.local", 80, "PVS6._http._tcp.local")]),
    );
    s.addPacket(wire([txt(undefined, "PVS6._http._tcp.local"), a("192.168.1.20")]));
    s.addPacket(wire([srv("pvs.local", 80, "x._pvs6._tcp.local.evil"), txt(undefined, "x._pvs6._tcp.local.evil")]));
    assert.deepStrictEqual(s.units(), []);
  });

  it("a goodbye (TTL 0) withdraws an address or the whole instance", () => {
    const s = new Sightings();
    s.addPacket(wire([ptr()], [srv(), txt(), a("192.168.1.20"), a("10.0.0.5")]));
    s.addPacket(wire([a("192.168.1.20", "pvs.local", 0)]));
    assert.deepStrictEqual(s.units(), [expected({ addresses: ["10.0.0.5"] })]);
    s.addPacket(wire([ptr(INSTANCE, "_pvs6._tcp.local", 0)]));
    assert.deepStrictEqual(s.units(), []);
  });

  it("a cache-flush A record replaces the addresses known for its host (a unit that moved)", () => {
    const s = new Sightings();
    s.addPacket(wire([ptr()], [srv(), txt(), a("192.168.1.20", "pvs.local", 120, true)]));
    s.addPacket(wire([a("192.168.1.30", "pvs.local", 120, true), a("192.168.1.31", "pvs.local", 120, true)]));
    assert.deepStrictEqual(s.units(), [expected({ addresses: ["192.168.1.30", "192.168.1.31"] })]);
  });

  it("one serial under two instances (Wi-Fi and Ethernet) is one unit with both addresses, IPv4 first", () => {
    const other = "PVS6 wired._pvs6._tcp.local";
    const s = new Sightings();
    s.addPacket(wire([ptr()], [srv(), txt(), { name: "pvs.local", type: "AAAA", ttl: 120, data: "fd00::20" }]));
    s.addPacket(
      wire([ptr(other)], [srv("pvs-eth.local", 80, other), txt(undefined, other), a("10.0.0.5", "pvs-eth.local")]),
    );
    assert.deepStrictEqual(s.units(), [expected({ addresses: ["10.0.0.5", "fd00::20"] })]);
  });

  it("refuses bad serials, ports and addresses field by field", () => {
    for (const bad of ["serialnum=", "serialnum=ZT12", "serialnum=ZT 0123456789", "serialnum=../../etc/passwd"]) {
      assert.strictEqual(serialFromTxt([bad]), undefined, bad);
    }
    assert.strictEqual(serialFromTxt([Buffer.from(`SerialNum=${SERIAL}`)]), SERIAL);
    assert.strictEqual(serialFromTxt(["x".repeat(2000), `serialnum=${SERIAL}`]), undefined);
    for (const bad of ["0.0.0.0", "255.255.255.255", "224.0.0.251", "239.1.2.3", "999.1.1.1", "pvs.local", 7]) {
      assert.strictEqual(validAddress(4, bad), undefined, String(bad));
    }
    assert.strictEqual(validAddress(6, "ff02::fb"), undefined);
    assert.strictEqual(validAddress(4, "fd00::1"), undefined);
    for (const port of [0, 65536, 80.5]) {
      const s = new Sightings();
      s.addPacket([
        ...wire([ptr()], [txt(), a("192.168.1.20")]),
        { name: INSTANCE, type: "SRV", data: { target: "pvs.local", port } },
      ]);
      assert.deepStrictEqual(s.units(), [], `port ${port}`);
    }
  });

  it("never throws on records of the wrong shape, and what it returns is always well-formed", () => {
    const junkRecord = fc.oneof(
      fc.anything(),
      fc.record({
        name: fc.oneof(fc.constantFrom(INSTANCE, "_pvs6._tcp.local", "pvs.local", "_pvs5._tcp.local"), fc.anything()),
        type: fc.constantFrom("PTR", "SRV", "TXT", "A", "AAAA", "ANY", 1),
        ttl: fc.oneof(fc.constant(0), fc.integer(), fc.anything()),
        flush: fc.anything(),
        data: fc.oneof(
          fc.anything(),
          fc.constantFrom(INSTANCE, "192.168.1.20", `serialnum=${SERIAL}`, [`serialnum=${SERIAL}`]),
          fc.record({ target: fc.anything(), port: fc.oneof(fc.integer(), fc.anything()) }),
        ),
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(junkRecord, { maxLength: 30 }), { maxLength: 6 }), (packets) => {
        const s = new Sightings();
        for (const p of packets) s.addPacket(p);
        for (const u of s.units()) {
          assert.ok(u.addresses.length > 0 && u.addresses.every((x) => validAddress(4, x) ?? validAddress(6, x)));
          assert.ok(Number.isInteger(u.port) && u.port >= 1 && u.port <= 65535);
          assert.match(u.serial, /^[A-Za-z0-9]{6,40}$/);
          assert.ok(u.model === "PVS6" || u.model === "PVS5");
        }
        s.hostsWithoutAddress();
      }),
    );
  });

  it("stays bounded under a flood: records per packet, instances, units and addresses per host", () => {
    const s = new Sightings();
    for (let p = 0; p < 20; p++) {
      const records = Array.from({ length: 40 }, (_, i) => {
        const n = String(p * 40 + i).padStart(4, "0");
        const instance = `flood${n}._pvs6._tcp.local`;
        const serial = `serialnum=ZT00000000${n}`;
        return wire(
          [ptr(instance)],
          [srv(`h${n}.local`, 80, instance), txt([serial], instance), a(`10.1.${p}.${i + 1}`, `h${n}.local`)],
        );
      }).flat();
      records.push(...Array.from({ length: 20 }, (_, i) => wire([a(`10.0.0.${i + 1}`, "h0000.local")])).flat());
      s.addPacket(records);
    }
    const units = s.units();
    assert.strictEqual(units.length, LIMITS.units);
    assert.strictEqual(units[0].addresses.length, LIMITS.addressesPerHost);
    assert.ok(s.hostsWithoutAddress().length <= LIMITS.instances);

    const big = new Sightings();
    const padding = Array.from({ length: LIMITS.recordsPerPacket }, () => ({
      name: "x.local",
      type: "A",
      data: "1.2.3.4",
    }));
    big.addPacket([...padding, ...wire([ptr()], [srv(), txt(), a("192.168.1.20")])]);
    assert.deepStrictEqual(big.units(), [], "records past the per-packet limit are not looked at");
  });
});
