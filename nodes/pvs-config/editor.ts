// The pvs-config node in the editor: its settings, "Search the network", "Test connection", what the deployed node
// found, the connection it shares with other settings nodes on the same PVS, and the device names (editor.html).
import { deviceKind, listedDevices } from "../../src/editor/device-picker";
import { translator } from "../../src/editor/i18n";
import { setupSearch } from "../../src/editor/network-search";
import { migrate, orDefault } from "../../src/editor/settings";
import { fingerprint, port, range, requiredHost } from "../../src/editor/validators";
import type { DeployedInfo, FoundPvs, InfoAnswer, SharedAnswer, TestAnswer } from "../../src/node-red/admin-api";
import { normalizeFingerprint } from "../../src/model/fingerprint";
import { defaultPort } from "../../src/settings/address";
import { currentVersion } from "../../src/settings/node-settings";
import { HOST_REQUIRED_VERSION, PvsConfigProps, PVS_CONFIG_SETTINGS } from "./settings";

const t = translator("pvs-config");
const settings = PVS_CONFIG_SETTINGS;
const inRange = (min: number, max: number) =>
  orDefault(range(min, max, () => t("pvs-config.errors.range", { min, max })));
const isPort = orDefault(port(() => t("pvs-config.errors.port")));

/** What the runtime answers about the PVS: its test of the form's settings, or what the deployed node found. */
type Found = Partial<Pick<FoundPvs, "model" | "build" | "serial">>;
type Props = EditorNode & PvsConfigProps;

/** "Model · build · API · serial", the parts that are known. */
function foundText(found: Found, api: string): string {
  const parts = [
    found.model || "PVS",
    found.build ? t("pvs-config.found.build", { build: found.build }) : null,
    api,
    found.serial ? t("pvs-config.found.serial", { serial: found.serial }) : null,
  ];
  return parts.filter(Boolean).join(" · ");
}

// "Test connection": asks the PVS with the settings in the form, through the runtime.
function setupTest(node: Props): void {
  const result = $("#pvs-config-test-result");
  $("#pvs-config-test").on("click", function (e) {
    e.preventDefault();
    const form: Partial<Record<keyof PvsConfigProps | "password", unknown>> = {};
    const fields: Array<keyof PvsConfigProps | "password"> = [
      "host",
      "api",
      "port",
      "protocol",
      "localPort",
      "timeout",
      "minSpacing",
      "deviceListEvery",
      "fingerprint",
      "password",
    ];
    fields.forEach((name) => {
      form[name] = $("#node-config-input-" + name).val();
    });
    const button = $(this).prop("disabled", true);
    result.removeClass("pvs-test-ok pvs-test-failed").text(t("pvs-config.test.running"));
    $.ajax({
      url: "pvs-config/" + encodeURIComponent(node.id) + "/test",
      method: "POST",
      contentType: "application/json",
      data: JSON.stringify(form),
    })
      .done((r: TestAnswer) => {
        if (r.ok) {
          const api = r.api === "localapi" ? "LocalAPI" : t("pvs-config.found.legacy");
          const devices = t("pvs-config.test.devices", {
            total: r.devices.total,
            inverters: r.devices.inverters,
            meters: r.devices.meters,
          });
          result.addClass("pvs-test-ok").text("✓ " + foundText(r, api) + " · " + devices);
        } else {
          result
            .addClass("pvs-test-failed")
            .text("✗ " + t("pvs-config.test.failed", { code: r.code, message: r.message }));
        }
      })
      .fail((xhr) => {
        const reason =
          xhr.status === 429
            ? t("pvs-config.test.busy")
            : (xhr.responseJSON && xhr.responseJSON.error) || xhr.statusText;
        result.addClass("pvs-test-failed").text("✗ " + reason);
      })
      .always(() => button.prop("disabled", false));
  });
}

// "Download diagnostics": the deployed node's redacted answer log as a file (fetched with the editor's own
// authentication, then saved), which `pvs-emulator --replay` serves again.
function setupDiagnostics(node: Props): void {
  const result = $("#pvs-config-diagnostics-result");
  $("#pvs-config-diagnostics").on("click", function (e) {
    e.preventDefault();
    const button = $(this).prop("disabled", true);
    const keep = $("#pvs-config-diagnostics-keep").is(":checked") ? "?keepSerials=1" : "";
    result.text("");
    $.ajax({
      url: "pvs-config/" + encodeURIComponent(node.id) + "/diagnostics" + keep,
      method: "GET",
      dataType: "text",
    })
      .done((text: string, _status: string, xhr: JQuery.jqXHR) => {
        const name = /filename="([^"]+)"/.exec(xhr.getResponseHeader("Content-Disposition") || "");
        const link = document.createElement("a");
        link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
        link.download = name ? name[1] : "pvs-diagnostics.json";
        document.body.appendChild(link);
        link.click();
        setTimeout(() => {
          URL.revokeObjectURL(link.href);
          link.remove();
        }, 1000);
      })
      .fail((xhr: JQuery.jqXHR) => {
        result.text(
          "✗ " +
            (xhr.status === 404
              ? t("pvs-config.diagnostics.notDeployed")
              : (xhr.responseJSON && xhr.responseJSON.error) || xhr.statusText),
        );
      })
      .always(() => button.prop("disabled", false));
  });
}

