// Local days are the Node-RED host's: specs that count energy per local day fix the zone for their suite.

/** Runs the enclosing describe block in time zone `tz` (America/Los_Angeles has daylight saving), restored after. */
export function inTimeZone(tz: string): void {
  const saved = process.env.TZ;
  before(() => {
    process.env.TZ = tz;
  });
  after(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
}
