/**
 * Local calendar periods through Intl (no time-zone library): the unix instants of local midnights and firsts of
 * the month in an IANA time zone. DST days come out as 23 or 25 hours long, e.g. in Europe/Vienna
 * 2026-03-29 00:00 → 2026-03-30 00:00 is 82 800 s.
 */
import { runNow, type Pieced } from './pieced.js';

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError that names the zone and what to write instead when the zone is unknown. */
export function checkTimeZone(timeZone: string): void {
  try {
    formatFor(timeZone);
  } catch {
    throw new RangeError(`unknown time zone '${timeZone}': use an IANA name such as Europe/Vienna`);
  }
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** Local wall-clock fields at a unix instant (ms). */
function localFields(timeZone: string, ms: number): LocalDate & { wallMs: number } {
  const p: Record<string, number> = {};
  for (const part of formatFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const [year, month, day] = [p.year!, p.month!, p.day!];
  const wallMs = Date.UTC(year, month - 1, day, p.hour!, p.minute!, p.second!);
  return { year, month, day, wallMs };
}

/** Offset of local time from UTC at an instant, ms (Vienna summer: +7 200 000). */
export function zoneOffsetMs(timeZone: string, ms: number): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return localFields(timeZone, whole).wallMs - whole;
}

/** The instant (ms) of local 00:00 on a calendar date (month may overflow: 13 → January next year). */
export function localMidnight(timeZone: string, year: number, month: number, day: number): number {
  const wall = Date.UTC(year, month - 1, day);
  let t = wall - zoneOffsetMs(timeZone, wall);
  t = wall - zoneOffsetMs(timeZone, t);
  return t;
}

export function localDate(timeZone: string, ms: number): LocalDate {
  const { year, month, day } = localFields(timeZone, ms);
  return { year, month, day };
}

export interface Period {
  /** Start, unix ms. */
  start: number;
  /** `2026-11-24` or `2026-11`. */
  label: string;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Periods computed per step of a pieced periodEdges (each costs a few Intl calls). */
const PERIODS_PER_STEP = 64;

/** Local days or months overlapping [fromMs, toMs), plus the end edge: periods[i] spans edges[i]..edges[i+1]. */
export function periodEdges(
  period: 'day' | 'month',
  fromMs: number,
  toMs: number,
  timeZone: string,
): { periods: Period[]; end: number } {
  return runNow(periodEdgesQuery(period, fromMs, toMs, timeZone));
}

/** periodEdges, pieced (pieced.ts): yields after every PERIODS_PER_STEP periods. */
export function* periodEdgesQuery(
  period: 'day' | 'month',
  fromMs: number,
  toMs: number,
  timeZone: string,
): Pieced<{ periods: Period[]; end: number }> {
  const d = localDate(timeZone, fromMs);
  let y = d.year;
  let m = d.month;
  let day = period === 'day' ? d.day : 1;
  const periods: Period[] = [];
  let start = localMidnight(timeZone, y, m, day);
  while (start < toMs) {
    const label = period === 'day' ? `${y}-${pad(m)}-${pad(day)}` : `${y}-${pad(m)}`;
    periods.push({ start, label });
    const next = new Date(
      Date.UTC(y, m - 1 + (period === 'month' ? 1 : 0), day + (period === 'day' ? 1 : 0)),
    );
    [y, m, day] = [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
    start = localMidnight(timeZone, y, m, day);
    if (periods.length % PERIODS_PER_STEP === 0) yield;
  }
  return { periods, end: start };
}

/**
 * zoneOffsetMs for one zone, remembered per quarter hour (every offset change in the tz database falls on a
 * quarter hour): reading an offset-less meter clock costs a few Intl calls per telegram otherwise.
 */
export function offsetFunction(timeZone: string): (ms: number) => number {
  const memo = new Map<number, number>();
  return (ms) => {
    const key = Math.floor(ms / 900_000);
    let off = memo.get(key);
    if (off === undefined) {
      if (memo.size >= 4096) memo.clear();
      off = zoneOffsetMs(timeZone, key * 900_000);
      memo.set(key, off);
    }
    return off;
  };
}
