// The emulated sun and household load: solar time from a longitude, daylight as a fraction of peak, the load's
// daily shape. Pure functions of the clock.

const HOUR_MS = 3_600_000;

/**
 * The longitude whose solar time is this machine's local time (solar noon at local 12:00, 13:00 in summer time),
 * so that a demo has daylight while its user does, wherever they are. Degrees east, from the time-zone offset.
 */
export function localLongitude(t: number = Date.now()): number {
  const degrees = -new Date(t).getTimezoneOffset() / 4;
  return Math.max(-180, Math.min(180, degrees));
}

/** Fraction of peak output at epoch ms `t` (0 at night). */
export function sunFactor(t: number, longitude: number): number {
  const { hour, sunrise, dayLength } = solarClock(t, longitude);
  if (hour <= sunrise || hour >= sunrise + dayLength) return 0;
  const shape = Math.sin((Math.PI * (hour - sunrise)) / dayLength) ** 1.2;
  const haze = 1 - 0.04 * (1 + Math.sin(t / 900_000)); // slow, smooth variation so charts move
  return shape * haze;
}

function solarClock(t: number, longitude: number): { hour: number; sunrise: number; dayLength: number } {
  const d = new Date(t);
  const dayOfYear = Math.floor((t - Date.UTC(d.getUTCFullYear(), 0, 1)) / (24 * HOUR_MS));
  const dayLength = 12 + 2 * Math.sin((2 * Math.PI * (dayOfYear - 80)) / 365);
  const utcHour = d.getUTCHours() + d.getUTCMinutes() / 60 + d.getUTCSeconds() / 3600;
  const hour = (((utcHour + longitude / 15) % 24) + 24) % 24;
  return { hour, sunrise: 12 - dayLength / 2, dayLength };
}

/** Epoch ms of the most recent sunset before `t` (when inverters froze their data). */
export function lastSunset(t: number, longitude: number): number {
  const { hour, sunrise, dayLength } = solarClock(t, longitude);
  const sunset = sunrise + dayLength;
  const hoursSince = hour >= sunset ? hour - sunset : hour + 24 - sunset;
  return t - hoursSince * HOUR_MS;
}

/** The household load's slow wave: 0.1 kW × sin(t / LOAD_WAVE_MS), so that charts and live values move. */
export const LOAD_WAVE_MS = 420_000;

/** Household load in kW: a base load, a morning and an evening peak. */
export function loadKw(t: number, longitude: number): number {
  const { hour } = solarClock(t, longitude);
  const bump = (center: number, width: number, height: number) => height * Math.exp(-(((hour - center) / width) ** 2));
  return 0.45 + bump(7.5, 1.2, 0.9) + bump(19, 2, 1.6) + 0.1 * Math.sin(t / LOAD_WAVE_MS);
}
