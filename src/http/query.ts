/**
 * Query-string parsing for the history and energy routes. Times are unix seconds; every invalid parameter
 * throws `BadRequest` with a message that says what to send instead (the server answers 400).
 *
 * Every range is clamped to what the store holds (its oldest and newest row) before anything is counted, and the
 * bucket count of the clamped range is bounded: at most MAX_POINTS history buckets, MAX_ENERGY_BUCKETS days or
 * months. `from=0&to=99999999999` is therefore as cheap as "everything stored".
 */
import { MAX_POINTS, SERIES_FIELDS, type HistoryExtent, type SeriesField } from '../store/history-types.js';
import { BadRequest } from './respond.js';

export { MAX_POINTS };
/** Points aimed at when `step` is not given. */
export const DEFAULT_POINTS = 720;
/** Upper bound on days or months per energy answer (ten years of days). */
export const MAX_ENERGY_BUCKETS = 3660;

/** Parses an optional unix-seconds parameter; `fallback` when absent. */
export function parseSeconds(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,12}$/.test(raw)) {
    throw new BadRequest(
      `${name} must be a time in unix seconds (a whole number such as 1764000000), got "${raw}"`,
    );
  }
  return Number(raw);
}

export interface TimeRange {
  from: number;
  to: number;
}

/** `from`/`to` with defaults `to = now`, `from = to - defaultSpan`; requires from < to. */
export function parseRange(params: URLSearchParams, nowSeconds: number, defaultSpan: number): TimeRange {
  const to = parseSeconds(params, 'to', Math.floor(nowSeconds));
  const from = parseSeconds(params, 'from', to - defaultSpan);
  if (from >= to) throw new BadRequest(`from (${from}) must be before to (${to})`);
  return { from, to };
}

/**
 * The part of `range` that holds data: from the oldest stored second to just after the newest. Undefined when
 * nothing is stored there (the routes answer an empty result without querying).
 */
export function clampRange(range: TimeRange, extent: HistoryExtent | undefined): TimeRange | undefined {
  if (!extent) return undefined;
  const from = Math.max(range.from, Math.floor(extent.firstMs / 1000));
  const to = Math.min(range.to, Math.floor(extent.lastMs / 1000) + 1);
  return from < to ? { from, to } : undefined;
}

/** `step` in seconds; by default about DEFAULT_POINTS buckets; at most MAX_POINTS buckets. */
export function parseStep(params: URLSearchParams, range: TimeRange): number {
  const span = range.to - range.from;
  const raw = params.get('step');
  if (raw === null || raw === '') return Math.max(1, Math.ceil(span / DEFAULT_POINTS));
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    throw new BadRequest(`step must be a whole number of seconds ≥ 1, got "${raw}"`);
  }
  const step = Number(raw);
  if (span / step > MAX_POINTS) {
    const min = Math.ceil(span / MAX_POINTS);
    throw new BadRequest(
      `step ${step} gives more than ${MAX_POINTS} points (the limit per request) for the ${span} s of stored ` +
        `data in this range: use step ≥ ${min} or a shorter range`,
    );
  }
  return step;
}

/** Optional `fields=power_import_w,voltage_l1_v` (default: all). */
export function parseFields(params: URLSearchParams): readonly SeriesField[] {
  const raw = params.get('fields');
  if (raw === null || raw === '') return SERIES_FIELDS;
  const known = new Set<string>(SERIES_FIELDS);
  const fields = raw.split(',').map((f) => f.trim());
  const unknown = fields.filter((f) => !known.has(f));
  if (unknown.length) {
    throw new BadRequest(`unknown field(s) ${unknown.join(', ')}: choose from ${SERIES_FIELDS.join(', ')}`);
  }
  return fields as SeriesField[];
}

/** The meter the default answers are for when none is known yet (a one-meter config's id). */
export const DEFAULT_METER = 'default';

/**
 * `meter=ID`, one of `known` (the configured meters, in config order). Absent or empty: the first known meter
 * (`default` when none is known), so requests without `meter` keep working on a one-meter daemon.
 */
export function parseMeter(
  params: URLSearchParams,
  known: readonly string[],
): { meter: string } | { unknown: string } {
  const raw = params.get('meter');
  if (raw === null || raw === '') return { meter: known[0] ?? DEFAULT_METER };
  return known.includes(raw) ? { meter: raw } : { unknown: raw };
}

export interface SeriesQuery {
  /** The asked range clamped to the stored data; undefined when nothing is stored in it. */
  range: TimeRange | undefined;
  /** The asked range (defaults applied). */
  asked: TimeRange;
  /** The step asked for, or the default (about DEFAULT_POINTS buckets over the clamped range). */
  step: number;
  fields: readonly SeriesField[];
}

/** The query of /api/v1/history and /api/v1/history.csv: range (default the last hour), step, fields. */
export function parseSeriesQuery(
  params: URLSearchParams,
  nowSeconds: number,
  extent: HistoryExtent | undefined,
): SeriesQuery {
  const asked = parseRange(params, nowSeconds, 3600);
  const range = clampRange(asked, extent);
  return { range, asked, step: parseStep(params, range ?? asked), fields: parseFields(params) };
}

export type EnergyPeriod = 'day' | 'month';
const PERIOD_DEFAULT_SPAN: Record<EnergyPeriod, number> = { day: 31 * 86_400, month: 366 * 86_400 };

export function parsePeriod(params: URLSearchParams): EnergyPeriod {
  const raw = params.get('period');
  if (raw === 'day' || raw === 'month') return raw;
  throw new BadRequest(
    `period must be "day", "month" or "15min", got ${raw === null ? 'nothing' : `"${raw}"`}`,
  );
}

export function defaultEnergySpan(period: EnergyPeriod): number {
  return PERIOD_DEFAULT_SPAN[period];
}

/**
 * Days or months a range touches, counted in UTC (a local zone shifts the edges by at most a day, hence + 1);
 * an upper bound that is exact enough for the limit.
 */
export function energyBucketBound(period: EnergyPeriod, range: TimeRange): number {
  if (period === 'day') return Math.ceil((range.to - range.from) / 86_400) + 1;
  const a = new Date(range.from * 1000);
  const b = new Date(range.to * 1000);
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth()) + 2;
}

export interface EnergyQuery {
  period: EnergyPeriod;
  asked: TimeRange;
  /** Clamped to the stored data; undefined when nothing is stored in the asked range. */
  range: TimeRange | undefined;
}

/** The query of /api/v1/energy; 400 when the stored data in the range needs more than MAX_ENERGY_BUCKETS. */
export function parseEnergyQuery(
  params: URLSearchParams,
  nowSeconds: number,
  extent: HistoryExtent | undefined,
): EnergyQuery {
  const period = parsePeriod(params);
  const asked = parseRange(params, nowSeconds, defaultEnergySpan(period));
  const range = clampRange(asked, extent);
  const n = range ? energyBucketBound(period, range) : 0;
  if (n > MAX_ENERGY_BUCKETS) {
    const unit = period === 'day' ? 'days' : 'months';
    throw new BadRequest(
      `period=${period} gives up to ${n} ${unit} for the stored data in this range, more than the limit of ` +
        `${MAX_ENERGY_BUCKETS} per request: ask for a shorter range (from/to)` +
        (period === 'day' ? ' or period=month' : ''),
    );
  }
  return { period, asked, range };
}
