// Runs the model the way pvs-device-list does, on fixtures or on a simulated site with a controlled clock.
import { SimulatedSite, SiteOptions } from "../../src/emulator/site";
import { analyzeDeviceList, DeviceListPayload } from "../../src/model/device-list-output";
import { legacyUnknowns, normalizeDeviceList } from "../../src/model/legacy-device-list";
import { SiteMemory } from "../../src/model/site-memory";
import { UnitSystem } from "../../src/model/units";

export function analyze(
  memory: SiteMemory,
  raw: { devices: Array<Record<string, unknown>> },
  unitSystem: UnitSystem = "pvs",
): DeviceListPayload {
  const list = normalizeDeviceList(raw);
  return analyzeDeviceList(list, {
    memory,
    unknowns: legacyUnknowns(raw),
    storage: null,
    now: list.time ? Date.parse(list.time) : 0,
    unitSystem,
  });
}

/** Polls a simulated site every `stepMs` from `start`, `polls` times; returns the last payload. */
export function simulate(
  options: Partial<SiteOptions>,
  start: number,
  polls: number,
  stepMs = 120_000,
  edit?: (raw: { devices: Array<Record<string, unknown>> }, i: number) => void,
) {
  let now = start;
  const site = new SimulatedSite({
    inverters: 20,
    longitude: -117,
    serial: "ZT01234567890ABCDE",
    now: () => now,
    ...options,
  });
  const memory = SiteMemory.create();
  const outputs: DeviceListPayload[] = [];
  for (let i = 0; i < polls; i++) {
    const raw = site.deviceList();
    edit?.(raw, i);
    outputs.push(analyze(memory, raw));
    now += stepMs;
  }
  return { last: outputs[outputs.length - 1], outputs, memory };
}
