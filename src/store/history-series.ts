/**
 * `series(from, to, step)`: averages per bucket with at most MAX_POINTS buckets, aligned to multiples of the step in
 * UTC (unix seconds). Sources:
 *   - ranges up to RAW_MAX_RANGE_S (2 days) with a step below an hour: the raw rows, downsampled in SQL
 *     (`GROUP BY ts / bucket` over the rowid range; steps above a minute are rounded up to whole minutes);
 *   - otherwise the coarsest rollup (hour, day) whose bucket fits the step, the step rounded up to its multiple.
 * Averages are exact (raw avg, rollup sums / counts). Rounding: power to 1 W, voltage to 0.1 V, current to 1 mA
 * (0.001 A); energy is the last counter value in the bucket. When retention has removed raw rows inside a short
 * range, the hour rollups serve it (step 3600) instead of showing a hole.
 */
import { SERIES_FIELDS, type Series, type SeriesField } from './history-types.js';
import { ROLLUP_TABLES, type RollupLevel } from './history-schema.js';
import type { SqliteDatabase } from './sqlite.js';

export const MAX_POINTS = 2000;

interface FieldSql {
  raw: string;
  rollup: string;
  /** Stored unit → API unit. */
  scale: number;
  digits: number;
}

const avg = (col: string, count: string, scale: number, digits: number): FieldSql => ({
  raw: `avg(${col})`,
  rollup: `sum(${col}_sum) * 1.0 / sum(${count})`,
  scale,
  digits,
});
const last = (col: string): FieldSql => ({ raw: col, rollup: `${col}_last`, scale: 1, digits: 0 });

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

/** SQL per source; parameters: bucket width in the table's time unit, from, to (same unit). */
function seriesSql(level: RollupLevel | 'raw'): string {
  const cols = SERIES_FIELDS.map((f) => (level === 'raw' ? FIELDS[f].raw : FIELDS[f].rollup)).join(', ');
  // SQLite: with a single max() aggregate, bare columns (the energy counters) come from the row holding the max.
  const lastPick =
    level === 'raw' ? 'max(CASE WHEN energy_import_wh IS NOT NULL THEN ts END)' : 'max(energy_ts_last)';
  const table = level === 'raw' ? 'readings' : `rollup_${level}`;
  return `SELECT ts / CAST(? AS INTEGER) AS b, ${cols}, ${lastPick} AS _pick FROM ${table} WHERE ts >= ? AND ts < ? GROUP BY b`;
}

function round(v: number | null, scale: number, digits: number): number | null {
  if (v === null) return null;
  const f = 10 ** digits;
  return Math.round(v * scale * f) / f;
}

/** Short ranges are read from the raw rows (at most 34 560 rows at one telegram per 5 s). */
export const RAW_MAX_RANGE_S = 2 * 86400;

/** Picks the source and the effective step for a request. */
function plan(
  db: SqliteDatabase,
  from: number,
  to: number,
  step: number,
): { level: RollupLevel | 'raw'; step: number } {
  const s = Math.max(1, Math.floor(step), Math.ceil((to - from) / (MAX_POINTS - 1)));
  const levels = (Object.entries(ROLLUP_TABLES) as [RollupLevel, number][]).filter(([, sec]) => sec <= s);
  const coarse = levels[levels.length - 1] ?? ['hour', ROLLUP_TABLES.hour];
  const raw = s < ROLLUP_TABLES.hour && to - from <= RAW_MAX_RANGE_S && !rawDeletedIn(db, from);
  if (raw) return { level: 'raw', step: s <= 60 ? s : Math.ceil(s / 60) * 60 };
  return { level: coarse[0], step: Math.ceil(s / coarse[1]) * coarse[1] };
}

/**
 * True when retention has removed raw rows in [from, …) that the hour rollups still count: the rollups from
 * from's hour to the oldest raw row's hour hold more rows than the raw table has there. Retention deletes the
 * oldest rows first, so only ranges starting before the oldest raw row can be affected.
 */
function rawDeletedIn(db: SqliteDatabase, from: number): boolean {
  const oldest = (db.prepare('SELECT min(ts) AS t FROM readings').get() as { t: number | null }).t;
  if (oldest !== null && oldest <= from * 1000) return false;
  const h0 = Math.floor(from / 3600) * 3600;
  const h1 = oldest === null ? Number.MAX_SAFE_INTEGER : Math.floor(oldest / 3_600_000) * 3600 + 3600;
  const rolled = db.prepare('SELECT sum(n) AS n FROM rollup_hour WHERE ts >= ? AND ts < ?').get(h0, h1) as {
    n: number | null;
  };
  if (!rolled.n || oldest === null) return !!rolled.n;
  const count = db.prepare('SELECT count(*) AS n FROM readings WHERE ts >= ? AND ts < ?');
  return rolled.n > (count.get(h0 * 1000, h1 * 1000) as { n: number }).n;
}

export function querySeries(db: SqliteDatabase, from: number, to: number, step: number): Series {
  const p = plan(db, from, to, step);
  const start = Math.floor(from / p.step) * p.step;
  const count = Math.max(0, Math.ceil((to - start) / p.step));
  const t = Array.from({ length: count }, (_, i) => start + i * p.step);
  const values = Object.fromEntries(
    SERIES_FIELDS.map((f) => [f, new Array(count).fill(null)]),
  ) as Series['values'];
  const unit = p.level === 'raw' ? 1000 : 1;
  const rows = db
    .prepare(seriesSql(p.level))
    .raw(true)
    .all(p.step * unit, start * unit, to * unit) as (number | null)[][];
  for (const row of rows) {
    const i = ((row[0] as number) * p.step - start) / p.step;
    SERIES_FIELDS.forEach((f, k) => {
      values[f][i] = round(row[k + 1] ?? null, FIELDS[f].scale, FIELDS[f].digits);
    });
  }
  return { t, values, step: p.step };
}
