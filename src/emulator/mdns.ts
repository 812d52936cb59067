// The emulator announcing itself by mDNS/DNS-SD as a PVS does, only when asked: PTR for its service type, SRV to its
// host name and HTTP port, TXT `serialnum`, and one A record for the address it serves on. What a PVS publishes:
// SunStrong-Management/pvs-hass custom_components/sunstrong_pvs/manifest.json (the "zeroconf" types) and
// config_flow.py async_step_zeroconf (TXT "serialnum", the IPv4 address); dacarson/homebridge-pvs6
// src/pvs6Discovery.ts (the SRV host). Shares nothing with src/pvs, so it cannot agree with the browser by accident.
import crypto from "crypto";
import type { RemoteInfo } from "dgram";
import net from "net";
import makeMdns from "multicast-dns";

export type MdnsModel = "PVS6" | "PVS5";

export interface MdnsResponderOptions {
  model: MdnsModel;
  serial: string;
  /** The one IPv4 address the emulator serves on: the A record, and the interface the responder works on. */
  address: string;
  /** The emulator's HTTP port (the SRV port). */
  port: number;
}

type MdnsRecord = makeMdns.ResponseOutgoingPacket["answers"][number];

const SERVICE_TYPE: Readonly<Record<MdnsModel, string>> = { PVS6: "_pvs6._tcp.local", PVS5: "_pvs5._tcp.local" };
const SERVICES_META = "_services._dns-sd._udp.local";
const MDNS_GROUP = "224.0.0.251";
// RFC 6762 section 10: 120 s for records naming a host, 75 minutes for the others.
const HOST_TTL = 120;
const OTHER_TTL = 4500;
// RFC 6762 section 8.3: announce at least twice, one second apart.
const REANNOUNCE_MS = 1000;

export class PvsMdnsResponder {
  readonly serviceType: string;
  readonly instanceName: string;
  /** The SRV target. Not derived from the serial's end, which is the LocalAPI password. */
  readonly hostName: string;
  private current: string;
  private mdns: makeMdns.MulticastDNS | undefined;
  private reannounce: NodeJS.Timeout | undefined;

  constructor(private readonly options: MdnsResponderOptions) {
    const { model, serial, address, port } = options;
    if (SERVICE_TYPE[model] === undefined) throw new Error(`mDNS: unknown model ${String(model)}`);
    if (typeof serial !== "string" || !/^[A-Za-z0-9]{6,40}$/.test(serial)) throw new Error("mDNS: bad serial");
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error("mDNS: bad port");
    checkAddress(address);
    const tag = crypto.createHash("sha256").update(serial).digest("hex").slice(0, 6);
    this.serviceType = SERVICE_TYPE[model];
    this.instanceName = `${model}-${tag}.${this.serviceType}`;
    this.hostName = `pvs-${tag}.local`;
    this.current = address;
  }

  /** The address announced now. */
  get address(): string {
    return this.current;
  }

  get running(): boolean {
    return this.mdns !== undefined;
  }

  async start(): Promise<void> {
    if (this.mdns) return;
    this.mdns = await openSocket(this.current);
    this.mdns.on("query", (query: makeMdns.QueryPacket, rinfo: RemoteInfo) => this.answer(query, rinfo));
    await this.announce();
  }

  /** Moves to another address: a goodbye for the old A record, then an announcement at the new one. */
  async moveTo(address: string): Promise<void> {
    checkAddress(address);
    const old = this.current;
    if (!this.mdns) {
      this.current = address;
      return;
    }
    await this.send({ answers: [this.aRecord(old, 0)] });
    await this.close();
    this.current = address;
    await this.start();
  }

  /** Says goodbye for every record (TTL 0), then closes the socket. */
  async stop(): Promise<void> {
    if (!this.mdns) return;
    await this.send({ answers: this.allRecords(0) });
    await this.close();
  }

  private async announce(): Promise<void> {
    await this.send({ answers: this.allRecords() });
    clearTimeout(this.reannounce);
    this.reannounce = setTimeout(() => void this.send({ answers: this.allRecords() }), REANNOUNCE_MS);
  }

