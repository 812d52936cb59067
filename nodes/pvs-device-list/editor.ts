// The pvs-device-list node in the editor: its settings, labels and edit dialog (template: editor.html).
import { translator } from "../../src/editor/i18n";
import { labelStyle, pvsServer } from "../../src/editor/pvs-selector";
import { EditorSettings } from "../../src/editor/settings";
import { interval, noWildcards, oneOf } from "../../src/editor/validators";

declare const pvsDeviceListSettings: EditorSettings;
const t = translator("pvs-device-list");
const settings = pvsDeviceListSettings;
const OUTPUT_LABELS: Record<string, string> = {
  influx: "outputInflux",
  mqtt: "outputMqtt",
  homeassistant: "outputHomeAssistant",
};

RED.nodes.registerType("pvs-device-list", {
  category: "SunPower PVS",
  color: "#FDD0A2",
  defaults: {
    name: { value: settings.defaults.name },
    settingsVersion: { value: settings.version },
    server: pvsServer(),
    interval: {
      value: settings.defaults.interval,
      validate: settings.orDefault(interval(() => t("pvs-device-list.errors.interval"))),
    },
    topic: { value: settings.defaults.topic },
    units: { value: settings.defaults.units, validate: settings.orDefault(oneOf(["pvs", "si"])) },
    includeRaw: { value: settings.defaults.includeRaw },
    output: {
      value: settings.defaults.output,
      validate: settings.orDefault(oneOf(["list", "influx", "mqtt", "homeassistant"])),
    },
    prefix: {
      value: settings.defaults.prefix,
      validate: settings.orDefault(noWildcards(() => t("pvs-device-list.errors.prefix"))),
    },
    discoveryPrefix: {
      value: settings.defaults.discoveryPrefix,
      validate: settings.orDefault(noWildcards(() => t("pvs-device-list.errors.prefix"))),
    },
  },
  inputs: 1,
  outputs: 1,
  icon: "pvs-sun.svg",
  paletteLabel: "device list",
  label: function () {
    return this.name || "pvs device list";
  },
  labelStyle,
  inputLabels: function () {
    return this._("pvs-device-list.label.inputLabel");
  },
  outputLabels: function () {
    return this._("pvs-device-list.label." + (OUTPUT_LABELS[String(this.output)] || "outputLabel"));
  },
  oneditprepare: function () {
    settings.migrate(this, "node-input-");
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
