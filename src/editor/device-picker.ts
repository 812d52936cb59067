// The devices each deployed pvs-config listed in its last poll (GET pvs-config/devices, served by the pvs-config
// runtime), for the device names of pvs-config and the device picker of pvs-inverter-split.
import type { DevicesAnswer, ListedDevice } from "../node-red/admin-api";

export function listedDevices(): JQuery.jqXHR<DevicesAnswer> {
  return $.getJSON("pvs-config/devices");
}

/** "type model" of a device, for a hint or an option. */
export function deviceKind(d: ListedDevice, separator: string): string {
  return [d.deviceType, d.model].filter(Boolean).join(separator);
}

/**
 * A multiple <select> of devices by serial, one group per PVS, with `chosen` selected. A serial chosen before but
 * not in the last poll (asleep, or another PVS not deployed) is kept as an option of its own.
 */
export function setupDevicePicker(picker: JQuery, chosen: readonly string[], whenEmpty: () => void): void {
  const isChosen = (serial: string) => chosen.indexOf(serial) >= 0;
  const addOption = (serial: string, text: string, to: JQuery) => {
    $("<option>").val(serial).text(text).prop("selected", isChosen(serial)).appendTo(to);
  };
  listedDevices()
    .done((answer) => {
      const listed: Record<string, boolean> = {};
      answer.pvs.forEach((pvs) => {
        const group = $("<optgroup>").attr("label", pvs.name).appendTo(picker);
        pvs.devices.forEach((d) => {
          listed[d.serial] = true;
          addOption(d.serial, (d.label ? d.label + " · " : "") + d.serial + " · " + deviceKind(d, " "), group);
        });
      });
      chosen.forEach((s) => {
        if (!listed[s]) addOption(s, s, picker);
      });
      if (picker.find("option").length === 0) whenEmpty();
    })
    .fail(() => chosen.forEach((s) => addOption(s, s, picker)));
}
