// The pvs-battery node in the editor: its settings, labels and edit dialog (template: editor.html).
import { translator } from "../../src/editor/i18n";
import { labelStyle, pvsServer } from "../../src/editor/pvs-selector";
import { migrate, orDefault } from "../../src/editor/settings";
import { range } from "../../src/editor/validators";
import { currentVersion } from "../../src/settings/node-settings";
import { PvsBatteryProps, PVS_BATTERY_SETTINGS } from "./settings";

const t = translator("pvs-battery");
const settings = PVS_BATTERY_SETTINGS;

RED.nodes.registerType<PvsBatteryProps>("pvs-battery", {
  category: "SunPower PVS",
  color: "#FDD0A2",
  defaults: {
    name: { value: settings.defaults.name },
    settingsVersion: { value: currentVersion(settings) },
    server: pvsServer(),
    watch: {
      value: settings.defaults.watch,
      validate: orDefault(range(0, 120, () => t("pvs-battery.errors.watch"))),
    },
    topic: { value: settings.defaults.topic },
  },
  inputs: 1,
  outputs: 1,
  icon: "pvs-battery.svg",
  paletteLabel: "battery",
  label: function () {
    return this.name || "pvs battery";
  },
  labelStyle,
  inputLabels: function () {
    return this._("pvs-battery.label.inputLabel");
  },
  outputLabels: function () {
    return this._("pvs-battery.label.outputLabel");
  },
  oneditprepare: function () {
    migrate(settings, this, "node-input-");
  },
});
