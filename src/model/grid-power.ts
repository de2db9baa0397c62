/**
 * Signed grid power (pure): import − export in W, positive while drawing from the grid, negative while feeding
 * in. This is what Home Assistant's energy dashboard ("Standard" grid power) and battery controllers or meter
 * emulators steer on. Computed here once and used by MQTT (state JSON, HA entity, `<base>/<meter>/grid_power`)
 * and the HTTP API / dashboard.
 *
 * Only for meters that send BOTH powers (`power_import_w` and `power_export_w`, already in W: the decoder
 * normalises kW): a meter sending only one of them says nothing about the other direction, and 0 for the
 * missing one would be a guess. The difference is decimal-exact (230.5 − 0.1 = 230.4, never 230.39999999999998).
 */
import type { MeterSnapshot, Reading } from './snapshot.js';
import { numberValue } from './snapshot.js';

export const GRID_POWER_KEY = 'grid_power_w';

/** Digits after the decimal point of a finite number as JavaScript prints it (exponent form handled). */
function decimals(n: number): number {
  const [mantissa = '', exp = '0'] = String(n).toLowerCase().split('e');
  const frac = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, frac - Number(exp));
}

/** a − b without binary floating-point noise, for values with up to 15 significant digits. */
export function exactDifference(a: number, b: number): number {
  const places = Math.min(20, Math.max(decimals(a), decimals(b)));
  const f = 10 ** places;
  return (Math.round(a * f) - Math.round(b * f)) / f;
}

/** A power in W: a bare number without unit (a register the profile could not scale) is not taken. */
function watts(readings: readonly Reading[], key: string): number | undefined {
  const r = readings.find((x) => x.key === key);
  return r?.unit === 'W' ? numberValue(r) : undefined;
}

/** import − export in W, undefined unless the snapshot carries both as numbers in W. */
export function gridPower(snapshot: Pick<MeterSnapshot, 'readings'>): number | undefined {
  const imp = watts(snapshot.readings, 'power_import_w');
  const exp = watts(snapshot.readings, 'power_export_w');
  if (imp === undefined || exp === undefined) return undefined;
  return exactDifference(imp, exp);
}
