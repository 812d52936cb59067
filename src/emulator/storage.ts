// A SunVault's parts as the legacy DeviceList lists them: identity fields only, as in every published sample
// (their measurements are in the ESS report, ess-report.ts), but for the PV disconnect relay's own readings.
import { floorTo, LegacyDevice, pvsTime } from "./legacy-answers";

/** SunVault part serials (the varserver's ESS and transfer switch reuse them). */
export const STORAGE = {
  hub: "SY2108850-005505.00448",
  mio: "SY2121534552D1805",
  ess: "00001ABC1234_M00122109A0355_M00122109A0356",
  bms: "BC123400678933751040",
  batteries: ["M00122109A0355", "M00122109A0356"],
  inverter: "00001ABC1234",
  gateway: "GW0123456789",
  disconnect: "SY01234567890ABCDEF",
} as const;

/** One part: serial, DEVICE_TYPE, TYPE, MODEL, and its own fields. */
type Part = [serial: string, deviceType: string, type: string, model: string, extra: LegacyDevice];

const WORKING = { STATE: "working", STATEDESCR: "Working" };
const ERROR = { STATE: "error", STATEDESCR: "Error" };
/** The Schneider parts on the SunSpec bus share the one gateway's MAC (cmalek/sungazer's SunVault records). */
const SUNSPEC = { interface: "sunspec", mac_address: "d8:a9:ab:cd:12:34" };
/** A part behind the ESS on the SunSpec bus. */
const child = (slave: number) => ({ parent: 11, slave, PARENT: STORAGE.ess });
const BATTERY_PARENT = { parent: 11, PARENT: STORAGE.ess };

const PARTS: ReadonlyArray<Part> = [
  [
    STORAGE.hub,
    "HUB+",
    "HUB+",
    "SunPower MIDC",
    // In error on both real SunVault lists (build 61204: krbaker/hass-sunpower#37; 61839: smcneece/ha-esunpower#5).
    {
      ...ERROR,
      hw_version: "1.5.0",
      interface: "ttymxc5",
      slave: 220,
      SWVER: "0.7.18",
      PORT: "P0, Modbus, Slave 220",
    },
  ],
  [
    STORAGE.mio,
    "ESS Hub",
    "EQUINOX-MIO",
    "SunPower MIO",
    { ...WORKING, hw_version: "0.4.0", interface: "ttymxc5", parent: 11, slave: 221 },
  ],
  [
    STORAGE.ess,
    "Energy Storage System",
    "EQUINOX-ESS",
    "SPWR-Equinox-model",
    { ...ERROR, hw_version: "0", interface: "none", SWVER: "0", PORT: "P0, Parent, Slave -1" },
  ],
  [
    STORAGE.bms,
    "ESS BMS",
    "EQUINOX-BMS",
    "SchneiderElectric-SP1",
    { ...ERROR, ...SUNSPEC, ...child(230), PORT: "P0, SunSpec, Slave 230" },
  ],
  ...STORAGE.batteries.map((b): Part => [
    b,
    "Battery",
    "BATTERY",
    "POWERAMP-Komodo 1.2",
    { ...ERROR, hw_version: "4.34", interface: "none", SWVER: "2.8", PORT: "P0, None, Slave -1", ...BATTERY_PARENT },
  ]),
  [
    STORAGE.inverter,
    "Storage Inverter",
    "SCHNEIDER-XWPRO",
    "SchneiderElectric-XW6848-21",
    { ...ERROR, ...SUNSPEC, ...child(10), SWVER: "V1", PORT: "P0, SunSpec, Slave 10" },
  ],
  // The gateway sits on the bus on its own: no parent (cmalek/sungazer tests/fixtures/DeviceList/DeviceList.json).
  [
    STORAGE.gateway,
    "Gateway",
    "GATEWAY",
    "SchneiderElectric-ConextGateway",
    { ...ERROR, ...SUNSPEC, slave: 1, SWVER: "V1", PORT: "P0, SunSpec, Slave 1" },
  ],
];

/** The PV disconnect relay, the one part with readings of its own; its grid side reads 0 V in an outage. */
function disconnect(t: number, islanded: boolean): Part {
  const grid = (volts: string) => (islanded ? "0.0" : volts);
  return [
    STORAGE.disconnect,
    "PV Disconnect",
    "PV-DISCONNECT",
    "SunPower PV Disconnect Relay",
    {
      ...WORKING,
      hw_version: "0.2.0",
      interface: "ttymxc5",
      slave: 230,
      SWVER: "0.2.13",
      PORT: "P0, Modbus, Slave 230",
      DATATIME: pvsTime(floorTo(t, 15_000)),
      event_history: "32",
      fw_error: "0",
      relay_mode: "0",
      relay1_state: "1",
      relay2_state: "1",
      relay1_error: "0",
      relay2_error: "0",
      v1n_grid_v: grid("123.1"),
      v2n_grid_v: grid("122.5"),
      v1n_pv_v: "122.8",
      v2n_pv_v: "122.5",
    },
  ];
}

/**
 * SunVault parts at `t`, each record's fields in a real record's order: identity and state, the part's own fields,
 * origin, OPERATION, PARENT, CURTIME (cmalek/sungazer tests/fixtures/DeviceList/DeviceList.json). `islanded`: the
 * grid is down.
 */
export function storageDevices(t: number, islanded = false): LegacyDevice[] {
  const curtime = pvsTime(t);
  return [...PARTS, disconnect(t, islanded)].map(([serial, deviceType, type, model, extra]) => {
    const { STATE, STATEDESCR, PARENT, ...own } = extra;
    return {
      ISDETAIL: true,
      SERIAL: serial,
      TYPE: type,
      STATE,
      STATEDESCR,
      MODEL: model,
      DESCR: `${deviceType} ${serial}`,
      DEVICE_TYPE: deviceType,
      ...own,
      origin: "data_logger",
      OPERATION: "noop",
      ...(PARENT === undefined ? {} : { PARENT }),
      CURTIME: curtime,
    };
  });
}