  private answer(query: makeMdns.QueryPacket, rinfo: RemoteInfo): void {
    const questions = Array.isArray(query.questions) ? query.questions.slice(0, 32) : [];
    const answers: MdnsRecord[] = [];
    for (const q of questions) {
      const name = typeof q?.name === "string" ? q.name.toLowerCase().replace(/\.$/, "") : "";
      const type: string = q?.type;
      const any = type === "ANY";
      const instance = this.instanceName.toLowerCase();
      if (name === SERVICES_META && (any || type === "PTR")) answers.push(this.metaRecord());
      else if (name === this.serviceType && (any || type === "PTR")) answers.push(this.ptrRecord());
      else if (name === instance && (any || type === "SRV")) answers.push(this.srvRecord());
      else if (name === instance && type === "TXT") answers.push(this.txtRecord());
      else if (name === this.hostName && (any || type === "A")) answers.push(this.aRecord(this.current));
    }
    if (answers.length === 0) return;
    const additionals = this.allRecords().filter((r) => !answers.some((a) => a.name === r.name && a.type === r.type));
    // A querier not on port 5353 is a one-shot ("legacy unicast", RFC 6762 section 6.7): it gets a unicast answer.
    if (rinfo.port === 5353) void this.send({ answers, additionals });
    else
      void this.send({ id: query.id, questions, answers, additionals }, { address: rinfo.address, port: rinfo.port });
  }

  private allRecords(ttl?: number): MdnsRecord[] {
    return [this.ptrRecord(ttl), this.srvRecord(ttl), this.txtRecord(ttl), this.aRecord(this.current, ttl)];
  }

  private metaRecord(): MdnsRecord {
    return { name: SERVICES_META, type: "PTR", ttl: OTHER_TTL, data: this.serviceType };
  }

  private ptrRecord(ttl = OTHER_TTL): MdnsRecord {
    return { name: this.serviceType, type: "PTR", ttl, data: this.instanceName };
  }

  private srvRecord(ttl = HOST_TTL): MdnsRecord {
    const data = { target: this.hostName, port: this.options.port, priority: 0, weight: 0 };
    return { name: this.instanceName, type: "SRV", ttl, flush: true, data };
  }

  private txtRecord(ttl = OTHER_TTL): MdnsRecord {
    return { name: this.instanceName, type: "TXT", ttl, flush: true, data: [`serialnum=${this.options.serial}`] };
  }

  private aRecord(address: string, ttl = HOST_TTL): MdnsRecord {
    return { name: this.hostName, type: "A", ttl, flush: true, data: address };
  }

  private send(packet: makeMdns.ResponseOutgoingPacket, to?: { address: string; port: number }): Promise<void> {
    const mdns = this.mdns;
    if (!mdns) return Promise.resolve();
    return new Promise<void>((resolve) => {
      if (to) mdns.respond(packet, to, () => resolve());
      else mdns.respond(packet, () => resolve());
    });
  }

  private close(): Promise<void> {
    clearTimeout(this.reannounce);
    this.reannounce = undefined;
    const mdns = this.mdns;
    this.mdns = undefined;
    if (!mdns) return Promise.resolve();
    mdns.removeAllListeners("query");
    return new Promise((resolve) => mdns.destroy(() => resolve()));
  }
}

function checkAddress(address: string): void {
  // Announcing 0.0.0.0 would tell browsers nothing; the caller passes the address it actually serves on.
  if (!net.isIPv4(address) || address === "0.0.0.0" || Number(address.split(".")[0]) >= 224) {
    throw new Error("mDNS: the address must be the one IPv4 address the emulator serves on");
  }
}

/**
 * A socket working on the one interface of `address`: the group is joined there and packets leave from there.
 * It is bound to the group address, not 0.0.0.0: on Linux that receives the group's packets and nothing sent to
 * the machine's other addresses. Windows cannot bind to a group address, so it binds to all there.
 */
function openSocket(address: string): Promise<makeMdns.MulticastDNS> {
  const bind = process.platform === "win32" ? "0.0.0.0" : MDNS_GROUP;
  const mdns = makeMdns({ interface: address, bind, reuseAddr: true });
  mdns.on("warning", () => undefined); // undecodable packets from the network: ignored
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      mdns.destroy();
      reject(err);
    };
    mdns.once("error", onError);
    mdns.once("ready", () => {
      mdns.removeListener("error", onError);
      mdns.on("error", () => undefined); // after start, a socket error must not crash the emulator
      resolve(mdns);
    });
  });
}
