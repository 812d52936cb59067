// The SunVault's `energy-storage-system/status` report (legacy dl_cgi): every measurement as `{ value, unit }`,
// grouped by part (BMS, ESS, HUB+, storage inverter), each group stamped with the report's time.
import type { BatteryState } from "./site";
import { STORAGE } from "./storage";

type Measured = { value: number; unit: string };
const v = (value: number, unit: string, decimals = 2): Measured => ({ value: Number(value.toFixed(decimals)), unit });

/** "2025-06-21 19:48:00": the report's own stamp format (UTC). */
function updatedAt(t: number): string {
  return new Date(t).toISOString().slice(0, 19).replace("T", " ");
}

function batteryStatus(battery: BatteryState, updated: string): Record<string, unknown> {
  const chargingKw = -battery.kw;
  return {
    serial_number: STORAGE.bms,
    battery_amperage: v((chargingKw * 1000) / battery.voltage / STORAGE.batteries.length, "A"),
    battery_voltage: v(battery.voltage, "V"),
    customer_state_of_charge: v(battery.customerSoc * 100, "%", 0),
    system_state_of_charge: v(battery.soc * 100, "%", 0),
    temperature: v(battery.cellTempC, "C", 1),
    last_updated: updated,
  };
}

/** The ESS's meter: the battery's power split over the two legs. */
function essStatus(chargingKw: number, updated: string): Record<string, unknown> {
  const leg = (volts: number) => ({
    reading: {
      current: v((Math.abs(chargingKw) * 500) / volts, "A"),
      voltage: v(volts, "V"),
      power: v(chargingKw / 2, "kW", 3),
    },
  });
  return {
    serial_number: STORAGE.ess,
    enclosure_humidity: v(38, "%", 0),
    enclosure_temperature: v(27.5, "C", 1),
    ess_meter_reading: { agg_power: v(chargingKw, "kW", 3), meter_a: leg(121), meter_b: leg(120.5) },
    last_updated: updated,
  };
}

/** The HUB+: in an outage its contactor opens (the site is islanded) and its grid side reads 0 V. */
function hubPlusStatus(updated: string, islanded: boolean): Record<string, unknown> {
  const grid = (volts: number) => v(islanded ? 0 : volts, "V");
  return {
    serial_number: STORAGE.hub,
    contactor_position: islanded ? "OPEN" : "CLOSED",
    contactor_error: "CONTACTOR_ERROR_NONE",
    grid_voltage_state: "METER_VOLTAGE_IN_RANGE",
    load_voltage_state: "METER_VOLTAGE_IN_RANGE",
    grid_frequency_state: "METER_FREQUENCY_IN_RANGE",
    load_frequency_state: "METER_FREQUENCY_IN_RANGE",
    hub_temperature: v(31.2, "C", 1),
    hub_humidity: v(35, "%", 0),
    grid_phase1_voltage: grid(121.4),
    grid_phase2_voltage: grid(120.9),
    load_phase1_voltage: v(121.3, "V"),
    load_phase2_voltage: v(120.8, "V"),
    last_updated: updated,
  };
}

function inverterStatus(chargingKw: number, updated: string): Record<string, unknown> {
  return {
    serial_number: STORAGE.inverter,
    ac_current: v((Math.abs(chargingKw) * 1000) / 241, "A"),
    ac_power: v(chargingKw, "kW", 3),
    a_n_voltage: v(121, "V"),
    b_n_voltage: v(120.5, "V"),
    temperature: v(36.6, "C", 1),
    last_updated: updated,
  };
}

/** The report at `t` for the battery's state (its power positive when charging, as the report signs it). */
export function essReport(
  t: number,
  battery: BatteryState,
  islanded = false,
  mode = "SELF_CONSUMPTION",
): Record<string, unknown> {
  const updated = updatedAt(t);
  const chargingKw = -battery.kw;
  return {
    ess_report: {
      battery_status: [batteryStatus(battery, updated)],
      ess_status: [essStatus(chargingKw, updated)],
      hub_plus_status: hubPlusStatus(updated, islanded),
      inverter_status: [inverterStatus(chargingKw, updated)],
      ess_state: {
        storage_controller_status: "RUNNING",
        operational_mode: mode,
        permission_to_operate: true,
      },
    },
    errors: [],
  };
}
