// The publication delay of a real PVS: device values are stamped on a 5-minute grid and become visible only
// some time after their stamp (265 s and 502 s behind `/sys/livedata/time` in two captures,
// test/fixtures/corpus/PROVENANCE.md). With it, the meters' and inverters' records of both APIs stay as they
// were published until the next stamp is due: a client that reads more often sees the same values again, and
// is not told when the next ones come. The supervisor's own record, livedata and telemetry stay live.
import { LegacyDevice, pvsTime } from "./legacy-answers";
import { isoFromPvsTime } from "./vars";

const GRID_MS = 5 * 60_000;
/** The delay of the build 61846 capture (ksmooove/SunPower-Monitoring fixtures/pvs6: 15:10:00Z at 15:14:25Z). */
export const DEFAULT_PUBLICATION_DELAY_S = 265;

export class Publication {
  private published: { stamp: number; bySerial: Map<string, LegacyDevice> } | null = null;

  constructor(private readonly delayMs: number) {}

  /** The devices as published at `t`: each meter and inverter as it was when the stamp in force was made. */
  view(t: number, devices: readonly LegacyDevice[]): LegacyDevice[] {
    const stamp = Math.floor((t - this.delayMs) / GRID_MS) * GRID_MS;
    if (!this.published || stamp > this.published.stamp) this.published = { stamp, bySerial: freeze(devices, stamp) };
    const { bySerial } = this.published;
    return devices.map((d) => (d.DEVICE_TYPE === "PVS" ? d : (bySerial.get(String(d.SERIAL)) ?? d)));
  }
}

function freeze(devices: readonly LegacyDevice[], stamp: number): Map<string, LegacyDevice> {
  const out = new Map<string, LegacyDevice>();
  for (const d of devices) {
    if (d.DEVICE_TYPE === "PVS" || d.SERIAL === undefined) continue;
    const copy: LegacyDevice = { ...d };
    // A device that stopped reporting (an inverter after sunset) keeps its older stamp.
    const own = typeof d.DATATIME === "string" ? Date.parse(isoFromPvsTime(d.DATATIME)) : NaN;
    if (d.DATATIME !== undefined && !(own < stamp)) copy.DATATIME = pvsTime(stamp);
    out.set(String(d.SERIAL), copy);
  }
  return out;
}
