// Network link states on real answers: legacy Get_Comm captures, and the LocalAPI's
// `/net/<interface>/state` values that the vendor's variable list and public readers show.
import assert from "assert";
import { normalizeComm } from "../../src/model/legacy-comm";
import { normalizeVarsComm } from "../../src/model/localapi-comm";
import { capture } from "./captures";

type RawInterface = Record<string, unknown>;
const interfacesOf = (raw: { networkstatus: { interfaces: RawInterface[] } }) => raw.networkstatus.interfaces;
const words = (i: RawInterface) =>
  [i.state, i.link, i.status].filter((w): w is string => typeof w === "string").map((w) => w.toLowerCase());

describe("model/legacy-comm on real Get_Comm answers", () => {
  it("cmalek/sungazer: the cell modem with link connected but state DOWN, NOT_REGISTERED is not connected", () => {
    const raw = capture<{ networkstatus: { interfaces: RawInterface[]; system: { interface: string } } }>(
      "cmalek__sungazer/Get_Comm.json",
    );
    const cellRaw = interfacesOf(raw).find((i) => i.interface === "cell")!;
    assert.deepStrictEqual([cellRaw.link, cellRaw.state, cellRaw.status], ["connected", "DOWN", "NOT_REGISTERED"]);
    const comm = normalizeComm(raw);
    const cell = comm.interfaces.find((i) => i.name === "cell")!;
    assert.strictEqual(cell.connected, false);
    // The uplink in use (system.interface) is connected; the others report down or disconnected.
    assert.strictEqual(comm.primary?.name, raw.networkstatus.system.interface);
    assert.strictEqual(comm.primary?.connected, true);
    for (const i of interfacesOf(raw)) {
      const down = words(i).some((w) => w === "down" || w === "disconnected" || w === "not_registered");
      assert.strictEqual(comm.interfaces.find((x) => x.name === i.interface)?.connected, !down, String(i.interface));
    }
  });

  it("ginoledesma notes: wan (link connected, state up) and Wi-Fi (status connected) are connected, plc and cell are not", () => {
    const raw = capture<{ networkstatus: { interfaces: RawInterface[] } }>(
      "ginoledesma__sunpower-pvs-exporter/notes-Get_Comm.json",
    );
    const comm = normalizeComm(raw);
    assert.deepStrictEqual(
      comm.interfaces.map((i) => [i.name, i.connected]),
      interfacesOf(raw).map((i) => [
        i.interface,
        words(i).includes("connected") && !words(i).some((w) => w === "down" || w === "disconnected"),
      ]),
    );
    assert.deepStrictEqual(
      comm.interfaces.map((i) => i.connected),
      [true, false, true, false],
    );
  });
});

describe("model/varserver-comm: /net/<interface>/state", () => {
  // "online" on the link in use (a public PVS6 reader maps it to connected); "N/A" is the variable's default
  // value, an interface the unit does not have (SunStrong-Management/pypvs doc/varserver-variables-public-pvs6.csv).
  const net = {
    "/net/sta0/state": "online",
    "/net/wan0/state": "N/A",
    "/net/wan1/state": "N/A",
    "/net/wwan0/state": "offline",
  };
  const comm = normalizeVarsComm(net, {
    "/sys/info/active_interface": "sta0",
    "/sys/toggle_cell/broadband_connected": "1",
  });

  it("online is connected: the link the PVS talks through", () => {
    assert.strictEqual(comm.primary?.name, "sta0");
    assert.strictEqual(comm.primary?.connected, true);
  });

  it("N/A (no such interface) is unknown, not false; offline is false", () => {
    const by = Object.fromEntries(comm.interfaces.map((i) => [i.name, i.connected]));
    assert.deepStrictEqual(by, { sta0: true, wan0: null, wan1: null, wwan0: false });
    assert.strictEqual(comm.system.internet, true);
  });
});
