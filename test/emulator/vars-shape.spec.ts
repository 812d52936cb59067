// The emulator's `/vars` namespace against what real units have: the vendor's variable lists (test/fixtures/varserver,
// pypvs doc/varserver-variables-public-pvs6.csv and -pvs5.csv) and the real captures' shapes (test/fixtures/corpus:
// the PV-only, gross-CT build 61846 capture of ksmooove/SunPower-Monitoring, the vendor's SunVault livedata).
// For each emulated LocalAPI site: every leaf a real unit of that kind has, none it lacks, the same number formats.
import assert from "assert";
import { readFileSync } from "fs";
import path from "path";
import { DEFAULT_SERIAL, EmulatorOptions, PvsEmulator } from "../../src/emulator/server";
import { capture, KSMOOOVE } from "../model/captures";
import { byName, login, vars } from "./request";

// 2025-06-21 at longitude -117: local solar noon is about 19:48 UTC; midnight 12 hours later.
const NOON = Date.UTC(2025, 5, 21, 19, 48);
const MIDNIGHT = Date.UTC(2025, 5, 22, 7, 48);
const PYPVS = "SunStrong-Management__pypvs";

interface ListedVariable {
  pattern: RegExp;
  name: string;
  type: string;
}

/** One CSV line of the vendor list, its quoted fields ("ess,config") kept whole. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === "," && !quoted) {
      out.push(field);
      field = "";
    } else field += c;
  }
  return [...out, field];
}

function vendorList(model: "pvs5" | "pvs6"): ListedVariable[] {
  const file = path.join(__dirname, `../fixtures/varserver/varserver-variables-public-${model}.csv`);
  const lines = readFileSync(file, "utf8").split(/\r?\n/).slice(1);
  return lines
    .filter((l) => l.trim() !== "")
    .map((line) => {
      const [name, type] = csvFields(line);
      const pattern = new RegExp(`^${name.replace(/\{index\}/g, "\\d+").replace(/\//g, "\\/")}$`);
      return { name, type, pattern };
    });
}

// Served in full: `/sys/...` and `/net/...`. Of the SunVault's control settings (`/ess/config/...`) the emulator
// serves only the two an owner may write; the communicator's report counters (`/metrics/...`, `/network/...`) not.
const SERVED = /^\/(sys|net)\//;

/** How the firmware prints each list type (C "%f" for float, "%d" for ints; the 61846 capture's values). */
const FLOAT = /^-?\d+\.\d{6}$/;
const INT = /^-?\d+$/;
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:[0-5][05]:00Z$/;

function formatOf(name: string, type: string): RegExp | null {
  if (/\/msmtEps$/.test(name)) return STAMP;
  if (name === "/sys/pvs/flashwear_type_b") return /^0x[0-9A-Fa-f]{2}$/; // its list default is "0x05"
  if (type === "float") return FLOAT;
  if (/^u?int\d+$/.test(type)) return INT;
  return null;
}

/** A device class of the list (`/sys/devices/meter/{index}/...`) → its leaves. */
function classLeaves(list: ListedVariable[], cls: string): string[] {
  const prefix = `/sys/devices/${cls}/{index}/`;
  return list.filter((v) => v.name.startsWith(prefix)).map((v) => v.name.slice(prefix.length));
}

/** The leaves of each device `/sys/devices/<cls>/<n>/` of an answer, by "cls/n". */
function devicesOf(all: ReadonlyMap<string, unknown>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of all.keys()) {
    const m = /^\/sys\/devices\/([a-z_]+)\/(\d+)\/(\w+)$/.exec(name);
    if (m) out.set(`${m[1]}/${m[2]}`, [...(out.get(`${m[1]}/${m[2]}`) ?? []), m[3]]);
  }
  return out;
}

const realMeters = capture<Record<string, string>>(`${KSMOOOVE}/vars-meter.json`);
const realInverters = capture<Record<string, string>>(`${KSMOOOVE}/vars-inverter.json`);
const realLive = capture<Record<string, string>>(`${KSMOOOVE}/vars-livedata.json`);
const vendorLive = capture<Record<string, string>>(`${PYPVS}/LocalAPI-vars-match-livedata-obj-1.json`);

interface Site {
  title: string;
  options: EmulatorOptions;
  model: "pvs5" | "pvs6";
  storage: boolean;
}

const SITES: Site[] = [
  { title: "PVS6 PV-only", options: { now: () => NOON }, model: "pvs6", storage: false },
  { title: "PVS6 + SunVault", options: { now: () => NOON, storage: true }, model: "pvs6", storage: true },
  { title: "PVS5", options: { now: () => NOON, model: "PVS5" }, model: "pvs5", storage: false },
  { title: "PVS6 gross CT", options: { now: () => NOON, consumptionCt: "gross" }, model: "pvs6", storage: false },
  {
    title: "PVS6 at night, no-data",
    options: { now: () => MIDNIGHT, night: "no-data" },
    model: "pvs6",
    storage: false,
  },
  { title: "PVS6 at night, frozen", options: { now: () => MIDNIGHT, night: "frozen" }, model: "pvs6", storage: false },
];

