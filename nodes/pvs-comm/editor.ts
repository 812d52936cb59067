// The pvs-comm node in the editor: its settings, labels and edit dialog (template: editor.html).
import { translator } from "../../src/editor/i18n";
import { labelStyle, pvsServer } from "../../src/editor/pvs-selector";
import { EditorSettings } from "../../src/editor/settings";
import { interval } from "../../src/editor/validators";

declare const pvsCommSettings: EditorSettings;
const t = translator("pvs-comm");
const settings = pvsCommSettings;

RED.nodes.registerType("pvs-comm", {
  category: "SunPower PVS",
  color: "#FDD0A2",
  defaults: {
    name: { value: settings.defaults.name },
    settingsVersion: { value: settings.version },
    server: pvsServer(),
    interval: {
      value: settings.defaults.interval,
      validate: settings.orDefault(interval(() => t("pvs-comm.errors.interval"))),
    },
    topic: { value: settings.defaults.topic },
    onlyOnChange: { value: settings.defaults.onlyOnChange },
  },
  inputs: 1,
  outputs: 1,
  icon: "pvs-comm.svg",
  paletteLabel: "network",
  oneditprepare: function () {
    settings.migrate(this, "node-input-");
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
