// pvs-config's "Search the network" button in the editor: asks the runtime's discover route and lists the PVS units
// that answered mDNS, each with a button that fills Host and the API (nodes/pvs-config/editor.html).
import { translator } from "./i18n";
import type { DiscoverAnswer, DiscoveredUnit } from "../node-red/admin-api";

const t = translator("pvs-config");

/** Wires the button; the units found are listed under it. */
export function setupSearch(): void {
  const result = $("#pvs-config-search-result");
  $("#pvs-config-search").on("click", function (e) {
    e.preventDefault();
    const button = $(this).prop("disabled", true);
    const label = button.find("span").text(t("pvs-config.search.running"));
    result.empty().css("display", "inline-block");
    $.getJSON("pvs-config/discover")
      .done((answer: DiscoverAnswer) => {
        if (answer.units.length === 0) result.text(t("pvs-config.search.none"));
        answer.units.forEach((unit) => result.append(unitRow(unit)));
      })
      .fail((xhr: JQuery.jqXHR) => {
        const reason =
          xhr.status === 429
            ? t("pvs-config.search.busy")
            : (xhr.responseJSON && xhr.responseJSON.error) || xhr.statusText;
        result.text("✗ " + reason);
      })
      .always(() => {
        button.prop("disabled", false);
        label.text(t("pvs-config.search.button"));
      });
  });
}

/** "Model · address · serial · firmware · API" and a Use button; all as text, as it came from the network. */
function unitRow(unit: DiscoveredUnit): JQuery {
  const address = unit.addresses.find((a) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a)) || unit.addresses[0] || "";
  const api =
    unit.api === "localapi"
      ? "LocalAPI"
      : unit.api === "legacy"
        ? t("pvs-config.found.legacy")
        : t("pvs-config.search.apiUnknown");
  const firmware = unit.version
    ? t("pvs-config.search.firmware", { version: unit.version })
    : unit.build
      ? t("pvs-config.found.build", { build: unit.build })
      : null;
  const parts = [unit.model, address, t("pvs-config.found.serial", { serial: unit.serial }), firmware, api];
  const use = $('<button type="button" class="red-ui-button red-ui-button-small pvs-search-use">')
    .text(t("pvs-config.search.use"))
    .on("click", (e) => {
      e.preventDefault();
      $("#node-config-input-host").val(address).trigger("change");
      if (unit.api) $("#node-config-input-api").val(unit.api).trigger("change");
      // The announced port is the legacy HTTP one; a real PVS announces 80, the emulator its own.
      if (unit.port !== 80) {
        $("#node-config-input-protocol").val("http");
        $("#node-config-input-port").val(unit.port).trigger("change");
      }
    });
  return $('<div class="pvs-search-unit" style="margin: 2px 0;">').append(
    use,
    $("<span>").text(" " + parts.filter(Boolean).join(" · ")),
  );
}
