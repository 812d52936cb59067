// The emulated SunVault: the owner's two writable settings (session needed, values checked, nothing else
// writable), their effect on the battery, a grid outage on both APIs, and the tests' switches.
import assert from "assert";
import { parseArgs } from "../../src/emulator/cli";
import { DEFAULT_SERIAL, EmulatorOptions, PvsEmulator } from "../../src/emulator/server";
import { CONTROL_MODE, MIN_CUSTOMER_SOC } from "../../src/emulator/storage-control";
import { byName, login, request, vars } from "./request";

const NIGHT = () => Date.UTC(2025, 5, 22, 7, 48); // the battery carries the house at night

describe("emulator: SunVault settings and grid outages", function () {
  this.timeout(15000);
  const running: PvsEmulator[] = [];
  const start = async (options: EmulatorOptions = {}) => {
    const emulator = new PvsEmulator({ localApi: true, storage: true, inverters: 2, now: NIGHT, ...options });
    running.push(emulator);
    await emulator.start();
    return emulator;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });

  it("takes the two owner settings with the session, checks their values and refuses any other write", async () => {
    const emulator = await start();
    const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
    const get = async (name: string) => byName(await vars(emulator.httpsUrl, `name=${name}`, cookie)).get(name);
    assert.strictEqual(await get(CONTROL_MODE), "SELF_CONSUMPTION");
    assert.strictEqual((await vars(emulator.httpsUrl, `set=${CONTROL_MODE}=BACKUP_ONLY`, null)).status, 401);
    for (const [query, status] of [
      [`set=${CONTROL_MODE}=TURBO`, 400],
      [`set=${MIN_CUSTOMER_SOC}=1.5`, 400],
      [`set=${MIN_CUSTOMER_SOC}=-0.1`, 400],
      ["set=/ess/config/dcm/control_param/max_soc=1", 403],
      [`set=${CONTROL_MODE}=BACKUP_ONLY,/sys/info/model=X`, 403],
    ] as const)
      assert.strictEqual((await vars(emulator.httpsUrl, query, cookie)).status, status, query);
    assert.strictEqual(await get(CONTROL_MODE), "SELF_CONSUMPTION", "nothing refused was written");
    const written = await vars(emulator.httpsUrl, `set=${CONTROL_MODE}=BACKUP_ONLY`, cookie);
    assert.deepStrictEqual(byName(written), new Map([[CONTROL_MODE, "BACKUP_ONLY"]]));
    assert.strictEqual((await vars(emulator.httpsUrl, `set=${MIN_CUSTOMER_SOC}=0.45`, cookie)).status, 200);
    assert.strictEqual(await get(MIN_CUSTOMER_SOC), "0.450000", 'a float printed with C "%f"');
    assert.strictEqual(await get("/sys/devices/ess/0/opMode"), "BACKUP_ONLY");
    assert.strictEqual(Number(await get("/sys/livedata/ess_p")), 0, "backup only: no discharge on the grid at night");
  });

  it("ignores writes, and plays the cloud putting the old mode back, when a test asks", async () => {
    const emulator = await start();
    const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
    const get = async () => byName(await vars(emulator.httpsUrl, `name=${CONTROL_MODE}`, cookie)).get(CONTROL_MODE);
    emulator.storage.ignoreWrites = true;
    assert.strictEqual((await vars(emulator.httpsUrl, `set=${CONTROL_MODE}=BACKUP_ONLY`, cookie)).status, 200);
    assert.strictEqual(await get(), "SELF_CONSUMPTION");
    emulator.storage.ignoreWrites = false;
    emulator.storage.cloudRevertAfterMs = 0;
    await vars(emulator.httpsUrl, `set=${CONTROL_MODE}=ENERGY_ARBITRAGE`, cookie);
    assert.strictEqual(await get(), "SELF_CONSUMPTION", "the cloud put its mode back");
  });

  it("an outage: the switch opens, 0 V on its grid side, no grid power, the battery carries the house", async () => {
    const emulator = await start();
    const cookie = await login(emulator.httpsUrl, DEFAULT_SERIAL);
    const read = async () => byName(await vars(emulator.httpsUrl, "match=/sys/", cookie));
    const before = await read();
    assert.strictEqual(before.get("/sys/livedata/midstate"), "2");
    emulator.startOutage();
    const out = await read();
    assert.strictEqual(out.get("/sys/livedata/net_p"), "0.0000");
    assert.strictEqual(out.get("/sys/devices/transfer_switch/0/v1nGridV"), "0");
    assert.strictEqual(out.get("/sys/devices/transfer_switch/0/midStEnum"), "MID_STATE_OPEN");
    assert.ok(Number(out.get("/sys/livedata/ess_p")) > 0, "discharging");
    assert.ok(Number(out.get("/sys/livedata/backupTimeRemaining")) > 0);
    emulator.endOutage();
    assert.strictEqual((await read()).get("/sys/livedata/midstate"), "2");
  });

  it("an outage on the legacy API: the HUB+ contactor opens, the PV disconnect relay reads 0 V", async () => {
    const emulator = await start({ localApi: false });
    emulator.startOutage();
    const report = (await request(`${emulator.url}/cgi-bin/dl_cgi/energy-storage-system/status`)).json as {
      ess_report: { hub_plus_status: Record<string, unknown> };
    };
    assert.strictEqual(report.ess_report.hub_plus_status.contactor_position, "OPEN");
    const list = (await request(`${emulator.url}/cgi-bin/dl_cgi?Command=DeviceList`)).json as {
      devices: Array<Record<string, unknown>>;
    };
    const relay = list.devices.find((d) => d.DEVICE_TYPE === "PV Disconnect");
    assert.deepStrictEqual([relay?.v1n_grid_v, relay?.v2n_grid_v], ["0.0", "0.0"]);
  });

  it("parses --outage AT:DURATION", () => {
    assert.deepStrictEqual(parseArgs(["--storage", "--outage", "60:600"]).outage, {
      atMs: 60_000,
      durationMs: 600_000,
    });
    assert.throws(() => parseArgs(["--outage", "soon"]), /--outage needs AT:DURATION/);
  });
});
