import assert from "assert";
import crypto from "crypto";
import { selfSignedCertificate } from "../../src/emulator/self-signed";
import { PvsEmulator } from "../../src/emulator/server";
import { request } from "./request";

describe("emulator HTTPS certificate", () => {
  it("is a valid self-signed X.509 v3 certificate, made with Node's crypto alone", () => {
    const now = Date.UTC(2025, 8, 30, 12);
    const { key, cert, fingerprint256 } = selfSignedCertificate("pvs6.local", "SunPower", now);
    const x509 = new crypto.X509Certificate(cert);
    assert.strictEqual(x509.subject, "CN=pvs6.local\nO=SunPower");
    assert.strictEqual(x509.issuer, x509.subject);
    assert.strictEqual(x509.verify(x509.publicKey), true, "signed by its own key");
    assert.strictEqual(x509.checkPrivateKey(crypto.createPrivateKey(key)), true);
    assert.strictEqual(x509.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.strictEqual(x509.fingerprint256, fingerprint256);
    assert.match(fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.strictEqual(new Date(x509.validFrom).getTime(), now - 86_400_000);
    assert.strictEqual(new Date(x509.validTo).getTime(), Date.UTC(2035, 8, 30, 12));
    assert.strictEqual(x509.subjectAltName, "DNS:pvs6.local");
    assert.strictEqual(x509.ca, false);
    assert.notStrictEqual(
      selfSignedCertificate("pvs6.local").fingerprint256,
      fingerprint256,
      "a new key and serial each time",
    );
  });

  it("uses GeneralizedTime for dates from 2050 on", () => {
    const x509 = new crypto.X509Certificate(selfSignedCertificate("pvs6.local", "SunPower", Date.UTC(2045, 0, 1)).cert);
    assert.strictEqual(new Date(x509.validTo).getTime(), Date.UTC(2055, 0, 1));
  });

  it("is what the emulator's HTTPS server presents, and regenerating it changes new connections only", async () => {
    const emulator = new PvsEmulator({ inverters: 1 });
    await emulator.start();
    try {
      assert.match(emulator.httpsUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.notStrictEqual(emulator.httpsPort, emulator.port);
      const first = await request(`${emulator.httpsUrl}/cgi-bin/dl_cgi/supervisor/info`);
      assert.strictEqual(first.status, 200);
      assert.strictEqual(first.fingerprint, emulator.certificateFingerprint);
      const before = emulator.certificateFingerprint;
      emulator.regenerateCertificate();
      assert.notStrictEqual(emulator.certificateFingerprint, before);
      const second = await request(`${emulator.httpsUrl}/cgi-bin/dl_cgi?Command=DeviceList`);
      assert.strictEqual(second.status, 200, "the same paths over HTTPS");
      assert.strictEqual(second.fingerprint, emulator.certificateFingerprint);
      assert.notStrictEqual(second.fingerprint, first.fingerprint);
    } finally {
      await emulator.stop();
    }
  });

  it("listens on the HTTPS port it is given", async () => {
    const probe = new PvsEmulator({ inverters: 0 });
    await probe.start();
    const free = probe.httpsPort;
    await probe.stop();
    const emulator = new PvsEmulator({ inverters: 0, httpsPort: free });
    await emulator.start();
    try {
      assert.strictEqual(emulator.httpsPort, free);
    } finally {
      await emulator.stop();
    }
  });
});
