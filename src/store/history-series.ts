/**
 * `series(from, to, step)`: averages per bucket in [from, to) (unix seconds), at most MAX_POINTS buckets. Bucket i
 * covers [t[i], t[i] + step) with t[i] = start + i·step, so every t lies within [from, to):
 *   - ranges up to RAW_MAX_RANGE_S (2 days): the raw rows, any step; start = from;
 *   - otherwise the coarsest rollup (hour, day) whose bucket fits the step: the step rounded up to its multiple,
 *     start = from rounded UP to the table's resolution (a rollup row cannot be split).
 * The answer's `step` is the width used; it differs from the asked one only in the rollup case. Too many buckets
 * is a RangeError (the HTTP layer refuses such a query with 400 before it gets here): never silently coarsened.
 *
 * Averages are exact: every slice's SQL returns per bucket the sum and count of each column (raw: sum(col),
 * count(col); rollups: sum(col_sum), sum(n_…)) and the last counter with its time, merged here across slices.
 * Rounding: power to 1 W, voltage to 0.1 V, current to 1 mA (0.001 A); energy is the last counter value in the
 * bucket. When retention has removed raw rows inside a short range, the hour rollups serve it (step 3600) instead
 * of showing a hole.
 *
 * The query is pieced (pieced.ts): one SQL statement per time slice, the slice width adapted to a few ms.
 */
import { MAX_POINTS, SERIES_FIELDS, type Series, type SeriesField } from './history-types.js';
import { ROLLUP_TABLES, rowKeys, type RollupLevel } from './history-schema.js';
import type { SqliteDatabase } from './sqlite.js';
import { SliceSizer, type Pieced } from './pieced.js';

interface FieldSql {
  /** Raw rows: the stored column. */
  col: string;
  /** Rollups: the sum column and the count it is divided by; energy: the `_last` column. */
  rollup: string;
  count?: string;
  /** Stored unit → API unit. */
  scale: number;
  digits: number;
}

const avg = (col: string, count: string, scale: number, digits: number): FieldSql => ({
  col,
  rollup: `${col}_sum`,
  count,
  scale,
  digits,
});
const last = (col: string): FieldSql => ({ col, rollup: `${col}_last`, scale: 1, digits: 0 });

const FIELDS: Record<SeriesField, FieldSql> = {
  power_import_w: avg('power_import_w', 'n_power', 1, 0),
  power_export_w: avg('power_export_w', 'n_power', 1, 0),
  power_l1_w: avg('power_l1_w', 'n_phase_power', 1, 0),
  power_l2_w: avg('power_l2_w', 'n_phase_power', 1, 0),
  power_l3_w: avg('power_l3_w', 'n_phase_power', 1, 0),
  voltage_l1_v: avg('voltage_l1_dv', 'n_voltage', 0.1, 1),
  voltage_l2_v: avg('voltage_l2_dv', 'n_voltage', 0.1, 1),
  voltage_l3_v: avg('voltage_l3_dv', 'n_voltage', 0.1, 1),
  current_l1_a: avg('current_l1_ma', 'n_current', 0.001, 3),
  current_l2_a: avg('current_l2_ma', 'n_current', 0.001, 3),
  current_l3_a: avg('current_l3_ma', 'n_current', 0.001, 3),
  energy_import_wh: last('energy_import_wh'),
  energy_export_wh: last('energy_export_wh'),
};

const AVG_FIELDS = SERIES_FIELDS.filter((f) => FIELDS[f].count !== undefined);
const LAST_FIELDS = SERIES_FIELDS.filter((f) => FIELDS[f].count === undefined);

/**
 * SQL per source. Parameters: grid start and bucket width, then the slice: raw rows by their key range
 * (rowKeys: one meter's [a, b) is one range of the rowid), rollups by meter (meters.id) and [a, b) — all in the
 * table's time unit.
 * Columns: bucket index, (sum, count) per AVG_FIELDS, the time of the last counter, LAST_FIELDS at that row.
 * The CASTs matter: JS numbers are bound as REAL, and a REAL divisor would make every row its own bucket.
 */
