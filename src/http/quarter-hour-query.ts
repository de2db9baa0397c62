/**
 * The query of `/api/v1/energy?period=15min` and `/api/v1/energy.csv`: `from`/`to` (unix s; without both: the
 * local day of the newest stored reading, so "today" works however long ago the last telegram came), clamped to the stored data like every history route; the answer covers the WHOLE local days the
 * clamped range touches (so a day's chart always has its 96 — 92 / 100 on DST days — slots), at most
 * MAX_QUARTER_HOUR_DAYS of them: 3 200 quarter hours, any 31-day range fits.
 */
import type { HistoryExtent } from '../store/history-types.js';
import { BadRequest } from './respond.js';
import { clampRange, parseRange, type TimeRange } from './query.js';

export const MAX_QUARTER_HOUR_DAYS = 32;

export interface QuarterHourQuery {
  asked: TimeRange;
  /** Clamped to the stored data; undefined when nothing is stored in the asked range. */
  range: TimeRange | undefined;
}

export function parseQuarterHourQuery(
  params: URLSearchParams,
  nowSeconds: number,
  extent: HistoryExtent | undefined,
): QuarterHourQuery {
  const last =
    extent && !params.has('from') && !params.has('to') ? Math.floor(extent.lastMs / 1000) : undefined;
  const asked = last === undefined ? parseRange(params, nowSeconds, 1) : { from: last, to: last + 1 };
  const range = clampRange(asked, extent);
  // an upper bound of the local days [from, to) touches (whatever the zone)
  const days = range ? Math.ceil((range.to - range.from) / 86_400) + 1 : 0;
  if (days > MAX_QUARTER_HOUR_DAYS) {
    throw new BadRequest(
      `period=15min gives the quarter hours of up to ${days} days for the stored data in this range, more than ` +
        `the limit of ${MAX_QUARTER_HOUR_DAYS} days (${MAX_QUARTER_HOUR_DAYS * 100} quarter hours) per request: ` +
        'ask for at most 31 days (from/to), or period=day',
    );
  }
  return { asked, range };
}
