// The pvs-device-list node in the editor: its settings, labels and edit dialog (template: editor.html).
import { translator } from "../../src/editor/i18n";
import { labelStyle, pvsServer } from "../../src/editor/pvs-selector";
import { migrate, orDefault } from "../../src/editor/settings";
import { interval, noWildcards, oneOf } from "../../src/editor/validators";
import { currentVersion } from "../../src/settings/node-settings";
import { PvsDeviceListProps, PVS_DEVICE_LIST_SETTINGS } from "./settings";

const t = translator("pvs-device-list");
const settings = PVS_DEVICE_LIST_SETTINGS;
const OUTPUT_LABELS: Record<string, string> = {
  influx: "outputInflux",
  mqtt: "outputMqtt",
  homeassistant: "outputHomeAssistant",
};

RED.nodes.registerType<PvsDeviceListProps>("pvs-device-list", {
  category: "SunPower PVS",
  color: "#FDD0A2",
  defaults: {
    name: { value: settings.defaults.name },
    settingsVersion: { value: currentVersion(settings) },
    server: pvsServer(),
    interval: {
      value: settings.defaults.interval,
      validate: orDefault(interval(() => t("pvs-device-list.errors.interval"))),
    },
    topic: { value: settings.defaults.topic },
    units: { value: settings.defaults.units, validate: orDefault(oneOf(["pvs", "si"])) },
    includeRaw: { value: settings.defaults.includeRaw },
    output: {
      value: settings.defaults.output,
      validate: orDefault(oneOf(["list", "influx", "mqtt", "homeassistant"])),
    },
    prefix: {
      value: settings.defaults.prefix,
      validate: orDefault(noWildcards(() => t("pvs-device-list.errors.prefix"))),
    },
    discoveryPrefix: {
      value: settings.defaults.discoveryPrefix,
      validate: orDefault(noWildcards(() => t("pvs-device-list.errors.prefix"))),
    },
  },
  inputs: 1,
  // Output 2 carries only the backup events; a flow saved with one output keeps its wires on output 1.
  outputs: 2,
  icon: "pvs-sun.svg",
  paletteLabel: "device list",
  label: function () {
    return this.name || "pvs device list";
  },
  labelStyle,
  inputLabels: function () {
    return this._("pvs-device-list.label.inputLabel");
  },
  outputLabels: function (index) {
    if (index === 1) return this._("pvs-device-list.label.eventsLabel");
    return this._("pvs-device-list.label." + (OUTPUT_LABELS[String(this.output)] || "outputLabel"));
  },
  oneditprepare: function () {
    migrate(settings, this, "node-input-");
    const show = () => {
      const output = String($("#node-input-output").val() || "list");
      const mqtt = output === "mqtt" || output === "homeassistant";
      $("#pvs-device-list-prefix-row").toggle(output !== "list");
      $("#pvs-device-list-discovery-row").toggle(output === "homeassistant");
      $("#pvs-device-list-topic-row").toggle(!mqtt);
      $(".pvs-device-list-output-tip").hide();
      $("#pvs-device-list-tip-" + output).show();
    };
    if (!this.output) $("#node-input-output").val("list");
    $("#node-input-output").on("change", show);
    show();
  },
});
