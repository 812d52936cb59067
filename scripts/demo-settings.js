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
  // What pvs-device-list remembers (inverters seen, counters, today's energy) is kept on file during a run; the
  // demo empties it at each start, as its emulator's counters start afresh.
  contextStorage: { default: { module: "localfilesystem" } },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
};