// Device names: one row per serial; the devices of this PVS's last poll are offered with their type.
function setupLabels(node: Props): void {
  const list = $("#pvs-config-labels")
    .css("min-height", "120px")
    .editableList({
      removable: true,
      sortable: false,
      addItem: (row, _index, data) => {
        row.css({ display: "flex", gap: "6px", alignItems: "center" });
        $('<input type="text" class="pvs-label-serial" style="width: 40%; font-family: monospace;">')
          .attr("placeholder", t("pvs-config.labels.serial"))
          .val(data.serial || "")
          .appendTo(row);
        $('<input type="text" class="pvs-label-name" maxlength="64" style="flex: 1;">')
          .attr("placeholder", data.hint || t("pvs-config.labels.name"))
          .val(data.label || "")
          .appendTo(row);
      },
    });
  const labels = node.labels || {};
  const shown: Record<string, boolean> = {};
  Object.keys(labels).forEach((serial) => {
    shown[serial] = true;
    list.editableList("addItem", { serial, label: labels[serial] });
  });
  listedDevices().done((answer) => {
    answer.pvs
      .filter((p) => p.id === node.id)
      .forEach((p) => {
        p.devices.forEach((d) => {
          if (shown[d.serial]) return;
          shown[d.serial] = true;
          list.editableList("addItem", { serial: d.serial, label: "", hint: deviceKind(d, " · ") });
        });
      });
  });
}

// The other settings nodes on this PVS (one connection for all) and what the PVS gets from them.
function showShared(shared: SharedAnswer | null | undefined): void {
  if (!shared) return;
  let text =
    shared.others.length === 0
      ? t("pvs-config.shared.alone")
      : t("pvs-config.shared.with", {
          count: shared.others.length,
          names: shared.others.map((o) => o.name).join(", "),
        });
  const e = shared.effective;
  text +=
    ". " +
    t("pvs-config.shared.effective", { spacing: e.minSpacing, timeout: e.timeout, deviceListEvery: e.deviceListEvery });
  // The API and the pin in effect are named only where the members disagree on them (a fixed API over Detect, a
  // pin over none; else the first deployed member's).
  if (shared.disagree.includes("api") && e.api)
    text += ", " + t("pvs-config.shared.api", { api: t("pvs-config.api." + e.api) });
  if (shared.disagree.includes("fingerprint") && e.fingerprint)
    text += ", " + t("pvs-config.shared.pinned", { fingerprint: e.fingerprint });
  if (shared.disagree.length) {
    text +=
      " (" +
      t("pvs-config.shared.disagree", {
        settings: shared.disagree.map((d) => t("pvs-config.label." + d)).join(", "),
      }) +
      ")";
  }
  if (shared.nowAt) text += ". " + t("pvs-config.shared.nowAt", { address: shared.nowAt });
  $("#pvs-config-shared").text(text);
  $("#pvs-config-shared-row").show();
}

// The request budget (what the PVS received in the last hour) and whether it is being left alone.
function showRequests(info: DeployedInfo): void {
  const budget = info.budget;
  if (!budget) return;
  let text = t("pvs-config.budget.none");
  if (budget.requests > 0 && budget.durationMs) {
    const durationMs = budget.durationMs;
    const kinds = Object.keys(budget.byKind)
      .map((k) => budget.byKind[k] + " " + k)
      .join(", ");
    text = t("pvs-config.budget.summary", {
      requests: budget.requests,
      kinds,
      average: (durationMs.average / 1000).toFixed(1),
      max: (durationMs.max / 1000).toFixed(1),
      failed: budget.failed,
    });
  }
  const health = info.health;
  if (health && health.state !== "ok" && health.lastError) {
    const at = health.retryAt ? new Date(health.retryAt).toLocaleTimeString() : "";
    text +=
      " · " +
      t(health.state === "open" ? "pvs-config.budget.open" : "pvs-config.budget.backingOff", {
        time: at,
        error: health.lastError.message,
        count: health.failuresInARow,
      });
  }
  const pace = info.pace;
  if (pace) {
    const next = pace.devices.nextRead ? new Date(pace.devices.nextRead).toLocaleTimeString() : "–";
    const usual = pace.usualMs === null ? "–" : (pace.usualMs / 1000).toFixed(1);
    text += " · " + t("pvs-config.pace." + pace.state, { factor: pace.factor, usual, next });
  }
  $("#pvs-config-requests").text(text);
}

