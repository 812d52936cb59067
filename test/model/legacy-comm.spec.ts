import assert from "assert";
import { readFileSync } from "fs";
import path from "path";
import { commChanged, normalizeComm } from "../../src/model/legacy-comm";
import { PayloadError } from "../../src/model/payload-error";

const seed = JSON.parse(readFileSync(path.join(__dirname, "../fixtures/seed-get-comm.json"), "utf8"));

describe("model/legacy-comm (the seed's Get_Comm sample)", () => {
  const comm = normalizeComm(seed);

  it("gives the system summary with booleans and the time as ISO UTC", () => {
    assert.strictEqual(comm.time, "2019-05-07T06:33:20.000Z");
    assert.deepStrictEqual(comm.system, { interface: "wan", internet: true, cloud: true });
    assert.strictEqual(comm.primary?.name, "wan");
  });

  it("types each interface and keeps every field as reported", () => {
    const byName = Object.fromEntries(comm.interfaces.map((i) => [i.name, i]));
    assert.deepStrictEqual(Object.keys(byName), ["wan", "plc", "sta0", "cell"]);
    assert.deepStrictEqual(
      { ...byName.wan, properties: undefined },
      {
        name: "wan",
        kind: "ethernet",
        connected: true,
        internet: true,
        cloud: true,
        ipAddress: "192.168.20.10",
        signal: null,
        properties: undefined,
      },
    );
    assert.strictEqual(byName.plc.connected, false);
    assert.strictEqual(byName.plc.ipAddress, null);
    assert.strictEqual(byName.sta0.kind, "wifi");
    assert.strictEqual(byName.sta0.connected, true);
    assert.strictEqual(byName.sta0.signal, -74);
    assert.strictEqual(byName.cell.kind, "cellular");
    assert.strictEqual(byName.cell.connected, false);
    assert.strictEqual(byName.cell.properties.sim, "SIM_READY");
    seed.networkstatus.interfaces.forEach((raw: Record<string, unknown>, i: number) =>
      assert.deepStrictEqual(comm.interfaces[i].properties, raw),
    );
  });

  it("sees a change in anything but the timestamp", () => {
    const later = normalizeComm({ ...seed, networkstatus: { ...seed.networkstatus, ts: "1557210900" } });
    assert.strictEqual(commChanged(comm, later), false);
    const down = structuredClone(seed);
    down.networkstatus.system.internet = "down";
    assert.strictEqual(commChanged(comm, normalizeComm(down)), true);
    assert.strictEqual(commChanged(null, comm), true);
  });

  it("rejects answers without a network status", () => {
    for (const bad of [
      { result: "succeed" },
      { networkstatus: { interfaces: "x" } },
      { networkstatus: { interfaces: [null] } },
    ]) {
      assert.throws(() => normalizeComm(bad), PayloadError);
    }
  });
});
