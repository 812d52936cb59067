// The settings runner (src/settings/node-settings.ts) that the runtime and the edit dialogs share: the steps after
// a node's version in order, then every missing setting its default; never a downgrade.
import assert from "assert";
import { HOST_REQUIRED_VERSION, PVS_CONFIG_SETTINGS } from "../../nodes/pvs-config/settings";
import {
  BaseProps,
  currentVersion,
  migrateInPlace,
  NodeSettings,
  VERSIONS_BEGIN,
} from "../../src/settings/node-settings";

interface Props extends BaseProps {
  interval: number | string;
  topic: string;
  units: "pvs" | "si";
}

/** A node type at version 3: version 2 renamed `every` to `interval`, version 3 turned `metric: true` into units. */
const steps: string[] = [];
const SETTINGS: NodeSettings<Props> = {
  type: "test-node",
  defaults: { name: "", interval: 60, topic: "", units: "pvs" },
  migrations: [
    VERSIONS_BEGIN,
    {
      version: 2,
      up: (def) => {
        steps.push("2");
        if (def.every !== undefined) def.interval = def.every;
        delete def.every;
      },
    },
    {
      version: 3,
      up: (def) => {
        steps.push("3");
        if (def.metric === true) def.units = "si";
        delete def.metric;
      },
    },
  ],
};

describe("settings runner", () => {
  beforeEach(() => (steps.length = 0));

  it("applies the steps after the node's version, in order, then fills what is missing", () => {
    const def: Record<string, unknown> = { every: 30, metric: true };
    assert.deepStrictEqual(migrateInPlace(SETTINGS, def).sort(), ["name", "topic"]);
    assert.deepStrictEqual(steps, ["2", "3"]);
    assert.deepStrictEqual(def, { interval: 30, units: "si", name: "", topic: "", settingsVersion: 3 });
  });

  it("skips the steps the node's version already has", () => {
    const def: Record<string, unknown> = { settingsVersion: 2, interval: 15, metric: true };
    migrateInPlace(SETTINGS, def);
    assert.deepStrictEqual(steps, ["3"]);
    assert.strictEqual(def.units, "si");
    assert.strictEqual(def.interval, 15);
  });

  it("a node of a newer version keeps its settings and version; a missing setting is still its default", () => {
    const def: Record<string, unknown> = { settingsVersion: 9, every: 30, interval: "" };
    migrateInPlace(SETTINGS, def);
    assert.deepStrictEqual(steps, []);
    assert.strictEqual(def.settingsVersion, 9);
    assert.strictEqual(def.every, 30, "not touched by an older step");
    assert.strictEqual(def.interval, 60, "blank where blank has no meaning: the default");
  });

  it("an unreadable version is version 0", () => {
    for (const settingsVersion of ["x", -1, 1.5, null]) {
      steps.length = 0;
      migrateInPlace(SETTINGS, { settingsVersion });
      assert.deepStrictEqual(steps, ["2", "3"], String(settingsVersion));
    }
  });

  it("the current version is the last step's; pvs-config is at 2 (host required, following and battery control arrived)", () => {
    assert.strictEqual(currentVersion(SETTINGS), 3);
    assert.strictEqual(currentVersion(PVS_CONFIG_SETTINGS), HOST_REQUIRED_VERSION);
  });

  it("pvs-config 1 → 2: a flow saved before following arrived gets it on; one saved with it off keeps it off", () => {
    for (const settingsVersion of [undefined, 0, 1]) {
      const def: Record<string, unknown> = { host: "192.168.1.20", settingsVersion };
      migrateInPlace(PVS_CONFIG_SETTINGS, def);
      assert.deepStrictEqual([def.follow, def.settingsVersion], [true, 2], String(settingsVersion));
    }
    const off: Record<string, unknown> = { host: "192.168.1.20", follow: false, settingsVersion: 2 };
    migrateInPlace(PVS_CONFIG_SETTINGS, off);
    assert.strictEqual(off.follow, false);
  });

  it("pvs-config saved before battery control: migrated with battery control off; a saved choice kept", () => {
    const old: Record<string, unknown> = { settingsVersion: 1, host: "10.0.0.2" };
    migrateInPlace(PVS_CONFIG_SETTINGS, old);
    assert.deepStrictEqual([old.allowBatteryControl, old.settingsVersion], [false, 2]);
    const fresh: Record<string, unknown> = { settingsVersion: 2, allowBatteryControl: true };
    migrateInPlace(PVS_CONFIG_SETTINGS, fresh);
    assert.strictEqual(fresh.allowBatteryControl, true);
  });

  it("a default that follows another setting: pvs-config's port follows its protocol", () => {
    for (const [def, port] of [
      [{ protocol: "https" }, 443],
      [{ protocol: "https", port: "" }, 443],
      [{ protocol: "https", port: null }, 443],
      [{ protocol: "http" }, 80],
      [{}, 80],
      [{ protocol: "https", port: 8443 }, 8443],
    ] as Array<[Record<string, unknown>, number]>) {
      migrateInPlace(PVS_CONFIG_SETTINGS, def);
      assert.strictEqual(def.port, port, JSON.stringify(def));
    }
  });

  it("a default object or list is a copy, never the defaults' own", () => {
    const a: Record<string, unknown> = {};
    const b: Record<string, unknown> = {};
    migrateInPlace(PVS_CONFIG_SETTINGS, a);
    migrateInPlace(PVS_CONFIG_SETTINGS, b);
    (a.labels as Record<string, string>).X = "changed";
    assert.deepStrictEqual(b.labels, {});
    assert.deepStrictEqual(PVS_CONFIG_SETTINGS.defaults.labels, {});
  });
});
