// 9. Pace: how often device data is read against how often it is new. An emulated site (src/emulator, with the
// publication delay a real PVS has and the client is not told: 265 s after each 5-minute stamp) over a simulated
// day from midnight at -117° (a night on each side), read by four policies: this package's pace (reads when the
// PVS has news, probes a late change, a slow watch at night) with the default interval (900 s, "at least this
// often") and an old flow's 120 s; today's fixed beat of 120 s; a fixed 10 s reader (pypvs-style); a fixed
// 300 s reader (ha-esunpower style). Each read is one device-data read (on the LocalAPI the devices group).
// The policies' decisions are the package's own (src/pvs/schedule); the clock is simulated, no HTTP.
// Then a struggling PVS: answer times x5 for an hour, requests in that hour against the hour before.
//
//   node --require tsx/cjs bench/pace.ts [--quick]
import { SimulatedSite } from "../src/emulator/site";
import { normalizeDeviceList } from "../src/model/legacy-device-list";
import { Pace } from "../src/pvs/schedule/pace";
import { figure, Figure, isQuick, runBench } from "./support/report";

const DELAY_S = 265;
const GRID_MS = 300_000;
const DAY0 = Date.UTC(2026, 5, 21, 8, 0, 0); // local midnight at -117°
const USUAL_MS = 300;

type Policy = { name: string; next(pace: Pace, last: number): number };

const fixed = (name: string, s: number): Policy => ({ name, next: (_p, last) => last + s * 1000 });
const paced = (name: string, s: number): Policy => ({
  name,
  next: (pace, last) => Math.max(last + 5000, pace.nextReadAt("devices", last, last + s * 1000, last)),
});

interface Outcome {
  reads: number;
  news: number;
  ages: number[];
  struggleReads: number;
  calmReads: number;
  /** Reads in the hour from 30 minutes after the struggle ended. */
  afterReads: number;
}

function run(policy: Policy, hours: number, struggleFrom: number | null): Outcome {
  let now = DAY0;
  const delayed = new SimulatedSite({
    inverters: 4,
    longitude: -117,
    serial: "ZT0123456789",
    now: () => now,
    publicationDelayS: DELAY_S,
  });
  const pace = new Pace();
  const out: Outcome = { reads: 0, news: 0, ages: [], struggleReads: 0, calmReads: 0, afterReads: 0 };
  let lastStamp = 0;
  const end = DAY0 + hours * 3600_000;
  while (now < end) {
    const struggling = struggleFrom !== null && now >= struggleFrom && now < struggleFrom + 3600_000;
    if (struggleFrom !== null && now >= struggleFrom - 3600_000 && now < struggleFrom) out.calmReads++;
    if (struggling) out.struggleReads++;
    const after = struggleFrom === null ? -1 : now - (struggleFrom + 5400_000);
    if (after >= 0 && after < 3600_000) out.afterReads++;
    out.reads++;
    pace.noteAnswer(struggling ? USUAL_MS * 5 : USUAL_MS, "ok", now);
    const devices = normalizeDeviceList(delayed.deviceList()).devices;
    const stamp = Math.max(
      0,
      ...devices.map((d) => (d.deviceType !== "PVS" && d.dataTime ? Date.parse(d.dataTime) : 0)),
    );
    if (stamp > lastStamp && stamp % GRID_MS === 0) {
      lastStamp = stamp;
      out.news++;
      out.ages.push((now - (stamp + DELAY_S * 1000)) / 1000);
    }
    pace.noteDevices(devices, now);
    now = Math.max(now + 1, policy.next(pace, now));
  }
  return out;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

runBench(async () => {
  const hours = isQuick() ? 6 : 24;
  const policies = [
    paced("this package, interval 900 s (default)", 900),
    paced("this package, interval 120 s", 120),
    fixed("today's fixed beat, 120 s", 120),
    fixed("fixed 10 s (pypvs-style)", 10),
    fixed("fixed 300 s (ha-esunpower style)", 300),
  ];
  const rows: Array<Array<string | number>> = [];
  for (const p of policies) {
    const o = run(p, hours, null);
    rows.push([
      p.name,
      o.reads,
      o.news,
      +(o.reads / Math.max(1, o.news)).toFixed(2),
      quantile(o.ages, 0.5),
      quantile(o.ages, 0.95),
    ]);
  }
  const ours = run(policies[0], hours, null);
  const today = run(policies[2], hours, null);
  const noon = DAY0 + 11 * 3600_000;
  const strained = run(policies[0], Math.min(hours, 15), isQuick() ? DAY0 + 3 * 3600_000 : noon);
  const figures: Figure[] = [
    figure("device reads per new reading (interval 900 s)", ours.reads / Math.max(1, ours.news), "requests", {
      baseline: today.reads / Math.max(1, today.news),
      target: "<= 1.2",
      met: ours.reads / Math.max(1, ours.news) <= 1.2,
    }),
    figure("median age of a new reading at the flow", quantile(ours.ages, 0.5), "s", {
      target: "<= 30 s",
      met: quantile(ours.ages, 0.5) <= 30,
    }),
    figure(`device reads in ${hours} h, nights included`, ours.reads, "requests", {
      baseline: today.reads,
      target: "<= 1/3 of today's fixed beat",
      met: ours.reads * 3 <= today.reads,
    }),
    figure("reads in an hour of answers x5, against the hour before", strained.struggleReads, "requests", {
      baseline: strained.calmReads,
      target: "<= half",
      met: strained.struggleReads * 2 <= strained.calmReads,
    }),
    figure(
      "reads in the hour from 30 min after the struggle, against the hour before it",
      strained.afterReads,
      "requests",
      {
        baseline: strained.calmReads,
        target: "back to the calm pace (>= 90 %)",
        met: strained.afterReads >= 0.9 * strained.calmReads,
      },
    ),
  ];
  return {
    name: "pace",
    figures,
    detail: {
      title: `Device data over ${hours} h from midnight, published ${DELAY_S} s after each 5-minute stamp`,
      head: ["policy", "reads", "new readings", "reads per new reading", "age median (s)", "age p95 (s)"],
      rows,
    },
  };
});
