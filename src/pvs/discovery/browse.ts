// Finding PVS units on the local network by mDNS/DNS-SD. Users of smcneece/ha-esunpower report that a PVS changes
// address after its (roughly daily) reboots and when it flips between Wi-Fi and Ethernet, so a unit is known by its
// serial, and findPvsBySerial follows it to its new address.
import makeMdns from "multicast-dns";
import type { RemoteInfo } from "dgram";
import net from "net";
import os from "os";
import { maskSerial } from "../../model/redact";
import { PvsError } from "../http/errors";
import { PVS_SERVICE_TYPES, PvsModel, SightedUnit, Sightings } from "./records";

export type { PvsModel } from "./records";

/** A PVS unit that answered. Its serial is masked: the last 5 characters are the LocalAPI password. */
export interface PvsUnit {
  model: PvsModel;
  name: string;
  host: string;
  /** IPv4 first. */
  addresses: string[];
  port: number;
  serial: string;
}

export interface BrowseOptions {
  /** How long to listen, 100 ms to 60 s. */
  timeoutMs: number;
  /** The IPv4 address of the interface to ask on; all interfaces when absent. */
  interface?: string;
  /** Ends the browse early; what was found so far is returned. */
  signal?: AbortSignal;
}

// RFC 6762 section 17: a multicast DNS packet is at most 9000 bytes; anything larger is not a real answer.
const MAX_PACKET_BYTES = 9000;
// A browser repeats its first query after about a second (RFC 6762 section 5.2), as lost packets are common.
const REQUERY_MS = 1000;

/** Lists the PVS units that answer within `timeoutMs`. Rejects only on bad options or a socket that cannot open. */
export async function browsePvs(options: BrowseOptions): Promise<PvsUnit[]> {
  const sightings = await listen(options, () => false);
  return sightings.units().map(publicUnit);
}

/**
 * Resolves with the unit of this serial as soon as it answers (for following an address change), or null at the
 * timeout or abort. Never returns a unit of another serial. Meant for a unit that stopped answering at its address;
 * dacarson/homebridge-pvs6 (README) browses again after 2 hours unreachable.
 */
export async function findPvsBySerial(serial: string, options: BrowseOptions): Promise<PvsUnit | null> {
  if (typeof serial !== "string" || !/^[A-Za-z0-9]{1,40}$/.test(serial)) {
    throw new PvsError("PVS_BAD_INPUT", "findPvsBySerial needs the PVS serial (letters and digits)");
  }
  const wanted = serial.toUpperCase();
  return findPvsWhere((s) => s.toUpperCase() === wanted, options);
}

/**
 * Resolves with the first unit whose full, unmasked serial (the TXT `serialnum`) `matches`, or null at the timeout
 * or abort: a connection that keeps only a digest of its PVS's serial compares digests (src/pvs/connection/follow.ts).
 */
export async function findPvsWhere(
  matches: (serial: string) => boolean,
  options: BrowseOptions,
): Promise<PvsUnit | null> {
  const match = (s: Sightings) => s.units().find((u) => matches(u.serial));
  const sightings = await listen(options, (s) => match(s) !== undefined);
  const unit = match(sightings);
  return unit ? publicUnit(unit) : null;
}

/** What leaves discovery: the serial masked, also where the instance or host name repeats it or its end. */
export function publicUnit(unit: SightedUnit): PvsUnit {
  return {
    model: unit.model,
    name: maskWithin(unit.name, unit.serial),
    host: maskWithin(unit.host, unit.serial),
    addresses: unit.addresses,
    port: unit.port,
    serial: maskSerial(unit.serial),
  };
}

/**
 * Masks the serial and, on its own, its last 5 characters (the password) in a name, whatever their case: host names
 * come lower-cased. The serial is letters and digits (checked by records.ts), so it is safe in a pattern.
 */
function maskWithin(text: string, serial: string): string {
  let out = text;
  for (const secret of [serial, serial.slice(-5)]) out = out.replace(new RegExp(secret, "gi"), (m) => maskSerial(m));
  return out;
}

function checkOptions(options: BrowseOptions): void {
  const { timeoutMs, interface: iface } = options ?? {};
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) {
    throw new PvsError("PVS_BAD_CONFIG", "mDNS browse timeout must be 100 ms to 60 s");
  }
  // Checked here: multicast-dns only warns when it cannot join the group there, and the browse would hear nothing.
  if (iface !== undefined && (!net.isIPv4(iface) || !localIPv4().includes(iface))) {
    throw new PvsError("PVS_BAD_CONFIG", "mDNS interface must be an IPv4 address of this machine");
  }
}

function localIPv4(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) =>
    (list ?? []).filter((i) => i.family === "IPv4").map((i) => i.address),
  );
}

/** Asks and listens until the timeout, the abort, or `done` holds; always closes its socket. */
function listen(options: BrowseOptions, done: (s: Sightings) => boolean): Promise<Sightings> {
  checkOptions(options);
  const sightings = new Sightings();
  if (options.signal?.aborted) return Promise.resolve(sightings);
  return new Promise<Sightings>((resolve, reject) => {
    // Bound to all addresses: on Linux a socket bound to one unicast address receives no multicast. The interface
    // option still chooses where the group is joined and where queries go.
    const mdns = makeMdns({ interface: options.interface, bind: "0.0.0.0", reuseAddr: true });
    const askedHosts = new Set<string>();
    const timers: NodeJS.Timeout[] = [];
    let finished = false;

    const finish = (err?: PvsError) => {
      if (finished) return;
      finished = true;
      timers.forEach(clearTimeout);
      options.signal?.removeEventListener("abort", onAbort);
      mdns.removeAllListeners();
      // A late socket error after closing must not become an unhandled 'error' event.
      mdns.on("error", () => undefined);
      mdns.destroy();
      if (err) reject(err);
      else resolve(sightings);
    };
    const onAbort = () => finish();
    const query = () => {
      if (finished) return;
      const questions = Object.keys(PVS_SERVICE_TYPES).map((name) => ({ name, type: "PTR" as const }));
      mdns.query({ questions }, () => undefined);
    };
    const onResponse = (packet: makeMdns.ResponsePacket, rinfo: RemoteInfo) => {
      if (finished || rinfo.size > MAX_PACKET_BYTES) return;
      try {
        const answers = Array.isArray(packet.answers) ? packet.answers : [];
        const additionals = Array.isArray(packet.additionals) ? packet.additionals : [];
        sightings.addPacket([...answers, ...additionals]);
        if (done(sightings)) return finish();
        askForAddresses(sightings, askedHosts, mdns);
      } catch {
        // Records are checked field by field; this only guards the browse against a fault in that checking.
      }
    };

    mdns.on("response", onResponse);
    mdns.on("warning", () => undefined); // undecodable packets: ignored, as anyone may send them
    mdns.on("error", (err: Error) => finish(new PvsError("PVS_UNREACHABLE", `mDNS socket: ${err.message}`)));
    options.signal?.addEventListener("abort", onAbort);
    timers.push(setTimeout(() => finish(), options.timeoutMs));
    timers.push(setTimeout(query, REQUERY_MS));
    query();
  });
}

/** One A query per SRV target that came without an address (some responders leave it out of the additionals). */
function askForAddresses(sightings: Sightings, asked: Set<string>, mdns: makeMdns.MulticastDNS): void {
  const hosts = sightings.hostsWithoutAddress().filter((h) => !asked.has(h));
  if (hosts.length === 0) return;
  hosts.forEach((h) => asked.add(h));
  mdns.query({ questions: hosts.map((name) => ({ name, type: "A" as const })) }, () => undefined);
}
