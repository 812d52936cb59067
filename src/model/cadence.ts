// When a device's data is stale, judged by the cadence at which each API refreshes it, not by the wall clock.
//
// LocalAPI (varserver): `msmtEps` is a 5-minute stamp (…:10:00Z, …:15:00Z) that is published minutes late: the
// build 61846 capture (ksmooove/SunPower-Monitoring fixtures/pvs6) has `/sys/livedata/time` 15:14:25Z with every
// meter and inverter at 15:10:00Z (265 s), other real captures over 500 s; the vendor's own example
// (SunStrong-Management/pypvs doc/LocalAPI.md) shows meters at 04:10:00Z and sleeping inverters at 03:35:00Z.
// Legacy (dl_cgi DeviceList): DATATIME and CURTIME come from the same answer on the PVS's own clock; meters are
// 1-8 s behind and inverters 40-113 s behind in every real capture (test/fixtures/corpus).
import { Device } from "./device";
import { DeviceCategory, STALE_AFTER_S } from "./device-types";

/** Which API stamped a device's data: the LocalAPI's `msmtEps` or the legacy DATATIME. */
export type StampKind = "localapi" | "legacy";

/** The LocalAPI's measurement period: `msmtEps` falls on 5-minute boundaries. */
export const VARS_PERIOD_S = 300;
/** The longest publishing lag the captures show is over 500 s; 10 minutes covers it. */
export const VARS_MAX_LAG_S = 600;

export function stampKind(device: Pick<Device, "properties">): StampKind | null {
  if (Object.hasOwn(device.properties, "msmtEps")) return "localapi";
  if (Object.hasOwn(device.properties, "DATATIME")) return "legacy";
  return null;
}

/**
 * The age (s, against the answer's time) beyond which a device missed two or more refreshes even with the
 * longest normal lag. LocalAPI: a fresh stamp is up to lag + one period old (it stays until the next one is
 * published); two missed refreshes add two periods. Legacy: the class's threshold (stamps there are minutes
 * fresher than it in every capture).
 */
export function ageLimitS(kind: StampKind | null, category: DeviceCategory): number {
  if (kind === "localapi" && category !== "supervisor") return VARS_MAX_LAG_S + 3 * VARS_PERIOD_S;
  return STALE_AFTER_S[category];
}

/** How far (s) a device may be behind the newest stamp of its peers (the meters and inverters of the same API). */
export function peerLimitS(kind: StampKind | null, category: DeviceCategory): number {
  return kind === "localapi" ? VARS_PERIOD_S : STALE_AFTER_S[category];
}

/**
 * How long (s of the PVS's clock) a device's stamp may stay the same before it stopped advancing. LocalAPI:
 * three periods, i.e. two refreshes missed plus one period of slack for the publishing lag, which varies
 * by minutes from one publication to the next. Legacy: the class's threshold.
 */
export function stopLimitS(kind: StampKind | null, category: DeviceCategory): number {
  return kind === "localapi" ? 3 * VARS_PERIOD_S : STALE_AFTER_S[category];
}

/** Devices whose stamps are compared with each other: they refresh on the same cadence. */
export function isPeer(device: Pick<Device, "category">): boolean {
  return device.category === "meter" || device.category === "inverter";
}
