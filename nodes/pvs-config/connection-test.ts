// The editor's "Test connection": reads the device list with the settings in the form (not yet deployed)
// and says what it found, or why it failed. Through the deployed node's connection when the settings are the
// same (so its ration, back-off and session apply), else through a short-lived one that logs out after.
import { ConnectionOptions, PvsConnection } from "../../src/pvs/connection/connection";
import { toPvsError } from "../../src/pvs/http/errors";
import { TestAnswer } from "../../src/node-red/admin-api";

/** What the editor sends for a stored password it is not shown (Node-RED's credentials API: "unchanged"). */
export const STORED_PASSWORD = "__PWRD__";

/** A test must answer while the user waits in the editor; the PVS may still take longer for a real poll. */
const TEST_TIMEOUT_MS = 30_000;

/** What identifies a connection: two settings with the same key talk to the same PVS the same way. */
export function connectionKey(options: ConnectionOptions): string {
  const { api, protocol, host, port, localPort, fingerprint, password } = options;
  return JSON.stringify([api, protocol, host, port, localPort, fingerprint ?? null, password ?? null]);
}

/**
 * Why a test may not run with the stored password, or null when it may. The stored password is only used
 * through the deployed node's own connection, that is for its own PVS reached the same way (host, ports,
 * protocol, API and pinned certificate unchanged): a user who may edit flows must not be able to have it
 * sent to a host of their choosing. Elsewhere the password must be typed into the form.
 */
export function storedPasswordRefusal(
  typed: string,
  stored: string,
  throughDeployed: boolean,
  label: string,
): TestAnswer | null {
  if (typed !== STORED_PASSWORD || stored === "" || throughDeployed) return null;
  return {
    ok: false,
    code: "PVS_PASSWORD_NEEDED",
    message: `the stored password is only used for the deployed PVS, at its deployed host, ports and API: type the password to test ${label}`,
  };
}

export async function testConnection(options: ConnectionOptions, deployed: PvsConnection | null): Promise<TestAnswer> {
  const own = deployed === null;
  const timeoutMs = Math.min(options.timeoutMs, TEST_TIMEOUT_MS);
  const pvs =
    deployed ??
    new PvsConnection({
      ...options,
      timeoutMs,
      localApiTimeoutMs: Math.min(options.localApiTimeoutMs ?? timeoutMs, timeoutMs),
      backoffBaseMs: 0,
      // One reading of the form's settings: tests Host itself, never an address found elsewhere.
      follow: false,
    });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs + 1000);
  const started = Date.now();
  try {
    const reading = await pvs.readDeviceList(controller.signal, "reuse");
    const info = pvs.info();
    const devices = reading.list.devices;
    return {
      ok: true,
      api: info.api,
      model: info.model,
      build: info.build,
      serial: info.serial,
      devices: {
        total: devices.length,
        inverters: reading.list.inverters.length,
        meters: devices.filter((d) => d.category === "meter").length,
      },
      durationMs: Date.now() - started,
    };
  } catch (err) {
    const error = toPvsError(err);
    const aborted = error.code === "PVS_ABORTED";
    return {
      ok: false,
      code: aborted ? "PVS_TIMEOUT" : error.code,
      message: aborted ? `no answer within ${Math.round(timeoutMs / 1000)} s` : pvs.redact(error.message),
    };
  } finally {
    clearTimeout(timer);
    if (own) await pvs.close();
  }
}
