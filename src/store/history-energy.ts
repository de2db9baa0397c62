/**
 * `energy(period, from, to)`: reads the counter spans of the rollup buckets around the requested local periods and
 * hands them to attributeEnergy (energy.ts). Hour rollups are used when every period edge is a whole UTC hour
 * (Europe/Vienna and every whole-hour zone: a year of days reads ~8 760 rows); minute rollups otherwise
 * (zones such as Asia/Kolkata +05:30).
 */
import type { EnergyBucket } from './history-types.js';
import type { SqliteDatabase } from './sqlite.js';
import { attributeEnergy, type CounterSpan } from './energy.js';
import { periodEdges } from './local-time.js';

const SPAN_COLUMNS = `energy_ts_first AS tsFirst, energy_ts_last AS tsLast, meter_first AS meterFirst,
  meter_last AS meterLast, energy_import_wh_first AS importFirst, energy_import_wh_last AS importLast,
  energy_import_wh_inner AS importInner, energy_export_wh_first AS exportFirst,
  energy_export_wh_last AS exportLast, energy_export_wh_inner AS exportInner`;

function spans(db: SqliteDatabase, table: string, fromSec: number, toSec: number): CounterSpan[] {
  const where = 'energy_ts_last IS NOT NULL';
  const before = db
    .prepare(
      `SELECT ${SPAN_COLUMNS} FROM ${table} WHERE ${table}.ts < ? AND ${where} ORDER BY ${table}.ts DESC LIMIT 1`,
    )
    .get(fromSec) as CounterSpan | undefined;
  const inside = db
    .prepare(
      `SELECT ${SPAN_COLUMNS} FROM ${table} WHERE ${table}.ts >= ? AND ${table}.ts < ? AND ${where} ORDER BY ${table}.ts`,
    )
    .all(fromSec, toSec) as CounterSpan[];
  const after = db
    .prepare(
      `SELECT ${SPAN_COLUMNS} FROM ${table} WHERE ${table}.ts >= ? AND ${where} ORDER BY ${table}.ts LIMIT 1`,
    )
    .get(toSec) as CounterSpan | undefined;
  return [...(before ? [before] : []), ...inside, ...(after ? [after] : [])];
}

export function queryEnergy(
  db: SqliteDatabase,
  period: 'day' | 'month',
  from: number,
  to: number,
  timeZone: string,
): EnergyBucket[] {
  const { periods, end } = periodEdges(period, from * 1000, to * 1000, timeZone);
  if (periods.length === 0) return [];
  const edges = [...periods.map((p) => p.start), end];
  const table = edges.every((e) => e % 3_600_000 === 0) ? 'rollup_hour' : 'rollup_minute';
  const e = attributeEnergy(edges, spans(db, table, edges[0]! / 1000, end / 1000));
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
