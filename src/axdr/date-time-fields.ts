/**
 * COSEM date, time and date-time fields (Blue Book 4.1.6.1), read and written without judging them: the COSEM
 * layer (`src/cosem/date-time.ts`) validates and formats. 0xFF / 0xFFFF / 0x8000 mean "not specified" and
 * become `undefined`.
 *
 *   date-time (12): year u16 BE | month | day | day-of-week | hour | minute | second | hundredths |
 *                   deviation i16 BE (0x8000 = not specified) | clock status
 *   date (5):       year u16 BE | month | day | day-of-week
 *   time (4):       hour | minute | second | hundredths
 *
 * Example: `07 E7 07 1A 03 14 05 14 00 FF 88 80` = 2023-07-26 (Wed) 20:05:20.00, deviation -120, status 0x80.
 */
import type { CosemDateTime } from './types.js';

const u8 = (v: number): number | undefined => (v === 0xff ? undefined : v);

function readDate(b: Uint8Array, p: number, dt: CosemDateTime): void {
  const year = (b[p]! << 8) | b[p + 1]!;
  if (year !== 0xffff) dt.year = year;
  const month = u8(b[p + 2]!);
  if (month !== undefined) dt.month = month;
  const day = u8(b[p + 3]!);
  if (day !== undefined) dt.day = day;
  const dow = u8(b[p + 4]!);
  if (dow !== undefined) dt.dayOfWeek = dow;
}

function readTime(b: Uint8Array, p: number, dt: CosemDateTime): void {
  const hour = u8(b[p]!);
  if (hour !== undefined) dt.hour = hour;
  const minute = u8(b[p + 1]!);
  if (minute !== undefined) dt.minute = minute;
  const second = u8(b[p + 2]!);
  if (second !== undefined) dt.second = second;
  const hundredths = u8(b[p + 3]!);
  if (hundredths !== undefined) dt.hundredths = hundredths;
}

/** Reads the fields of a `date-time` (12 bytes), `date` (5) or `time` (4) at `p`; the caller checks the length. */
export function readDateTimeFields(
  b: Uint8Array,
  p: number,
  kind: 'date-time' | 'date' | 'time',
): CosemDateTime {
  const dt: CosemDateTime = {};
  if (kind === 'time') {
    readTime(b, p, dt);
    return dt;
  }
  readDate(b, p, dt);
  if (kind === 'date') return dt;
  readTime(b, p + 5, dt);
  const dev = (b[p + 9]! << 8) | b[p + 10]!;
  if (dev !== 0x8000) dt.deviation = dev >= 0x8000 ? dev - 0x10000 : dev;
  const status = u8(b[p + 11]!);
  if (status !== undefined) dt.clockStatus = status;
  return dt;
}

const orFF = (v: number | undefined): number => (v === undefined ? 0xff : v & 0xff);

/** Writes the fields of `dt` as `kind` into `out` at `p` (undefined → not specified). */
export function writeDateTimeFields(
  out: Uint8Array,
  p: number,
  dt: CosemDateTime,
  kind: 'date-time' | 'date' | 'time',
): void {
  let q = p;
  if (kind !== 'time') {
    const year = dt.year === undefined ? 0xffff : dt.year & 0xffff;
    out[q++] = year >> 8;
    out[q++] = year & 0xff;
    out[q++] = orFF(dt.month);
    out[q++] = orFF(dt.day);
    out[q++] = orFF(dt.dayOfWeek);
    if (kind === 'date') return;
  }
  out[q++] = orFF(dt.hour);
  out[q++] = orFF(dt.minute);
  out[q++] = orFF(dt.second);
  out[q++] = orFF(dt.hundredths);
  if (kind === 'time') return;
  const dev = dt.deviation === undefined ? 0x8000 : dt.deviation & 0xffff;
  out[q++] = dev >> 8;
  out[q++] = dev & 0xff;
  out[q] = orFF(dt.clockStatus);
}
