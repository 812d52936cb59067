// pvs-config's admin HTTP routes, which the editor asks (answers typed in src/node-red/admin-api.ts): the devices
// of the last polls, "Search the network", "Test connection", what a deployed node found, and
// "Download diagnostics". Each checks the
// editor user's permission (RED.auth.needsPermission) before anything else.
import type { Request, Response } from "express";
import { NodeAPI } from "node-red";
import { AdminError, DevicesAnswer, DiscoverAnswer, InfoAnswer, TestAnswer } from "../../src/node-red/admin-api";
import { ConfigSettings, parseSettings } from "./connection-settings";
import { connectionKey, STORED_PASSWORD, storedPasswordRefusal, testConnection } from "./connection-test";
import { diagnosticsFile, diagnosticsFileName } from "./diagnostics-download";
import { searchNetwork } from "./network-search";
import { PvsConfigNode } from "../../src/node-red/types";

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function registerRoutes(RED: NodeAPI): void {
  const deployedConfig = (id: string): PvsConfigNode | null => {
    const found = RED.nodes.getNode(id) as PvsConfigNode | null;
    return found && found.type === "pvs-config" ? found : null;
  };
  RED.httpAdmin.get("/pvs-config/devices", RED.auth.needsPermission("pvs-config.read"), (_req, res) => {
    res.json(listedDevices(RED, deployedConfig));
  });
  RED.httpAdmin.get("/pvs-config/discover", RED.auth.needsPermission("pvs-config.read"), discoverRoute());
  RED.httpAdmin.post("/pvs-config/:id/test", RED.auth.needsPermission("pvs-config.write"), testRoute(deployedConfig));
  RED.httpAdmin.get("/pvs-config/:id/info", RED.auth.needsPermission("pvs-config.read"), (req, res) => {
    const id = String(req.params.id);
    if (!NODE_ID.test(id)) {
      res.status(400).json({ error: "bad node id" } satisfies AdminError);
      return;
    }
    res.json(info(deployedConfig(id)));
  });
  RED.httpAdmin.get(
    "/pvs-config/:id/diagnostics",
    RED.auth.needsPermission("pvs-config.read"),
    diagnosticsRoute(RED, deployedConfig),
  );
}

/** The device pickers: the devices every deployed PVS listed in its last poll (serials as outputs show them). */
function listedDevices(RED: NodeAPI, deployedConfig: (id: string) => PvsConfigNode | null): DevicesAnswer {
  const pvs: DevicesAnswer["pvs"] = [];
  RED.nodes.eachNode((def) => {
    const found = def.type === "pvs-config" ? deployedConfig(def.id) : null;
    if (found?.pvs) pvs.push({ id: found.id, name: found.name || found.endpoint, devices: found.pvs.devices() });
  });
  return { pvs };
}

/** "Search the network": one search at a time, as each one listens for 3 s and asks every unit found. */
function discoverRoute() {
  let searching = false;
  return (_req: Request, res: Response): void => {
    if (searching) {
      res.status(429).json({ error: "a search is already running" } satisfies AdminError);
      return;
    }
    searching = true;
    searchNetwork()
      .then((answer) => res.json(answer satisfies DiscoverAnswer))
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : "the search failed";
        res.status(500).json({ error: `the search failed: ${message}` } satisfies AdminError);
      })
      .finally(() => (searching = false));
  };
}

/**
 * "Test connection": the form's settings (the stored password when the form shows its placeholder, for the
 * deployed PVS only). Only the package's own read-only requests to that PVS can result; one test at a time.
 */
function testRoute(deployedConfig: (id: string) => PvsConfigNode | null) {
  let testing = false;
  return (req: Request, res: Response): void => {
    const id = String(req.params.id);
    const body: unknown = req.body;
    if (!NODE_ID.test(id) || typeof body !== "object" || body === null || Array.isArray(body)) {
      res.status(400).json({ error: "bad request" } satisfies AdminError);
      return;
    }
    if (testing) {
      res.status(429).json({ error: "a test is already running" } satisfies AdminError);
      return;
    }
    const form = body as ConfigSettings & { password?: unknown };
    const deployed = deployedConfig(id);
    const typed = typeof form.password === "string" ? form.password.trim() : "";
    const stored = typeof deployed?.credentials?.password === "string" ? deployed.credentials.password.trim() : "";
    const password = typed === STORED_PASSWORD ? stored || null : typed || null;
    const settings = parseSettings(form, password);
    if (!settings.options) {
      const code = settings.code ?? "PVS_BAD_CONFIG";
      res.json({ ok: false, code, message: settings.problems.join("; ") } satisfies TestAnswer);
      return;
    }
    const same = deployed?.pvs && deployed.connectionKey === connectionKey(settings.options) ? deployed.pvs : null;
    const refused = storedPasswordRefusal(typed, stored, same !== null, settings.endpoint);
    if (refused) {
      res.json(refused satisfies TestAnswer);
      return;
    }
    testing = true;
    testConnection(settings.options, same)
      .then((result) => res.json(result satisfies TestAnswer))
      .catch(() =>
        res.status(500).json({ ok: false, code: "PVS_INTERNAL", message: "the test failed" } satisfies TestAnswer),
      )
      .finally(() => (testing = false));
  };
}

/**
 * What a deployed pvs-config found: API, model, build, masked serial, certificate; `shared`: the other settings
 * nodes on this PVS and the settings the connection uses (the most protective).
 */
function info(found: PvsConfigNode | null): InfoAnswer {
  if (!found) return { deployed: false };
  const pvs = found.pvs;
  return {
    deployed: true,
    endpoint: found.endpoint,
    configError: found.configError,
    ...(pvs
      ? {
          ...pvs.info(),
          health: pvs.health(),
          budget: pvs.budget(),
          pace: pvs.client.pace.summary(),
          shared: found.shared(),
        }
      : {}),
  };
}

/** "Download diagnostics": what this PVS last said, redacted, as a file that the emulator replays. */
function diagnosticsRoute(RED: NodeAPI, deployedConfig: (id: string) => PvsConfigNode | null) {
  return (req: Request, res: Response): void => {
    const id = String(req.params.id);
    const found = NODE_ID.test(id) ? deployedConfig(id) : null;
    if (!found) {
      const error: AdminError = { error: NODE_ID.test(id) ? "not deployed" : "bad node id" };
      res.status(NODE_ID.test(id) ? 404 : 400).json(error);
      return;
    }
    diagnosticsFile(RED, found, req.query.keepSerials === "1")
      .then((file) => {
        res.setHeader("Content-Disposition", `attachment; filename="${diagnosticsFileName()}"`);
        res.setHeader("Cache-Control", "no-store");
        res.type("application/json").send(JSON.stringify(file, null, 1));
      })
      .catch(() => res.status(500).json({ error: "the diagnostics could not be built" } satisfies AdminError));
  };
}
