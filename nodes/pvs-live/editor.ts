// The pvs-live node in the editor: its settings, labels and edit dialog (template: editor.html).
import { translator } from "../../src/editor/i18n";
import { labelStyle, pvsServer } from "../../src/editor/pvs-selector";
import { migrate, orDefault } from "../../src/editor/settings";
import { oneOf, range } from "../../src/editor/validators";
import { currentVersion } from "../../src/settings/node-settings";
import { PvsLiveProps, PVS_LIVE_SETTINGS } from "./settings";

const t = translator("pvs-live");
const settings = PVS_LIVE_SETTINGS;
const inRange = (min: number, max: number, key: string) =>
  orDefault(range(min, max, () => t("pvs-live.errors." + key)));

RED.nodes.registerType<PvsLiveProps>("pvs-live", {
  category: "SunPower PVS",
  color: "#FDD0A2",
  defaults: {
    name: { value: settings.defaults.name },
    settingsVersion: { value: currentVersion(settings) },
    server: pvsServer(),
    send: { value: settings.defaults.send, validate: orDefault(oneOf(["update", "change", "interval"])) },
    threshold: { value: settings.defaults.threshold, validate: inRange(0, 1000000, "threshold") },
    every: { value: settings.defaults.every, validate: inRange(1, 86400, "every") },
    interval: { value: settings.defaults.interval, validate: inRange(1, 3600, "interval") },
    units: { value: settings.defaults.units, validate: orDefault(oneOf(["pvs", "si"])) },
    topic: { value: settings.defaults.topic },
  },
  inputs: 1,
  // Output 2 carries only the backup events; a flow saved with one output keeps its wires on output 1.
  outputs: 2,
  icon: "pvs-live.svg",
  paletteLabel: "live",
  label: function () {
    return this.name || "pvs live";
  },
  labelStyle,
  inputLabels: function () {
    return this._("pvs-live.label.inputLabel");
  },
  outputLabels: function (index) {
    return index === 1 ? this._("pvs-live.label.eventsLabel") : this._("pvs-live.label.outputLabel");
  },
  oneditprepare: function () {
    migrate(settings, this, "node-input-");
    const show = () => {
      const send = $("#node-input-send").val();
      $("#pvs-live-threshold-row").toggle(send === "change");
      $("#pvs-live-every-row").toggle(send === "interval");
    };
    $("#node-input-send").on("change", show);
    show();
  },
});
