/**
 * The text file Solarview reads, byte-identical to the old Python kaifareader's export:
 *
 *   /?!\n                      start
 *   /KAIFA\n                   meter id line (fixed)
 *   1.8.0(003744.082*kWh)\n    A+ total (OBIS 1.0.1.8.0.255), kWh, 3 decimals, zero-padded to 10 characters
 *   2.8.0(003929.988*kWh)\n    A- total (OBIS 1.0.2.8.0.255)
 *   !\n                        end
 *
 * The number is Python's `{:010.3F}` of Wh / 1000. Whole Wh (every known meter) are formatted with integer
 * arithmetic; other values go through the same double division as Python and are rounded half-to-even on the
 * double's exact decimal expansion, as Python does. A value the telegram lacks is left out (the old script crashed).
 */
import type { MeterSnapshot, Reading } from '../model/snapshot.js';

/** Export line label → OBIS code, in file order. */
const LINES: ReadonlyArray<readonly [label: string, obis: string]> = [
  ['1.8.0', '1.0.1.8.0.255'],
  ['2.8.0', '1.0.2.8.0.255'],
];

export function formatSolarview(snapshot: MeterSnapshot): string {
  let out = '/?!\n/KAIFA\n';
  for (const [label, obis] of LINES) {
    const wh = toWattHours(snapshot.readings.find((r) => r.obis === obis));
    if (wh !== undefined) out += `${label}(${formatKwh(wh)}*kWh)\n`;
  }
  return out + '!\n';
}

/** A reading's value in Wh, or undefined when absent, not numeric or in an unexpected unit. */
export function toWattHours(r: Reading | undefined): number | undefined {
  if (!r) return undefined;
  const n =
    typeof r.value === 'number' ? r.value : /^-?\d+(\.\d+)?$/.test(r.value.trim()) ? Number(r.value) : NaN;
  if (!Number.isFinite(n)) return undefined;
  if (r.unit === undefined || r.unit === 'Wh') return n;
  if (r.unit === 'kWh') return Number.isInteger(n) ? n * 1000 : Number((n * 1000).toFixed(6));
  return undefined;
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
