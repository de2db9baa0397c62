/**
 * Query-string parsing for the history and energy routes. Times are unix seconds; every invalid parameter
 * throws `BadRequest` with a message that says what to send instead (the server answers 400).
 */
import { SERIES_FIELDS, type SeriesField } from '../store/history-types.js';
import { BadRequest } from './respond.js';

/** Upper bound on buckets per history answer (a year at 30-minute steps is 17 520). */
export const MAX_POINTS = 20_000;
/** Points aimed at when `step` is not given. */
export const DEFAULT_POINTS = 720;

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
      `step ${step} gives more than ${MAX_POINTS} points for this range: use step ≥ ${min}`,
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

/** The query of /api/v1/history and /api/v1/history.csv: range (default the last hour), step, fields. */
export function parseSeriesQuery(
  params: URLSearchParams,
  nowSeconds: number,
): { range: TimeRange; step: number; fields: readonly SeriesField[] } {
  const range = parseRange(params, nowSeconds, 3600);
  return { range, step: parseStep(params, range), fields: parseFields(params) };
}

export type EnergyPeriod = 'day' | 'month';
const PERIOD_DEFAULT_SPAN: Record<EnergyPeriod, number> = { day: 31 * 86_400, month: 366 * 86_400 };

export function parsePeriod(params: URLSearchParams): EnergyPeriod {
  const raw = params.get('period');
  if (raw === 'day' || raw === 'month') return raw;
  throw new BadRequest(`period must be "day" or "month", got ${raw === null ? 'nothing' : `"${raw}"`}`);
}

export function defaultEnergySpan(period: EnergyPeriod): number {
  return PERIOD_DEFAULT_SPAN[period];
}
