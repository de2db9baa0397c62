/**
 * `energy(period, from, to)`: reads the counter spans of the hour rollups around the requested local periods and
 * hands them to attributeEnergy (energy.ts): a year of days reads ~8 760 rows. In zones whose midnights are not
 * whole UTC hours (Asia/Kolkata +05:30) an hour bucket can straddle a period edge: while its raw rows are still
 * there (retention) it is replaced by exact spans split at the edge, otherwise attributeEnergy spreads it by time.
 * Pieced (pieced.ts): periods, span slices, refined spans and the attribution each advance a bounded step at a time.
 */
import type { EnergyBucket } from './history-types.js';
import type { SqliteDatabase } from './sqlite.js';
import { EnergyAttribution, spansFromRows, type CounterRow, type CounterSpan } from './energy.js';
import { periodEdgesQuery } from './local-time.js';
import { rowKeys } from './history-schema.js';
import type { Pieced } from './pieced.js';

const SPAN_COLUMNS = `energy_ts_first AS tsFirst, energy_ts_last AS tsLast, meter_first AS meterFirst,
  meter_last AS meterLast, energy_import_wh_first AS importFirst, energy_import_wh_last AS importLast,
  energy_import_wh_inner AS importInner, energy_export_wh_first AS exportFirst,
  energy_export_wh_last AS exportLast, energy_export_wh_inner AS exportInner`;
const WHERE = 'energy_ts_last IS NOT NULL';

/** Hour rows per slice of the spans query (10 days: 240 rows). */
const SPAN_SLICE_S = 10 * 86400;

/** The counter spans of [fromSec, toSec) plus the one before and the one after, read in slices. */
function* spans(db: SqliteDatabase, meter: number, fromSec: number, toSec: number): Pieced<CounterSpan[]> {
  const select = (cond: string, order: string) =>
    db.prepare(
      `SELECT ${SPAN_COLUMNS} FROM rollup_hour WHERE rollup_hour.meter = ? AND ${cond} AND ${WHERE} ` +
        `ORDER BY rollup_hour.ts ${order}`,
    );
  const before = select('rollup_hour.ts < ?', 'DESC LIMIT 1').get(meter, fromSec) as CounterSpan | undefined;
  const out: CounterSpan[] = before ? [before] : [];
  const inside = select('rollup_hour.ts >= ? AND rollup_hour.ts < ?', '');
  for (let a = fromSec; a < toSec; a += SPAN_SLICE_S) {
    out.push(...(inside.all(meter, a, Math.min(toSec, a + SPAN_SLICE_S)) as CounterSpan[]));
    yield;
  }
  const after = select('rollup_hour.ts >= ?', 'LIMIT 1').get(meter, toSec) as CounterSpan | undefined;
  if (after) out.push(after);
  return out;
}

/** True when a period edge falls inside the span (first, last]. */
function straddles(edges: number[], s: CounterSpan): boolean {
  return edges.some((e) => e > s.tsFirst && e <= s.tsLast);
}

/**
 * Replaces spans that straddle an edge by exact spans from their raw rows, when all of those are still stored;
 * one span (at most an hour of raw rows) per step.
 */
function* refine(
  db: SqliteDatabase,
  meter: number,
  edges: number[],
  all: CounterSpan[],
): Pieced<CounterSpan[]> {
  if (edges.every((e) => e % 3_600_000 === 0)) return all;
  // `meter` of a CounterRow is the meter number (a replaced meter starts a new segment), as in the rollups
  const rows = db.prepare(
    `SELECT ts, meter_number AS meter, energy_import_wh AS importWh, energy_export_wh AS exportWh FROM readings
     WHERE meter_ts >= ? AND meter_ts <= ? AND energy_import_wh IS NOT NULL ORDER BY meter_ts`,
  );
  const out: CounterSpan[] = [];
  for (const s of all) {
    if (!straddles(edges, s)) {
      out.push(s);
      continue;
    }
    const raw = rows.all(...rowKeys(meter, s.tsFirst, s.tsLast)) as CounterRow[];
    const complete = raw.length > 0 && raw[0]!.ts === s.tsFirst && raw[raw.length - 1]!.ts === s.tsLast;
    out.push(...(complete ? spansFromRows(edges, raw) : [s]));
    yield;
  }
  return out;
}

/** Spans attributed per step. */
const SPANS_PER_STEP = 500;

/** `meter` is meters.id (an unknown one, e.g. -1, gives no buckets). */
export function* energyQuery(
  db: SqliteDatabase,
  meter: number,
  period: 'day' | 'month',
  from: number,
  to: number,
  timeZone: string,
): Pieced<EnergyBucket[]> {
  const { periods, end } = yield* periodEdgesQuery(period, from * 1000, to * 1000, timeZone);
  if (periods.length === 0) return [];
  const edges = [...periods.map((p) => p.start), end];
  const first = Math.floor(edges[0]! / 3_600_000) * 3600;
  const all = yield* refine(db, meter, edges, yield* spans(db, meter, first, end / 1000));
  const attribution = new EnergyAttribution(edges);
  for (let i = 0; i < all.length; i += SPANS_PER_STEP) {
    for (const s of all.slice(i, i + SPANS_PER_STEP)) attribution.add(s);
    yield;
  }
  const e = attribution.result();
  const out: EnergyBucket[] = [];
  periods.forEach((p, i) => {
    if (e.covered[i])
      out.push({
        start: p.start / 1000,
        label: p.label,
        import_wh: e.importWh[i]!,
        export_wh: e.exportWh[i]!,
      });
  });
  return out;
}
