// Node-RED settings for the demo (npm start): local only, no telemetry prompt, no catalogue fetches.
module.exports = {
  uiHost: "127.0.0.1",
  flowFile: "flows.json",
  credentialSecret: "pvs-demo-only",
  telemetry: { enabled: false, updateNotification: false },
  diagnostics: { enabled: false, ui: false },
  editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
  logging: { console: { level: "info", metrics: false, audit: false } },
  functionExternalModules: false,
  // What pvs-device-list remembers (inverters seen, counters, today's energy) survives demo restarts.
  contextStorage: { default: { module: "localfilesystem" } },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
};