function seriesSql(level: RollupLevel | 'raw'): string {
  const raw = level === 'raw';
  const pairs = AVG_FIELDS.map((f) => {
    const s = FIELDS[f];
    return raw ? `sum(${s.col}), count(${s.col})` : `sum(${s.rollup}), sum(${s.count!})`;
  });
  // SQLite: with a single max() aggregate, bare columns (the energy counters) come from the row holding the max.
  const pick = raw ? 'max(CASE WHEN energy_import_wh IS NOT NULL THEN ts END)' : 'max(energy_ts_last)';
  const lasts = LAST_FIELDS.map((f) => (raw ? FIELDS[f].col : FIELDS[f].rollup));
  const table = raw ? 'readings' : `rollup_${level}`;
  return (
    `SELECT (ts - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS b, ${pairs.join(', ')}, ${pick}, ${lasts.join(', ')} FROM ${table} ` +
    (raw ? 'WHERE meter_ts >= ? AND meter_ts < ?' : 'WHERE meter = ? AND ts >= ? AND ts < ?') +
    ' GROUP BY b'
  );
}

function round(v: number, scale: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * scale * f) / f;
}

/** Short ranges are read from the raw rows (34 560 rows at one telegram per 5 s). */
export const RAW_MAX_RANGE_S = 2 * 86400;

export interface SeriesPlan {
  level: RollupLevel | 'raw';
  /** Effective bucket width, s. */
  step: number;
  /** First bucket start, s (≥ from). */
  start: number;
  /** Number of buckets: every start lies in [from, to). */
  count: number;
}

/** Picks the source, the effective step and the bucket grid for a request. */
export function planSeries(
  db: SqliteDatabase,
  meter: number,
  from: number,
  to: number,
  step: number,
): SeriesPlan {
  const asked = Math.max(1, Math.floor(step));
  let level: RollupLevel | 'raw' = 'raw';
  let s = asked;
  if (to - from > RAW_MAX_RANGE_S || rawDeletedIn(db, meter, from)) {
    const levels = (Object.entries(ROLLUP_TABLES) as [RollupLevel, number][]).filter(
      ([, sec]) => sec <= asked,
    );
    const [coarse, unit] = levels[levels.length - 1] ?? ['hour', ROLLUP_TABLES.hour];
    level = coarse;
    s = Math.ceil(asked / unit) * unit;
  }
  const unit = level === 'raw' ? 1 : ROLLUP_TABLES[level];
  const start = Math.ceil(from / unit) * unit;
  const count = Math.max(0, Math.ceil((to - start) / s));
  if (count > MAX_POINTS) {
    throw new RangeError(`series: ${count} buckets of ${s} s asked for, at most ${MAX_POINTS}`);
  }
  return { level, step: s, start, count };
}

/**
 * True when retention has removed raw rows in [from, …) that the hour rollups still count: the rollups from
 * from's hour to the oldest raw row's hour hold more rows than the raw table has there. Retention deletes the
 * oldest rows first, so only ranges starting before the oldest raw row can be affected.
 */
function rawDeletedIn(db: SqliteDatabase, meter: number, from: number): boolean {
  const first = db
    .prepare('SELECT ts AS t FROM readings WHERE meter_ts >= ? AND meter_ts < ? ORDER BY meter_ts LIMIT 1')
    .get(...rowKeys(meter));
  const oldest = (first as { t: number } | undefined)?.t ?? null;
  if (oldest !== null && oldest <= from * 1000) return false;
  const h0 = Math.floor(from / 3600) * 3600;
  const h1 = oldest === null ? Number.MAX_SAFE_INTEGER : Math.floor(oldest / 3_600_000) * 3600 + 3600;
  const rolled = db
    .prepare('SELECT sum(n) AS n FROM rollup_hour WHERE meter = ? AND ts >= ? AND ts < ?')
    .get(meter, h0, h1) as { n: number | null };
  if (!rolled.n || oldest === null) return !!rolled.n;
  const count = db.prepare('SELECT count(*) AS n FROM readings WHERE meter_ts >= ? AND meter_ts < ?');
  return rolled.n > (count.get(...rowKeys(meter, h0 * 1000, h1 * 1000)) as { n: number }).n;
}

