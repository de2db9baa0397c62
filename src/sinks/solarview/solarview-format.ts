/**
 * The text file Solarview reads, byte-identical to the old Python kaifareader's export:
 *
 *   /?!\n                      start
 *   /KAIFA\n                   meter id line (fixed)
 *   1.8.0(003744.082*kWh)\n    A+ total (OBIS 1.b.1.8.0.255, any channel b), kWh, 3 decimals, zero-padded to 10
 *   2.8.0(003929.988*kWh)\n    A- total (OBIS 1.b.2.8.0.255)                          characters
 *   !\n                        end
 *
 * The number is Python's `{:010.3F}` of Wh / 1000. Whole Wh (every known meter) are formatted with integer
 * arithmetic; other values go through the same double division as Python and are rounded half-to-even on the
 * double's exact decimal expansion, as Python does. A value the telegram lacks is left out (the old script crashed).
 *
 * Which reading is which line is the `solarview` label of the quantity table (src/cosem/quantities.ts), matched
 * by its one rule: any channel B (a Kamstrup's 1.1.1.8.0.255 is A+), only F = 255 (a billing-period object such
 * as 1.0.1.8.0.101 is never the current counter). Values arrive in Wh (the decoder normalises DSMR kWh); a
 * reading in any other unit is left out.
 */
import type { MeterSnapshot, Reading } from '../../model/snapshot.js';
import { QUANTITIES, lookupQuantity, valueInKeyUnit, type Quantity } from '../../cosem/index.js';

/** The rows with a Solarview line, in file order (table order). */
const LINES: readonly Quantity[] = QUANTITIES.filter((q) => q.solarview !== undefined);

export function formatSolarview(snapshot: MeterSnapshot): string {
  let out = '/?!\n/KAIFA\n';
  for (const q of LINES) {
    const wh = toWattHours(snapshot.readings.find((r) => lookupQuantity(r.obis) === q));
    if (wh !== undefined) out += `${q.solarview!}(${formatKwh(wh)}*kWh)\n`;
  }
  return out + '!\n';
}

/**
 * A reading's value in Wh (its key's unit), or undefined when absent, not numeric or in another unit. Numeric
 * text stated in Wh counts (a meter that sends its register as digits).
 */
export function toWattHours(r: Reading | undefined): number | undefined {
  const q = r && lookupQuantity(r.obis);
  if (!r || !q) return undefined;
  if (typeof r.value === 'string' && /^-?\d+(\.\d+)?$/.test(r.value.trim()))
    return valueInKeyUnit(q, { value: Number(r.value), unit: r.unit });
  return valueInKeyUnit(q, r);
}

/** Wh → Python `'{:010.3F}'.format(wh / 1000)`. */
export function formatKwh(wh: number): string {
  const digits = Number.isSafeInteger(wh) ? wholeWh(wh) : roundedHalfEven(wh / 1000);
  const sign = digits.startsWith('-') ? '-' : '';
  return sign + digits.slice(sign.length).padStart(10 - sign.length, '0');
}

function wholeWh(wh: number): string {
  const abs = Math.abs(wh);
  const kwh = Math.floor(abs / 1000);
  const frac = String(abs % 1000).padStart(3, '0');
  return `${wh < 0 ? '-' : ''}${kwh}.${frac}`;
}

/** Three decimals, ties to even, on the exact value of the double `x`. */
function roundedHalfEven(x: number): string {
  const exact = Math.abs(x).toFixed(100); // exact for |x| ≥ 2^-50: every double's expansion fits
  const [int, frac = ''] = exact.split('.');
  let scaled = BigInt(int! + frac.slice(0, 3));
  const rest = frac.slice(3);
  const half = rest[0]! > '5' || (rest[0] === '5' && /[1-9]/.test(rest.slice(1)));
  const tie = rest[0] === '5' && !/[1-9]/.test(rest.slice(1));
  if (half || (tie && scaled % 2n === 1n)) scaled += 1n;
  const s = scaled.toString().padStart(4, '0');
  const negative = x < 0 && scaled !== 0n;
  return `${negative ? '-' : ''}${s.slice(0, -3)}.${s.slice(-3)}`;
}
