// The pvs-command node in the editor: its settings, labels and edit dialog (template: editor.html).
import { translator } from "../../src/editor/i18n";
import { labelStyle, pvsServer } from "../../src/editor/pvs-selector";
import { migrate, orDefault } from "../../src/editor/settings";
import { interval, isEnvVar, oneOf } from "../../src/editor/validators";
import { currentVersion } from "../../src/settings/node-settings";
import { PvsCommandProps, PVS_COMMAND_SETTINGS } from "./settings";

const t = translator("pvs-command");
const settings = PVS_COMMAND_SETTINGS;
// The read commands of src/pvs/commands.ts (the runtime refuses any other).
const COMMANDS = [
  "SupervisorHealth",
  "SupervisorInfo",
  "CheckFW",
  "GridProfileGet",
  "GetDiscoveryProgress",
  "DeviceDetails",
  "Start",
  "Stop",
];
const SERIAL = /^[A-Za-z0-9][A-Za-z0-9_-]{3,99}$/;

RED.nodes.registerType<PvsCommandProps>("pvs-command", {
  category: "SunPower PVS",
  color: "#FDD0A2",
  defaults: {
    name: { value: settings.defaults.name },
    settingsVersion: { value: currentVersion(settings) },
    server: pvsServer(),
    command: { value: settings.defaults.command, validate: orDefault(oneOf(COMMANDS)) },
    firmwareType: {
      value: settings.defaults.firmwareType,
      validate: orDefault(oneOf(["residential", "commercial"])),
    },
    serialNumber: {
      value: settings.defaults.serialNumber,
      validate: orDefault(function (v, opt) {
        if (!v || SERIAL.test(String(v)) || isEnvVar(v)) return true;
        return opt ? t("pvs-command.errors.serial") : false;
      }),
    },
    fromMsg: { value: settings.defaults.fromMsg },
    interval: {
      value: settings.defaults.interval,
      validate: orDefault(interval(() => t("pvs-command.errors.interval"))),
    },
    topic: { value: settings.defaults.topic },
  },
  inputs: 1,
  outputs: 1,
  icon: "pvs-command.svg",
  paletteLabel: "command",
  label: function () {
    return this.name || "pvs " + (this.command || "command");
  },
  labelStyle,
  inputLabels: function () {
    return this._("pvs-command.label.inputLabel");
  },
  outputLabels: function () {
    return this._("pvs-command.label.outputLabel");
  },
  oneditprepare: function () {
    migrate(settings, this, "node-input-");
    const show = () => {
      const command = $("#node-input-command").val();
      $("#pvs-command-type-row").toggle(command === "CheckFW");
      $("#pvs-command-serial-row").toggle(command === "DeviceDetails");
      $(".pvs-command-tip").hide();
      $("#pvs-command-tip-" + command).show();
    };
    $("#node-input-command").on("change", show);
    show();
  },
});
