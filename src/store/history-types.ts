/**
 * What the HTTP dashboard / API reads from the history store. Times are unix seconds (API contract).
 * Power series are in W, energy in Wh, all integers or null for gaps.
 */
import type { MeterSnapshot } from '../model/snapshot.js';

/** Upper bound on buckets per series answer (a year at 30-minute steps is 17 520); docs/http-api.md. */
export const MAX_POINTS = 20_000;

/** Columns available in `series`. */
export const SERIES_FIELDS = [
  'power_import_w',
  'power_export_w',
  'power_l1_w',
  'power_l2_w',
  'power_l3_w',
  'voltage_l1_v',
  'voltage_l2_v',
  'voltage_l3_v',
  'current_l1_a',
  'current_l2_a',
  'current_l3_a',
  'energy_import_wh',
  'energy_export_wh',
] as const;
export type SeriesField = (typeof SERIES_FIELDS)[number];

export interface Series {
  /** Bucket start times, unix seconds, ascending. */
  t: number[];
  /** Averages per bucket (energy: last value in the bucket); null where no data. */
  values: Record<SeriesField, (number | null)[]>;
  /** Bucket width in seconds actually used (coarser than asked only when rollups serve the range). */
  step: number;
}

export interface EnergyBucket {
  /** Period start, unix seconds (local midnight / first of month in the given time zone). */
  start: number;
  /** `2026-11-24` or `2026-11`. */
  label: string;
  import_wh: number;
  export_wh: number;
}

/** The stored time range: the oldest row (raw or hour rollup) and the newest raw row, unix ms. */
export interface HistoryExtent {
  firstMs: number;
  lastMs: number;
}

/**
 * Per configured meter (`meters[].id`, `default` for a one-meter config). A meter without data answers like an
 * empty store (undefined / empty series / no buckets / 0).
 */
export interface HistoryReader {
  /** Meter ids that have data (stored or received this run), oldest first; the caller orders them by config. */
  meters(): string[];
  /** The meter's most recent snapshot (survives restarts); without `meter` the newest of any meter. */
  latest(meter?: string): MeterSnapshot | undefined;
  /** What is stored, to clamp a request to; undefined when the meter has nothing. Cheap (index ends only). */
  extent(meter: string): HistoryExtent | undefined;
  /** Averages per `step` seconds in [from, to), computed in pieces that yield to the event loop. */
  series(meter: string, from: number, to: number, step: number): Promise<Series>;
  /** Import/export energy per day or month from counter differences (gaps and counter resets handled), pieced. */
  energy(meter: string, period: 'day' | 'month', from: number, to: number): Promise<EnergyBucket[]>;
  /**
   * Every quarter hour of the local days overlapping [from, to) (unix s), pieced; `missing` where nothing is stored.
   * Optional so that readers without quarter hours (tests' fakes) still type-check; the route answers 404 then.
   */
  quarterHours?(meter: string, from: number, to: number): Promise<QuarterHourBucket[]>;
  /** Number of full-resolution rows of one meter, all meters without it (diagnostics): kept incrementally. */
  count(meter?: string): number;
}

/** One quarter hour of `/api/v1/energy?period=15min` (history-quarter-hour.ts). */
export interface QuarterHourBucket {
  /** Interval start and end, unix seconds. */
  start: number;
  end: number;
  /** The same instants as local time WITH the UTC offset (`2026-10-25T02:15:00+01:00`): unambiguous on DST days. */
  start_time: string;
  end_time: string;
  /** Wh from counter differences; null when `missing`; export null also for meters without an export counter. */
  import_wh: number | null;
  export_wh: number | null;
  /** complete | partial | missing | open (the interval in progress). */
  status: 'complete' | 'partial' | 'missing' | 'open';
}