describe("emulator /vars: the shape of a real unit's namespace", function () {
  this.timeout(20000);
  const running: PvsEmulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });

  async function namespace(options: EmulatorOptions): Promise<Map<string, string>> {
    // Longitude -117: the fixed moments above (MIDNIGHT) are that site's.
    const emulator = new PvsEmulator({ localApi: true, inverters: 3, longitude: -117, ...options });
    running.push(emulator);
    await emulator.start();
    const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
    const reply = await vars(emulator.httpsUrl, "match=/", cookie);
    assert.strictEqual(reply.status, 200);
    return byName(reply);
  }

  it("the format patterns hold on the real captures (so they test what the firmware prints)", () => {
    const list = vendorList("pvs6");
    for (const [name, value] of Object.entries({ ...realMeters, ...realInverters, ...realLive, ...vendorLive })) {
      const listed = list.find((v) => v.pattern.test(name));
      assert.ok(listed, `${name} is in the vendor list`);
      const format = formatOf(name, listed.type);
      // A PV-only unit prints "nan" for the storage floats it does not have.
      if (format && !(value === "nan" && /(ess_p|ess_en|soc)$/.test(name))) assert.match(value, format, name);
    }
    // Every real meter, production included, has the same 19 leaves; every inverter the same 12.
    for (const leaves of devicesOf(new Map(Object.entries(realMeters))).values())
      assert.deepStrictEqual(leaves.sort(), classLeaves(list, "meter").sort());
    for (const leaves of devicesOf(new Map(Object.entries(realInverters))).values())
      assert.deepStrictEqual(leaves.sort(), classLeaves(list, "inverter").sort());
  });

  for (const site of SITES) {
    it(`${site.title}: every listed leaf, none unlisted, the firmware's number formats`, async () => {
      const all = await namespace(site.options);
      const full = vendorList(site.model);
      const list = full.filter((v) => SERVED.test(v.name));
      for (const name of all.keys()) {
        const listed = full.find((v) => v.pattern.test(name));
        assert.ok(listed, `${name} is not in the vendor's ${site.model} list`);
        const format = formatOf(name, listed.type);
        const value = String(all.get(name));
        const noStorageNan = !site.storage && /^\/sys\/livedata\/(ess_p|ess_en|soc)$/.test(name);
        if (noStorageNan) assert.strictEqual(value, "nan", `${name}: no battery (61846 PV-only capture)`);
        else if (format) assert.match(value, format, name);
      }
      // Every leaf of the list outside the device classes is served.
      for (const v of list.filter((l) => !l.name.includes("{index}")))
        assert.ok(all.has(v.name), `${v.name} (vendor ${site.model} list) is served`);
      const devices = devicesOf(all);
      for (const [device, leaves] of devices) {
        const cls = device.split("/")[0];
        assert.deepStrictEqual([...leaves].sort(), classLeaves(list, cls).sort(), `${device}: the class's leaves`);
      }
      const classes = new Set([...devices.keys()].map((d) => d.split("/")[0]));
      const expected = site.storage ? ["ess", "inverter", "meter", "transfer_switch"] : ["inverter", "meter"];
      assert.deepStrictEqual([...classes].sort(), expected);
      // Livedata in the real order (61846 capture), with its values where there is no battery.
      const live = [...all.keys()].filter((n) => n.startsWith("/sys/livedata/"));
      assert.deepStrictEqual(live, Object.keys(realLive));
      if (!site.storage) {
        assert.strictEqual(all.get("/sys/livedata/backupTimeRemaining"), realLive["/sys/livedata/backupTimeRemaining"]);
        assert.strictEqual(all.get("/sys/livedata/midstate"), realLive["/sys/livedata/midstate"]);
      } else assert.strictEqual(all.get("/sys/livedata/midstate"), vendorLive["/sys/livedata/midstate"]);
    });
  }

  it("gross CT: site_load_en follows the consumption meter's counter, as in the real gross-CT capture", async () => {
    // The capture: site_load_en 62972.78 vs consumption netLtea 62972.67; pv_en vs production; net_en the difference.
    const realLoad = Number(realLive["/sys/livedata/site_load_en"]);
    assert.ok(Math.abs(realLoad - Number(realMeters["/sys/devices/meter/1/netLtea3phsumKwh"])) < 0.5);
    const all = await namespace({ now: () => NOON, consumptionCt: "gross" });
    const meter = (model: string, leaf: string) => {
      for (const [device] of devicesOf(all))
        if (all.get(`/sys/devices/${device}/prodMdlNm`)?.endsWith(model))
          return Number(all.get(`/sys/devices/${device}/${leaf}`));
      throw new Error(`no meter ${model}`);
    };
    const [load, pv, net] = ["site_load_en", "pv_en", "net_en"].map((f) => Number(all.get(`/sys/livedata/${f}`)));
    assert.ok(Math.abs(load - meter("c", "netLtea3phsumKwh")) < 0.01, `${load} follows the consumption meter`);
    assert.ok(Math.abs(pv - meter("p", "netLtea3phsumKwh")) < 0.01, `${pv} follows the production meter`);
    assert.ok(Math.abs(net - (load - pv)) < 0.01, `${net} = site load - production`);
    assert.ok(Math.abs(Number(all.get("/sys/livedata/site_load_p")) - meter("c", "p3phsumKw")) < 0.001);
  });

  it("night: inverters keep their counters and MPPT leaves, stamped on the 5-minute grid, in both modes", async () => {
    for (const night of ["no-data", "frozen"] as const) {
      const all = await namespace({ now: () => MIDNIGHT, night });
      for (let i = 0; i < 3; i++) {
        const at = (leaf: string) => all.get(`/sys/devices/inverter/${i}/${leaf}`);
        assert.ok(Number(at("ltea3phsumKwh")) > 1000, `${night}: inverter ${i} keeps its lifetime energy`);
        assert.strictEqual(at("p3phsumKw"), "0.000000");
        const stamp = Date.parse(String(at("msmtEps")));
        assert.ok(stamp > Date.UTC(2025, 5, 21) && stamp <= MIDNIGHT, `${night}: ${at("msmtEps")}`);
        assert.strictEqual(stamp % 300_000, 0);
      }
    }
  });
});
