// The pvs-inverter-split node in the editor: its settings, labels and edit dialog (template: editor.html).
import { setupDevicePicker } from "../../src/editor/device-picker";
import { translator } from "../../src/editor/i18n";
import { labelStyle } from "../../src/editor/pvs-selector";
import { migrate, orDefault } from "../../src/editor/settings";
import { noWildcards } from "../../src/editor/validators";
import { currentVersion } from "../../src/settings/node-settings";
import { PvsInverterSplitProps, PVS_INVERTER_SPLIT_SETTINGS } from "./settings";

const t = translator("pvs-inverter-split");
const settings = PVS_INVERTER_SPLIT_SETTINGS;
const prefixOk = noWildcards(() => t("pvs-inverter-split.errors.prefix"));

RED.nodes.registerType<PvsInverterSplitProps>("pvs-inverter-split", {
  category: "SunPower PVS",
  color: "#FDD0A2",
  defaults: {
    name: { value: settings.defaults.name },
    settingsVersion: { value: currentVersion(settings) },
    topicPrefixType: { value: settings.defaults.topicPrefixType },
    topicPrefix: {
      value: settings.defaults.topicPrefix,
      validate: orDefault(function (v, opt) {
        // Only a fixed string is a topic; msg, flow, global and env name where it comes from.
        const type = $("#node-input-topicPrefixType").length
          ? $("#node-input-topicPrefixType").val()
          : this.topicPrefixType || "str";
        return type !== "str" || prefixOk.call(this, v, opt);
      }),
    },
    splitInverters: { value: settings.defaults.splitInverters },
    splitMeters: { value: settings.defaults.splitMeters },
    splitSupervisor: { value: settings.defaults.splitSupervisor },
    splitOther: { value: settings.defaults.splitOther },
    outputMode: { value: settings.defaults.outputMode },
    serials: { value: settings.defaults.serials },
    outputs: { value: settings.defaults.outputs },
  },
  inputs: 1,
  outputs: 1,
  icon: "pvs-split.svg",
  paletteLabel: "device split",
  label: function () {
    return this.name || "pvs device split";
  },
  labelStyle,
  inputLabels: function () {
    return this._("pvs-inverter-split.label.inputLabel");
  },
  outputLabels: function (index) {
    if (this.outputMode !== "perType") return this._("pvs-inverter-split.label.outputSingle");
    return this._("pvs-inverter-split.label.output" + ["Inverters", "Meters", "Supervisor", "Other"][index]);
  },
  oneditprepare: function () {
    migrate(settings, this, "node-input-");
    $("#node-input-topicPrefix").typedInput({
      default: "str",
      typeField: "#node-input-topicPrefixType",
      types: ["str", "msg", "flow", "global", "env"],
    });
    // The device picker: every device the deployed PVS configurations listed in their last poll.
    setupDevicePicker($("#pvs-split-serials"), Array.isArray(this.serials) ? this.serials : [], () =>
      $("#pvs-split-serials-empty").show(),
    );
    $("#node-input-outputMode").typedInput({
      types: [
        {
          value: "mode",
          options: [
            { value: "single", label: this._("pvs-inverter-split.label.single") },
            { value: "perType", label: this._("pvs-inverter-split.label.perType") },
          ],
        },
      ],
    });
  },
  oneditsave: function () {
    const picked = $("#pvs-split-serials").val();
    this.serials = Array.isArray(picked) ? picked : [];
    $("#node-input-outputs").val($("#node-input-outputMode").typedInput("value") === "perType" ? 4 : 1);
    this.outputs = Number($("#node-input-outputs").val());
  },
});
