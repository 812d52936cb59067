// The battery writes: only the two allow-listed variables can reach `set=`, values are checked, and one setting is
// written at most once per 5 minutes per PVS.
import assert from "assert";
import {
  BATTERY_VARIABLES,
  batterySettingsRequest,
  batteryWriteRequest,
  batteryWrites,
  claimWrites,
  showsWritten,
  WRITE_SPACING_MS,
} from "../../src/pvs/localapi/battery-writes";
import { PvsError } from "../../src/pvs/http/errors";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as PvsError).code;
  }
  return null;
};

describe("battery writes", () => {
  it("builds the owner's set= of the two variables, the reserve as the vendor's 0-1", () => {
    const writes = batteryWrites({ mode: "time-of-use", reserve: "30 %" });
    assert.deepStrictEqual(
      writes.map((w) => batteryWriteRequest(w).query),
      [
        "set=/ess/config/dcm/mode_param/control_mode=ENERGY_ARBITRAGE",
        "set=/ess/config/dcm/control_param/min_customer_soc=0.30",
      ],
    );
    assert.ok(writes.every((w) => batteryWriteRequest(w).write === true && batteryWriteRequest(w).session === true));
    assert.strictEqual(batteryWriteRequest(batteryWrites({ reserve: 100 })[0]).query?.endsWith("=1.00"), true);
    assert.strictEqual(batteryWriteRequest(batteryWrites({ reserve: 0 })[0]).query?.endsWith("=0.00"), true);
  });

  it("refuses every other value or key before a request exists", () => {
    for (const payload of [
      null,
      "BACKUP_ONLY",
      {},
      { mode: "TARIFF_OPTIMIZER" },
      { mode: "backup_only&set=/sys/info/model=X" },
      { reserve: 100.5 },
      { reserve: "0.3" },
      { reserve: "30,/sys/telemetryws/enable=1" },
      { reserve: 30, name: "/sys/info/model" },
    ])
      assert.strictEqual(
        code(() => batteryWrites(payload)),
        "PVS_BAD_VALUE",
        JSON.stringify(payload),
      );
  });

  it("cannot be made to write another variable or an unchecked value", () => {
    const [write] = batteryWrites({ mode: "BACKUP_ONLY" });
    assert.strictEqual(
      code(() => batteryWriteRequest({ ...write, variable: "/sys/info/model" })),
      "PVS_BAD_VALUE",
    );
    assert.strictEqual(
      code(() => batteryWriteRequest({ ...write, value: "X&set=/a=1" })),
      "PVS_BAD_VALUE",
    );
    const [reserve] = batteryWrites({ reserve: 20 });
    assert.strictEqual(
      code(() => batteryWriteRequest({ ...reserve, value: "7" })),
      "PVS_BAD_VALUE",
    );
    assert.deepStrictEqual(Object.values(BATTERY_VARIABLES).sort(), [
      "/ess/config/dcm/control_param/min_customer_soc",
      "/ess/config/dcm/mode_param/control_mode",
    ]);
    assert.strictEqual(
      batterySettingsRequest().query,
      "name=/ess/config/dcm/mode_param/control_mode,/ess/config/dcm/control_param/min_customer_soc&fmt=obj",
    );
  });

  it("reads back: the same mode, the same reserve to the hundredth; an absent value is no verdict", () => {
    const [mode, reserve] = batteryWrites({ mode: "BACKUP_ONLY", reserve: 30 });
    assert.strictEqual(showsWritten({ [mode.variable]: "BACKUP_ONLY" }, mode), true);
    assert.strictEqual(showsWritten({ [mode.variable]: "SELF_CONSUMPTION" }, mode), false);
    assert.strictEqual(showsWritten({ [reserve.variable]: "0.300000" }, reserve), true);
    assert.strictEqual(showsWritten({ [reserve.variable]: "0.2" }, reserve), false);
    assert.strictEqual(showsWritten({}, reserve), null);
  });

  it("one write per setting per 5 minutes per PVS: all of a message's writes or none", () => {
    const pvs = {};
    const t = 1_000_000;
    claimWrites(pvs, batteryWrites({ mode: "BACKUP_ONLY" }), t);
    assert.strictEqual(
      code(() => claimWrites(pvs, batteryWrites({ reserve: 20, mode: "BACKUP_ONLY" }), t + 1000)),
      "PVS_WRITE_TOO_SOON",
    );
    claimWrites(pvs, batteryWrites({ reserve: 20 }), t + 1000); // the refused message claimed nothing
    claimWrites({}, batteryWrites({ mode: "BACKUP_ONLY" }), t + 1000); // another PVS
    claimWrites(pvs, batteryWrites({ mode: "SELF_CONSUMPTION" }), t + WRITE_SPACING_MS);
  });
});
