// The emulated firmware's version strings, one table for both APIs: the legacy SWVER, supervisor/info's BUILD
// (PVS6 only) and FWVER, the supervisor's HWVER, and the varserver's `/sys/info/sw_rev`.

/** A firmware's version strings: legacy SWVER, supervisor/info BUILD (PVS6 only) and varserver sw_rev. */
export interface Build {
  swver: string;
  build: number | null;
  swRev: string;
}

/** What decides the version strings: the model, the PVS6 field-set era, and new (LocalAPI) firmware. */
export interface FirmwareIdentity {
  model: "PVS6" | "PVS5";
  firmware: "2019" | "2024";
  localApi: boolean;
}

export function firmwareBuild({ model, firmware, localApi }: FirmwareIdentity): Build {
  if (localApi)
    return model === "PVS5"
      ? { swver: "2025.11, Build 5412", build: null, swRev: "0.0.25.5412" }
      : // sw_rev as a real 61846 unit reports it (test/fixtures/corpus/ksmooove__SunPower-Monitoring/vars-sw-rev.json).
        { swver: "2025.10, Build 61846", build: 61846, swRev: "2025.10.20.61846" };
  // The one public legacy PVS5 DeviceList (krbaker/hass-sunpower#46) shows "2022.6, Build 5214" and HWVER "3.5".
  if (model === "PVS5") return { swver: "2022.6, Build 5214", build: null, swRev: "0.0.22.5214" };
  return firmware === "2019"
    ? { swver: "2019.5, Build 4150", build: 4150, swRev: "2019.05.08.4150" }
    : { swver: "2024.6, Build 61707", build: 61707, swRev: "2024.06.18.61707" };
}

/**
 * HWVER of the supervisor: "3.5" on the PVS5 (see firmwareBuild); "6.0" on the 2019 build 4150 answers, "6.02" on
 * every later PVS6 capture (builds 61707, 61839: test/fixtures/corpus smcneece__ha-esunpower/dl_cgi.json,
 * cmalek__sungazer/DeviceList.json).
 */
export function hardwareVersion(model: "PVS6" | "PVS5", firmware: "2019" | "2024" = "2024"): string {
  if (model === "PVS5") return "3.5";
  return firmware === "2019" ? "6.0" : "6.02";
}

/**
 * The coprocessor and meter versions supervisor/info and Start add after BUILD on later PVS6 firmware; identical in
 * the real 61839 and 61846 answers (test/fixtures/corpus cmalek__sungazer/Start.json,
 * ksmooove__SunPower-Monitoring/supervisor-info.json). The 2019 answer (build 4150) has none of them, nor BUILD;
 * no public PVS5 answer shows them.
 */
export const COPROCESSOR_VERSIONS = {
  SCVER: 1630652920,
  EASICVER: 131329,
  SCBUILD: 1188,
  WNSERIAL: 16,
  WNMODEL: 400,
  WNVER: 3000,
} as const;

/** FWVER of supervisor/info. */
export function fwver(model: "PVS6" | "PVS5"): string {
  return model === "PVS5" ? "0.0.0" : "1.0.0";
}
