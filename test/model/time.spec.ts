import assert from "assert";
import { parseEpochSeconds, parsePvsTime } from "../../src/model/time";

describe("model/time", () => {
  it("reads the PVS's UTC stamp as ISO-8601 UTC, whatever the host's time zone", () => {
    assert.strictEqual(parsePvsTime("2019,05,11,16,53,53"), "2019-05-11T16:53:53.000Z");
    assert.strictEqual(parsePvsTime("2025,3,9,23,54,18"), "2025-03-09T23:54:18.000Z");
  });

  it("returns null rather than a rolled-over date for impossible stamps", () => {
    for (const bad of [
      "2019,13,11,16,53,53",
      "2019,02,30,00,00,00",
      "2019,05,11,24,00,00",
      "",
      "nan",
      "2019-05-11T16:53:53Z",
      null,
      42,
    ]) {
      assert.strictEqual(parsePvsTime(bad), null, String(bad));
    }
  });

  it("reads epoch seconds given as a string or number", () => {
    assert.strictEqual(parseEpochSeconds("1557210800"), "2019-05-07T06:33:20.000Z");
    assert.strictEqual(parseEpochSeconds(1557210800), "2019-05-07T06:33:20.000Z");
    assert.strictEqual(parseEpochSeconds(""), null);
    assert.strictEqual(parseEpochSeconds("soon"), null);
  });
});
