// Pure DNS-SD record bookkeeping for PVS units: what PTR, SRV, TXT, A and AAAA records say, collected across
// packets. No I/O; the records come from dns-packet's decoder (via multicast-dns) and are checked field by
// field, because anyone on the network can send anything.
import net from "net";

export type PvsModel = "PVS6" | "PVS5";

/**
 * The DNS-SD service types PVS units publish: SunStrong-Management/pvs-hass
 * custom_components/sunstrong_pvs/manifest.json ("zeroconf": _pvs6._tcp.local., _pvs5._tcp.local.).
 */
export const PVS_SERVICE_TYPES: Readonly<Record<string, PvsModel>> = {
  "_pvs6._tcp.local": "PVS6",
  "_pvs5._tcp.local": "PVS5",
};

/** A unit as seen on the wire, serial unmasked: stays inside src/pvs/discovery. */
export interface SightedUnit {
  model: PvsModel;
  /** The instance label, e.g. "PVS6" from "PVS6._pvs6._tcp.local". */
  name: string;
  /** The SRV target, trailing dot stripped (dacarson/homebridge-pvs6 src/pvs6Discovery.ts does the same). */
  host: string;
  /** IPv4 first. */
  addresses: string[];
  port: number;
  serial: string;
}

/** Bounds: a flood of records costs memory and time only up to these. */
export const LIMITS = {
  recordsPerPacket: 256,
  instances: 64,
  hosts: 64,
  addressesPerHost: 8,
  units: 32,
  nameLength: 255,
  txtBytes: 1300,
};

// A PVS serial is letters and digits (e.g. "ZT01234567890ABCDEF" in
// test/fixtures/corpus/ginoledesma__sunpower-pvs-exporter/notes-DeviceList.json); its last 5 characters are the
// LocalAPI password, so a much shorter one cannot be real.
const SERIAL = /^[A-Za-z0-9]{6,40}$/;

interface Instance {
  model: PvsModel;
  name: string;
  host?: string;
  port?: number;
  serial?: string;
}

export class Sightings {
  private readonly instances = new Map<string, Instance>();
  private readonly addresses = new Map<string, string[]>();

  /** Takes the answer and additional records of one response packet; never throws on what it is given. */
  addPacket(records: readonly unknown[]): void {
    const flushed = new Set<string>();
    const count = Math.min(records.length, LIMITS.recordsPerPacket);
    for (let i = 0; i < count; i++) {
      const record = records[i];
      if (typeof record !== "object" || record === null) continue;
      this.addRecord(record as Record<string, unknown>, flushed);
    }
  }

  /** Complete units (SRV, serial and at least one address), de-duplicated by serial, at most LIMITS.units. */
  units(): SightedUnit[] {
    const bySerial = new Map<string, SightedUnit>();
    for (const instance of this.instances.values()) {
      const { host, port, serial } = instance;
      if (host === undefined || port === undefined || serial === undefined) continue;
      const addresses = this.addresses.get(host) ?? [];
      if (addresses.length === 0) continue;
      const seen = bySerial.get(serial);
      if (seen) {
        // One unit on Wi-Fi and Ethernet at once: one entry with both addresses.
        seen.addresses = orderAddresses([...new Set([...seen.addresses, ...addresses])]);
        continue;
      }
      if (bySerial.size >= LIMITS.units) continue;
      bySerial.set(serial, {
        model: instance.model,
        name: instance.name,
        host,
        addresses: [...addresses],
        port,
        serial,
      });
    }
    return [...bySerial.values()];
  }

  /** SRV targets no address has come for yet: worth an A query. */
  hostsWithoutAddress(): string[] {
    const hosts = new Set<string>();
    for (const { host } of this.instances.values()) {
      if (host !== undefined && (this.addresses.get(host)?.length ?? 0) === 0) hosts.add(host);
    }
    return [...hosts];
  }

  private addRecord(record: Record<string, unknown>, flushed: Set<string>): void {
    const name = dnsName(record.name);
    if (name === undefined) return;
    const ttl = typeof record.ttl === "number" ? record.ttl : 1;
    // TTL 0 is a goodbye (RFC 6762 section 10.1): the record is withdrawn.
    const goodbye = ttl === 0;
    switch (record.type) {
      case "PTR":
        return this.addPtr(name, dnsName(record.data), goodbye);
      case "SRV":
        return this.addSrv(name, record.data, goodbye);
      case "TXT":
        return this.addTxt(name, record.data, goodbye);
      case "A":
      case "AAAA":
        return this.addAddress(name.toLowerCase(), record, goodbye, flushed);
    }
  }

  private addPtr(service: string, target: string | undefined, goodbye: boolean): void {
    if (PVS_SERVICE_TYPES[service.toLowerCase()] === undefined || target === undefined) return;
    if (goodbye) this.instances.delete(target.toLowerCase());
    else this.instance(target);
  }

