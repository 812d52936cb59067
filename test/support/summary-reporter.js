// Mocha's spec output, then a closing "N passed, N failed" line that CI reads. With PVS_TEST_SUMMARY set,
// the counts are also written there so that scripts/test.js can add up several runs.
"use strict";
const fs = require("fs");
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    runner.on("pass", () => passed++);
    runner.on("fail", () => failed++);
    runner.once("end", () => {
      if (process.env.PVS_TEST_SUMMARY)
        fs.writeFileSync(process.env.PVS_TEST_SUMMARY, JSON.stringify({ passed, failed }));
      process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
    });
  }
}

module.exports = SummaryReporter;
