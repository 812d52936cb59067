// The LocalAPI session against answers the emulator does not give, through a small HTTPS server in front of it:
// a login answer with several Set-Cookie headers, and a PVS that answers an empty 200 to some session reads.
import assert from "assert";
import { connectionHarness } from "../support/connections";
import { localApiProxy, LocalApiProxy, ProxyHooks } from "./localapi-proxy";
import { PvsEmulator } from "../../src/emulator/server";
import { PvsConnection } from "../../src/pvs/connection/connection";
import { toPvsError } from "../../src/pvs/http/errors";
import { withSimulatedDate } from "../support/simulated-date";

describe("pvs/localapi: the session against odd login answers and empty reads (HTTPS server in front)", () => {
  const { emulator, connect } = connectionHarness();
  const signal = new AbortController().signal;
  const proxies: LocalApiProxy[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
  });

  async function through(hooks: ProxyHooks): Promise<{ e: PvsEmulator; c: PvsConnection; proxy: LocalApiProxy }> {
    const e = await emulator();
    const proxy = await localApiProxy(e.httpsPort, hooks);
    proxies.push(proxy);
    return { e, c: connect(e, { api: "localapi", localPort: proxy.port }), proxy };
  }

  /** The emulator's own session token, from its `session=…` header. */
  const token = (real: string[]) => /^session=([^;]+)/.exec(real[0] ?? "")?.[1] ?? "";

  describe("several Set-Cookie headers at login", () => {
    for (const [name, rewrite] of [
      // Another session= first: RFC 6265 keeps the last; the first one made every read fail.
      ["a stale session= before the live one", (real: string[]) => ["session=STALE0000000000; Secure", ...real]],
      // A deletion after the live one: an expired cookie is none.
      ["session=deleted; Max-Age=0 after the live one", (real: string[]) => [...real, "session=deleted; Max-Age=0"]],
      [
        "an Expires in the past before and after the live one",
        (real: string[]) => [
          "session=OLD00000000000; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
          ...real,
          "session=OLD11111111111; Path=/; Expires=Wed, 21 Oct 2015 07:28:00 GMT",
        ],
      ],
    ] as const) {
      it(`${name}: the live session is used, one login for many polls`, async () => {
        const { e, c } = await through({ loginCookies: rewrite });
        for (let i = 0; i < 3; i++) assert.strictEqual((await c.readDeviceList(signal)).list.inverters.length, 3);
        assert.strictEqual(e.count("auth:login"), 1);
        // (The devices are private variables: three inverters read means the reads carried the live session.)
      });
    }

    it("a session= in attribute position is not the session: the body's is used", async () => {
      const { e, c } = await through({
        loginCookies: (real) => [`foo=1; session=ATTRIBUTE${token(real).slice(0, 4)}000`],
      });
      for (let i = 0; i < 2; i++) assert.strictEqual((await c.readDeviceList(signal)).list.inverters.length, 3);
      assert.strictEqual(e.count("auth:login"), 1);
    });
  });

  describe("an empty 200 to a session read", () => {
    /** Six polls in a row: what each ended with. */
    const polls = async (c: PvsConnection, n: number) => {
      const outcomes: string[] = [];
      for (let i = 0; i < n; i++)
        outcomes.push(
          await c.readDeviceList(signal).then(
            () => "ok",
            (err: unknown) => toPvsError(err).code,
          ),
        );
      return outcomes;
    };

    it("now and then: one re-login with the old session logged out, then errors, not a login at every poll", () =>
      withSimulatedDate(async (skip) => {
        const { e, c } = await through({ read: (n) => (n % 4 === 0 ? { status: 200, body: "" } : null) });
        const outcomes = await polls(c, 6);
        // Before: 7 logins in these 6 polls, none logged out.
        assert.strictEqual(e.count("auth:login"), 2, `logins for ${outcomes.join(", ")}`);
        assert.strictEqual(e.count("auth:logout"), 1, "the session given up on was logged out");
        assert.strictEqual(e.openSessions, 1, "no session left open on the PVS but the one in use");
        assert.ok(outcomes.includes("ok"), outcomes.join(", "));
        assert.ok(outcomes.includes("PVS_BAD_RESPONSE"), outcomes.join(", "));
        assert.ok(
          outcomes.every((o) => o === "ok" || o === "PVS_BAD_RESPONSE"),
          outcomes.join(", "),
        );
        // Rate-limited like the other logins (30 s, doubling), not refused for good.
        skip(31_000);
        await polls(c, 3);
        assert.strictEqual(e.count("auth:login"), 3, "one more re-login once the back-off passed");
        await polls(c, 6);
        assert.strictEqual(e.count("auth:login"), 3, "the back-off doubled");
      }));

    it("from a PVS that ended the session (some units answer so): one re-login, then the reads work", async () => {
      const e = await emulator();
      e.endedSessionAnswer = "empty-200";
      const c = connect(e, { api: "localapi" });
      await c.readDeviceList(signal);
      e.expireSessions();
      assert.deepStrictEqual(await polls(c, 4), ["ok", "ok", "ok", "ok"]);
      assert.strictEqual(e.count("auth:login"), 2);
    });
  });
});