/** Per-bucket partial aggregates, merged slice by slice. */
class Accumulator {
  readonly sums: number[][] = AVG_FIELDS.map(() => []);
  readonly counts: number[][] = AVG_FIELDS.map(() => []);
  readonly lastTs: number[] = [];
  readonly lasts: (number | null)[][] = LAST_FIELDS.map(() => []);

  add(rows: (number | null)[][]): void {
    const n = AVG_FIELDS.length;
    for (const row of rows) {
      const i = row[0] as number;
      for (let k = 0; k < n; k++) {
        const sum = row[1 + 2 * k];
        if (sum === null || sum === undefined) continue;
        this.sums[k]![i] = (this.sums[k]![i] ?? 0) + sum;
        this.counts[k]![i] = (this.counts[k]![i] ?? 0) + (row[2 + 2 * k] as number);
      }
      const pick = row[1 + 2 * n];
      if (pick === null || pick === undefined || pick < (this.lastTs[i] ?? -Infinity)) continue;
      this.lastTs[i] = pick;
      LAST_FIELDS.forEach((_, k) => (this.lasts[k]![i] = row[2 + 2 * n + k] ?? null));
    }
  }

  /** The answer, one field per step (20 000 buckets × 13 fields would be one long step). */
  *result(plan: SeriesPlan): Pieced<Series> {
    const t = Array.from({ length: plan.count }, (_, i) => plan.start + i * plan.step);
    const values = {} as Series['values'];
    for (const [k, f] of AVG_FIELDS.entries()) {
      const { scale, digits } = FIELDS[f];
      const [sums, counts] = [this.sums[k]!, this.counts[k]!];
      const out = new Array<number | null>(plan.count);
      for (let i = 0; i < plan.count; i++) {
        const c = counts[i];
        out[i] = c ? round(sums[i]! / c, scale, digits) : null;
      }
      values[f] = out;
      yield;
    }
    for (const [k, f] of LAST_FIELDS.entries()) {
      const lasts = this.lasts[k]!;
      values[f] = Array.from({ length: plan.count }, (_, i) => lasts[i] ?? null);
    }
    return { t, values, step: plan.step };
  }
}

/** First slice widths (table units) and bounds: raw rows in ms (≤ ~1 row/s), rollups in s. */
const SLICE = {
  raw: { initial: 300_000, min: 1000, max: 3_600_000 },
  rollup: { initial: 7 * 86400, min: 86400, max: 365 * 86400 },
};

/** `meter` is meters.id (an id no row has, e.g. -1, gives an all-null series). */
export function* seriesQuery(
  db: SqliteDatabase,
  meter: number,
  from: number,
  to: number,
  step: number,
): Pieced<Series> {
  const plan = planSeries(db, meter, from, to, step);
  const acc = new Accumulator();
  const unit = plan.level === 'raw' ? 1000 : 1;
  const bounds = plan.level === 'raw' ? SLICE.raw : SLICE.rollup;
  const sizer = new SliceSizer(bounds.initial, bounds.min, bounds.max);
  const stmt = db.prepare(seriesSql(plan.level)).raw(true);
  const end = to * unit;
  for (let a = plan.start * unit; a < end;) {
    const b = Math.min(end, a + sizer.width);
    const began = performance.now();
    const slice = plan.level === 'raw' ? rowKeys(meter, a, b) : [meter, a, b];
    acc.add(stmt.all(plan.start * unit, plan.step * unit, ...slice) as (number | null)[][]);
    sizer.record(performance.now() - began);
    a = b;
    yield;
  }
  return yield* acc.result(plan);
}
