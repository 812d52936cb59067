// The backup-state readings (backup-state.ts) out of what each node has: pvs-live's livedata values, and
// pvs-device-list's devices (the HUB+ and the PV disconnect relay, with the SunVault report merged on legacy).
import { BackupReading } from "./backup-state";
import type { Device } from "./device";
import type { LiveValues } from "./live";
import type { LiveData } from "./localapi-device-list";

const num = (v: number | null | undefined): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** livedata (`/sys/livedata/…` or the telemetry WebSocket): `midstate`, grid and load power, `ess_p`, minutes. */
export function backupFromLive(v: LiveValues): BackupReading {
  return {
    mid: num(v.midstate),
    gridVoltages: [],
    gridKw: num(v.net_p),
    loadKw: num(v.site_load_p),
    batteryKw: num(v.ess_p),
    backupMinutes: num(v.backupTimeRemaining),
  };
}

/** Grid-side leg voltages: LocalAPI `v1nGridV`/`v2nGridV`, the legacy report's `grid_phase*_voltage`. */
const GRID_VOLTAGE_METRICS = ["v1n_grid_v", "v2n_grid_v", "grid_phase1_voltage_v", "grid_phase2_voltage_v"];

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/**
 * From a device list: the HUB+'s state (LocalAPI `midStEnum`, legacy report `contactor_position`) and grid-side
 * voltages, else the PV disconnect relay's grid voltages; the LocalAPI's livedata adds `midstate`, power and minutes.
 */
export function backupFromDevices(devices: readonly Device[], live: LiveData | null): BackupReading {
  const hub = devices.find((d) => d.deviceType === "HUB+");
  const relay = devices.find((d) => d.deviceType === "PV Disconnect");
  const volts = (d: Device | undefined) =>
    d ? GRID_VOLTAGE_METRICS.map((m) => num(d.metrics[m])).filter((v): v is number => v !== null) : [];
  const hubVolts = volts(hub);
  const mid = hub ? (text(hub.properties.midStEnum) ?? text(hub.properties.ess_contactor_position)) : null;
  return {
    mid: mid ?? (live && live.midstate !== null && live.midstate !== 0 ? live.midstate : null),
    gridVoltages: hubVolts.length > 0 ? hubVolts : volts(relay),
    gridKw: num(live?.net_p_kw),
    loadKw: num(live?.site_load_p_kw),
    batteryKw: num(live?.ess_p_kw),
    backupMinutes: num(live?.backup_time_remaining_min),
  };
}
