// The pvs-comm node in the editor: its settings, labels and edit dialog (template: editor.html).
import { translator } from "../../src/editor/i18n";
import { labelStyle, pvsServer } from "../../src/editor/pvs-selector";
import { migrate, orDefault } from "../../src/editor/settings";
import { interval } from "../../src/editor/validators";
import { currentVersion } from "../../src/settings/node-settings";
import { PvsCommProps, PVS_COMM_SETTINGS } from "./settings";

const t = translator("pvs-comm");
const settings = PVS_COMM_SETTINGS;

RED.nodes.registerType<PvsCommProps>("pvs-comm", {
  category: "SunPower PVS",
  color: "#FDD0A2",
  defaults: {
    name: { value: settings.defaults.name },
    settingsVersion: { value: currentVersion(settings) },
    server: pvsServer(),
    interval: {
      value: settings.defaults.interval,
      validate: orDefault(interval(() => t("pvs-comm.errors.interval"))),
    },
    topic: { value: settings.defaults.topic },
    onlyOnChange: { value: settings.defaults.onlyOnChange },
  },
  inputs: 1,
  outputs: 1,
  icon: "pvs-comm.svg",
  paletteLabel: "network",
  oneditprepare: function () {
    migrate(settings, this, "node-input-");
  },
  label: function () {
    return this.name || "pvs network";
  },
  labelStyle,
  inputLabels: function () {
    return this._("pvs-comm.label.inputLabel");
  },
  outputLabels: function () {
    return this._("pvs-comm.label.outputLabel");
  },
});
