// A self-signed X.509 v3 certificate built with nothing but Node's crypto: a real PVS serves HTTPS with one,
// and the emulator must too without an openssl binary or a dependency. Hand-encoded DER, EC P-256, ECDSA-SHA256.
import crypto from "crypto";

export interface SelfSignedCertificate {
  /** PKCS#8 private key, PEM. */
  key: string;
  /** The certificate, PEM. */
  cert: string;
  /** SHA-256 of the DER certificate as Node's `getPeerCertificate().fingerprint256` prints it ("AB:CD:…"). */
  fingerprint256: string;
}

const DAY_MS = 86_400_000;

// --- minimal DER encoder (only the types a certificate needs) ---

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
/** Context-specific, constructed, explicit tag [n]. */
const explicit = (n: number, content: Buffer) => tlv(0xa0 | n, content);
/** A BIT STRING whose content is whole bytes. */
const bitString = (bytes: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));
const octetString = (bytes: Buffer) => tlv(0x04, bytes);
const boolean = (b: boolean) => tlv(0x01, Buffer.from([b ? 0xff : 0]));

/** A non-negative INTEGER from big-endian bytes, minimally encoded. */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1] < 0x80) start++;
  const body = bytes.subarray(start);
  return tlv(0x02, body[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const out: number[] = [40 * arcs[0] + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function time(ms: number): Buffer {
  const iso = new Date(ms).toISOString(); // 2025-09-30T15:50:00.000Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, "") + "Z";
  const year = new Date(ms).getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), "ascii")) : tlv(0x18, Buffer.from(digits, "ascii"));
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  basicConstraints: "2.5.29.19",
  subjectAltName: "2.5.29.17",
};

function name(commonName: string, organization: string): Buffer {
  return sequence(
    set(sequence(oid(OID.commonName), utf8(commonName))),
    set(sequence(oid(OID.organization), utf8(organization))),
  );
}

function extensions(commonName: string): Buffer {
  const basicConstraints = sequence(oid(OID.basicConstraints), boolean(true), octetString(sequence()));
  // dNSName is [2] IMPLICIT IA5String: a browser or a strict client wants the host name here, not in CN.
  const san = sequence(oid(OID.subjectAltName), octetString(sequence(tlv(0x82, Buffer.from(commonName, "ascii")))));
  return explicit(3, sequence(basicConstraints, san));
}

export function fingerprint256(der: Buffer): string {
  const hex = crypto.createHash("sha256").update(der).digest("hex").toUpperCase();
  return hex.match(/../g)?.join(":") ?? "";
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** A fresh key pair and a certificate for it, valid from a day ago for ten years. */
export function selfSignedCertificate(
  commonName: string,
  organization = "SunPower",
  now = Date.now(),
): SelfSignedCertificate {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01; // positive and full length
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const subject = name(commonName, organization);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10);
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    algorithm,
    subject, // issuer: self-signed
    sequence(time(now - DAY_MS), time(notAfter.getTime())),
    subject,
    publicKey.export({ type: "spki", format: "der" }),
    extensions(commonName),
  );
  const signature = crypto.sign("sha256", tbs, { key: privateKey, dsaEncoding: "der" });
  const der = sequence(tbs, algorithm, bitString(signature));
  return {
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    cert: pem("CERTIFICATE", der),
    fingerprint256: fingerprint256(der),
  };
}
