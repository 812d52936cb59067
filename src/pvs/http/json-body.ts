// What every PVS answer body goes through before its API's own checks: empty, HTML and non-JSON bodies
// become PvsErrors that say what came instead.
import { PvsError } from "./errors";

/** Parses a body as JSON; `redact` masks secrets in the excerpt quoted in the error. */
export function parseJsonBody(text: string, redact: (text: string) => string = (t) => t): unknown {
  const body = text.trim();
  if (body === "") throw new PvsError("PVS_NOT_JSON", "PVS sent an empty answer");
  if (body.startsWith("<")) throw new PvsError("PVS_HTML_RESPONSE", "PVS sent an HTML page instead of JSON");
  try {
    return JSON.parse(body);
  } catch {
    throw new PvsError(
      "PVS_NOT_JSON",
      `PVS sent an answer that is not JSON (${body.length} bytes, starts "${redact(body.slice(0, 64)).slice(0, 24)}")`,
    );
  }
}
