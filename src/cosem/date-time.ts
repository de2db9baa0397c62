/**
 * COSEM date-time (Blue Book 4.1.6.1), 12 bytes, usually carried as an octet-string (the data-notification
 * header `0C <12 bytes>`, clock objects `09 0C <12 bytes>`):
 *
 *   offset 0  year u16 BE (0xFFFF = not specified)   5  hour        9  deviation i16 BE, minutes
 *          2  month (1..12)                           6  minute         (0x8000 = not specified)
 *          3  day of month (1..31)                    7  second     11  clock status (0x80 = DST active)
 *          4  day of week (1 = Monday … 7)            8  hundredths
 *   0xFF in any one-byte field = not specified.
 *
 * Worked example (Vorarlberg Kaifa MA309): `07 E7 07 1A 03 14 05 14 00 FF 88 80` = 2023-07-26 (Wednesday)
 * 20:05:20.00, deviation -120, status 0x80 = `2023-07-26T20:05:20+02:00`.
 *
 * Deviation sign: the meters in the vectors send -120 in Austrian summer time (UTC+02:00) and -60 in winter
 * (UTC+01:00), so the UTC offset is minus the deviation: UTC = local time + deviation.
 */
import { readDateTimeFields, writeDateTimeFields } from '../axdr/date-time-fields.js';
import type { AxdrValue, CosemDateTime } from '../axdr/types.js';
import { DecodeError } from '../errors.js';

export type { CosemDateTime };

function dtError(message: string, offset?: number): DecodeError {
  return new DecodeError('cosem.date-time', message, 'cosem', offset);
}

/** [field, min, max] of the fields a push timestamp may carry (special values 0xFD/0xFE are schedules). */
const RANGES: readonly (readonly [keyof CosemDateTime, number, number])[] = [
  ['month', 1, 12],
  ['day', 1, 31],
  ['dayOfWeek', 1, 7],
  ['hour', 0, 23],
  ['minute', 0, 59],
  ['second', 0, 59],
  ['hundredths', 0, 99],
  ['deviation', -720, 720],
];

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS[month - 1]!;
}

/** Throws `cosem.date-time` naming the first field outside its range (day also checked against the month). */
export function validateCosemDateTime(dt: CosemDateTime, offset?: number): CosemDateTime {
  for (const [field, min, max] of RANGES) {
    const v = dt[field];
    if (v !== undefined && (v < min || v > max))
      throw dtError(`date-time field ${field} = ${v} is outside ${min}..${max}`, offset);
  }
  if (dt.year !== undefined && dt.month !== undefined && dt.day !== undefined) {
    const max = daysInMonth(dt.year, dt.month);
    if (dt.day > max)
      throw dtError(`date-time day ${dt.day} does not exist in ${dt.year}-${pad2(dt.month)}`, offset);
  }
  return dt;
}

/** 12 bytes at `offset` → checked CosemDateTime. Throws `cosem.date-time` when short or impossible. */
export function decodeCosemDateTime(bytes: Uint8Array, offset = 0): CosemDateTime {
  if (bytes.length - offset < 12)
    throw dtError(`a COSEM date-time has 12 bytes, got ${bytes.length - offset}`, offset);
  return validateCosemDateTime(readDateTimeFields(bytes, offset, 'date-time'), offset);
}

/** CosemDateTime → 12 bytes (undefined fields written as "not specified"). */
export function encodeCosemDateTime(dt: CosemDateTime): Uint8Array {
  validateCosemDateTime(dt);
  const out = new Uint8Array(12);
  writeDateTimeFields(out, 0, dt, 'date-time');
  return out;
}

/**
 * A decoded A-XDR value that carries a date-time (octet-string of 12 bytes, or a date-time/date/time value) →
 * CosemDateTime; undefined when the value is of another kind.
 */
export function toCosemDateTime(value: AxdrValue): CosemDateTime | undefined {
  if (value.type === 'octet-string' && value.value.length === 12) return decodeCosemDateTime(value.value);
  if (value.type === 'date-time' || value.type === 'date' || value.type === 'time')
    return validateCosemDateTime(value.value);
  return undefined;
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;
const pad4 = (n: number): string => (n >= 1000 ? String(n) : String(n).padStart(4, '0'));

function datePart(dt: CosemDateTime): string | undefined {
  const { year, month, day } = dt;
  if (year === undefined && month === undefined && day === undefined) return undefined;
  if (year === undefined || month === undefined || day === undefined)
    throw dtError('cannot format a date-time whose year, month or day is not specified');
  return pad4(year) + '-' + pad2(month) + '-' + pad2(day);
}

function timePart(dt: CosemDateTime): string | undefined {
  const { hour, minute, second } = dt;
  if (hour === undefined && minute === undefined && second === undefined) return undefined;
  if (hour === undefined || minute === undefined)
    throw dtError('cannot format a date-time whose hour or minute is not specified');
  const hm = pad2(hour) + ':' + pad2(minute);
  return second === undefined ? hm : hm + ':' + pad2(second);
}

/** UTC offset text for a deviation: -120 → `+02:00`. */
function offsetText(deviation: number): string {
  const off = -deviation;
  const abs = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/**
 * ISO 8601: `2023-07-26T20:05:20+02:00` when the deviation is known, `2023-03-28T19:11:20` (local time, zone
 * unknown) when not; hundredths as `.50` when specified and not zero. A date alone gives `2023-07-26`, a time
 * alone `20:05:20`. Throws `cosem.date-time` for partially specified dates or times.
 */
export function formatCosemDateTime(dt: CosemDateTime): string {
  const date = datePart(dt);
  let time = timePart(dt);
  if (time !== undefined && dt.second !== undefined && dt.hundredths) time += `.${pad2(dt.hundredths)}`;
  if (date === undefined) return time ?? '';
  if (time === undefined) return date;
  return `${date}T${time}${dt.deviation === undefined ? '' : offsetText(dt.deviation)}`;
}

/** Local wall-clock text as the meter shows it: `2023-07-26 20:05:20` (no fraction, no zone). */
export function formatLocalText(dt: CosemDateTime): string {
  const date = datePart(dt);
  const time = timePart(dt);
  if (date === undefined) return time ?? '';
  return time === undefined ? date : date + ' ' + time;
}

/**
 * The instant in ms since the epoch, when date, time and deviation are all specified (UTC = local + deviation);
 * undefined otherwise (the caller must then assume a zone).
 */
export function toEpochMs(dt: CosemDateTime): number | undefined {
  const { year, month, day, hour, minute, deviation } = dt;
  if (year === undefined || month === undefined || day === undefined) return undefined;
  if (hour === undefined || minute === undefined || deviation === undefined) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, dt.second ?? 0, (dt.hundredths ?? 0) * 10);
  return local + deviation * 60_000;
}
