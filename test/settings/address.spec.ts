// pvs-config's host and port rules (src/settings/address.ts), which the runtime's parseSettings and the editor's
// validators both use: a host that carries a port, or a port that is not a whole decimal number, is refused
// (the request URL is built from both, and failed "Invalid URL" on every poll).
import assert from "assert";
import { cleanHost, defaultPort, portNumber, portSetting } from "../../src/settings/address";
import { parseSettings } from "../../nodes/pvs-config/connection-settings";

describe("pvs-config address rules", () => {
  it("cleans up what people paste as a host", () => {
    assert.strictEqual(cleanHost(" http://172.27.153.1/ "), "172.27.153.1");
    assert.strictEqual(cleanHost("pvs6.local"), "pvs6.local");
    assert.strictEqual(cleanHost("[fe80::1]"), "fe80::1");
    assert.strictEqual(cleanHost("fe80::1"), "fe80::1");
    assert.strictEqual(cleanHost("2001:db8:0:0:1:0:0:1"), "2001:db8:0:0:1:0:0:1");
    assert.strictEqual(cleanHost("::ffff:192.168.1.10"), "::ffff:192.168.1.10");
    assert.strictEqual(cleanHost("a b"), null);
    assert.strictEqual(cleanHost(""), null);
  });

  for (const host of [
    "192.168.1.10:8080",
    "pvs.local:80",
    "http://192.168.1.10:8080/",
    "https://pvs.local:443/cgi-bin/dl_cgi",
    "http://[fe80::1]:8080/",
    "[fe80::1]:8080",
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    ":1",
    "::ffff:300.1.1.1",
  ]) {
    it(`refuses the host "${host}": a port goes in the port setting, and it is no IPv6 address`, () => {
      assert.strictEqual(cleanHost(host), null);
      const parsed = parseSettings({ host }, null);
      assert.strictEqual(parsed.options, null, "no connection options");
      assert.match(parsed.problems.join("; "), /is not a host name or IP address/);
    });
  }

  it("takes a port as a number or decimal text, blank as the default", () => {
    assert.strictEqual(portNumber(80), 80);
    assert.strictEqual(portNumber("8080"), 8080);
    assert.strictEqual(portNumber(" 443 "), 443);
    assert.strictEqual(portNumber(65535), 65535);
    assert.deepStrictEqual(portSetting("", 80, "port"), { value: 80 });
    assert.deepStrictEqual(portSetting("  ", 443, "port"), { value: 443 });
    assert.deepStrictEqual(portSetting(undefined, 80, "port"), { value: 80 });
  });

  for (const port of [
    80.5,
    "80.5",
    "0x50",
    "0o120",
    "0b1010000",
    "1e2",
    "+80",
    "-80",
    0,
    "0",
    65536,
    "80 80",
    NaN,
    true,
  ]) {
    it(`refuses the port ${typeof port === "string" ? JSON.stringify(port) : String(port)} (${typeof port})`, () => {
      assert.strictEqual(portNumber(port), null);
      assert.match(
        (portSetting(port, 80, "port") as { error: string }).error,
        /port must be a whole number from 1 to 65535/,
      );
      for (const name of ["port", "localPort", "telemetryPort"]) {
        const parsed = parseSettings({ host: "127.0.0.1", [name]: port }, null);
        assert.strictEqual(parsed.options, null, name);
      }
    });
  }

  it("https means port 443 when the port is absent or blank, in one rule", () => {
    assert.strictEqual(defaultPort("https"), 443);
    assert.strictEqual(defaultPort("http"), 80);
    assert.strictEqual(defaultPort(undefined), 80);
    assert.strictEqual(parseSettings({ host: "127.0.0.1", protocol: "https", port: "" }, null).options?.port, 443);
    assert.strictEqual(parseSettings({ host: "127.0.0.1", protocol: "http" }, null).options?.port, 80);
  });
});