// What the deployed node found: API, model, build, masked serial, the certificate it was shown.
function showFound(node: Props): void {
  const found = $("#pvs-config-found");
  const pin = $("#pvs-config-pin").hide();
  $.getJSON("pvs-config/" + encodeURIComponent(node.id) + "/info")
    .done((info: InfoAnswer) => {
      if (!info.deployed) {
        found.text(t("pvs-config.found.notDeployed"));
        return;
      }
      showRequests(info);
      showShared(info.shared);
      if (!info.api) {
        found.text(t("pvs-config.found.notYet"));
        return;
      }
      found.text(foundText(info, info.api === "localapi" ? "LocalAPI (HTTPS)" : t("pvs-config.found.legacy")));
      const certificate = info.certificate;
      if (certificate) {
        $("#pvs-config-certificate").text(certificate);
        $("#pvs-config-certificate-row").show();
        const pinned = normalizeFingerprint(String($("#node-config-input-fingerprint").val()));
        if (pinned !== normalizeFingerprint(certificate)) pin.show();
        pin.off("click").on("click", (e) => {
          e.preventDefault();
          $("#node-config-input-fingerprint").val(certificate).trigger("change");
          pin.hide();
        });
      }
    })
    .fail(() => found.text(t("pvs-config.found.unavailable")));
}

RED.nodes.registerType<PvsConfigProps>("pvs-config", {
  category: "config",
  defaults: {
    name: { value: settings.defaults.name },
    settingsVersion: { value: currentVersion(settings) },
    host: {
      value: settings.defaults.host,
      validate: requiredHost(
        () => t("pvs-config.errors.host"),
        () => t("pvs-config.errors.noHost"),
        HOST_REQUIRED_VERSION,
      ),
    },
    api: { value: settings.defaults.api },
    port: { value: settings.defaults.port, validate: isPort },
    protocol: { value: settings.defaults.protocol },
    localPort: { value: settings.defaults.localPort, validate: isPort },
    // Added after the first release: a flow saved before has none, which means the default.
    telemetryPort: { value: settings.defaults.telemetryPort, validate: isPort },
    fingerprint: {
      value: settings.defaults.fingerprint,
      validate: orDefault(fingerprint(() => t("pvs-config.errors.fingerprint"))),
    },
    timeout: { value: settings.defaults.timeout, validate: inRange(1, 600) },
    minSpacing: { value: settings.defaults.minSpacing, validate: inRange(0, 3600) },
    deviceListEvery: { value: settings.defaults.deviceListEvery, validate: inRange(0, 86400) },
    labels: { value: settings.defaults.labels },
    follow: { value: settings.defaults.follow },
    allowBatteryControl: { value: settings.defaults.allowBatteryControl },
  },
  credentials: {
    password: { type: "password" },
  },
  label: function () {
    return this.name || (this.host || "PVS") + ":" + (this.port || defaultPort(this.protocol));
  },
  oneditsave: function () {
    // Device names: the rows with a name, by serial.
    const labels: Record<string, string> = {};
    $("#pvs-config-labels")
      .editableList("items")
      .each(function () {
        const serial = String($(this).find(".pvs-label-serial").val()).trim();
        const label = String($(this).find(".pvs-label-name").val()).trim();
        if (serial && label) labels[serial] = label;
      });
    this.labels = labels;
  },
  oneditresize: function (size) {
    let height = size.height;
    $("#dialog-form>div:not(.node-input-labels-row)").each(function () {
      height -= $(this).outerHeight(true) || 0;
    });
    $("#pvs-config-labels").editableList("height", Math.max(120, height - 40));
  },
  oneditprepare: function () {
    migrate(settings, this, "node-config-input-");
    // The port follows the protocol while it is the other protocol's default; a port of one's own stays.
    $("#node-config-input-protocol").on("change", function () {
      const port = $("#node-config-input-port");
      const protocol = $(this).val();
      if (port.val() === String(defaultPort(protocol === "https" ? "http" : "https"))) port.val(defaultPort(protocol));
    });
    setupSearch();
    setupTest(this);
    setupDiagnostics(this);
    setupLabels(this);
    showFound(this);
  },
});