  private addSrv(name: string, data: unknown, goodbye: boolean): void {
    const instance = this.instance(name);
    if (instance === undefined || typeof data !== "object" || data === null) return;
    if (goodbye) {
      instance.host = instance.port = undefined;
      return;
    }
    const { target, port } = data as { target?: unknown; port?: unknown };
    const host = dnsName(target);
    if (host === undefined || typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) return;
    instance.host = host.toLowerCase();
    instance.port = port;
  }

  private addTxt(name: string, data: unknown, goodbye: boolean): void {
    const instance = this.instance(name);
    if (instance === undefined) return;
    if (goodbye) {
      instance.serial = undefined;
      return;
    }
    const serial = serialFromTxt(data);
    if (serial !== undefined) instance.serial = serial;
  }

  private addAddress(host: string, record: Record<string, unknown>, goodbye: boolean, flushed: Set<string>): void {
    const address = validAddress(record.type === "A" ? 4 : 6, record.data);
    if (address === undefined) return;
    let list = this.addresses.get(host);
    if (list === undefined) {
      if (goodbye || this.addresses.size >= LIMITS.hosts) return;
      list = [];
      this.addresses.set(host, list);
    }
    if (goodbye) {
      this.addresses.set(
        host,
        list.filter((a) => a !== address),
      );
      return;
    }
    // Cache-flush bit (RFC 6762 section 10.2): this packet's records replace what was known, so a unit that moved
    // to another address is not also listed at its old one.
    if (record.flush === true && !flushed.has(host)) {
      flushed.add(host);
      list.length = 0;
    }
    if (!list.includes(address) && list.length < LIMITS.addressesPerHost) {
      list.push(address);
      this.addresses.set(host, orderAddresses(list));
    }
  }

  /** The instance `name` belongs to when it is an instance of a PVS service type; created if new and room is left. */
  private instance(name: string): Instance | undefined {
    // DNS names compare without regard to case (RFC 1035 section 2.3.3); the label keeps its case for showing.
    const key = name.toLowerCase();
    const known = this.instances.get(key);
    if (known) return known;
    // Matched by suffix: an instance label may itself hold dots (RFC 6763 section 4.3).
    const service = Object.keys(PVS_SERVICE_TYPES).find((t) => key.endsWith(`.${t}`) && key.length > t.length + 1);
    if (service === undefined || this.instances.size >= LIMITS.instances) return undefined;
    const created: Instance = { model: PVS_SERVICE_TYPES[service], name: name.slice(0, -service.length - 1) };
    this.instances.set(key, created);
    return created;
  }
}

/** A DNS name without its trailing dot, case kept; undefined when it is not a sane name. */
export function dnsName(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0 || value.length > LIMITS.nameLength) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters have no place in a name we log or show
  if (/[\u0000-\u001f\u007f]/.test(value)) return undefined;
  const name = value.endsWith(".") ? value.slice(0, -1) : value;
  return name.length === 0 ? undefined : name;
}

/** The TXT property `serialnum`, as pvs-hass config_flow.py async_step_zeroconf reads it. */
export function serialFromTxt(data: unknown): string | undefined {
  const entries = Array.isArray(data) ? data : [data];
  let bytes = 0;
  for (const entry of entries) {
    const text = Buffer.isBuffer(entry) ? entry.toString("latin1") : typeof entry === "string" ? entry : undefined;
    if (text === undefined) return undefined;
    bytes += text.length;
    if (bytes > LIMITS.txtBytes) return undefined;
    const eq = text.indexOf("=");
    if (eq < 0 || text.slice(0, eq).toLowerCase() !== "serialnum") continue;
    const serial = text.slice(eq + 1);
    return SERIAL.test(serial) ? serial : undefined;
  }
  return undefined;
}

/** A usable unicast address of the given family, or undefined (unspecified, multicast, broadcast, garbage). */
export function validAddress(family: 4 | 6, data: unknown): string | undefined {
  if (typeof data !== "string" || net.isIP(data) !== family) return undefined;
  if (family === 4) {
    const first = Number(data.split(".")[0]);
    if (data === "0.0.0.0" || data === "255.255.255.255" || (first >= 224 && first <= 239)) return undefined;
    return data;
  }
  const lower = data.toLowerCase();
  return lower === "::" || lower.startsWith("ff") ? undefined : lower;
}

/** IPv4 first (pvs-hass config_flow.py ignores IPv6 announcements), each family in the order seen. */
export function orderAddresses(addresses: readonly string[]): string[] {
  return [...addresses.filter((a) => net.isIPv4(a)), ...addresses.filter((a) => !net.isIPv4(a))];
}
