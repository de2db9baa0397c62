/**
 * Incremental rollups (pure): a batch of rows → one partial aggregate per touched hour/day bucket, merged
 * into the rollup tables with one upsert per bucket. Each rollup column has a merge kind (sum, min, max, first,
 * last); the same table drives the JS fold and the SQL `ON CONFLICT … DO UPDATE`, so both always agree.
 *
 * Counter differences: the builder remembers the last row that carried an energy counter. A pair of consecutive
 * counter rows inside one bucket adds its difference to `*_inner`; a pair spanning buckets is left to `energy()`,
 * which finds it again from one bucket's `*_last` and the next bucket's `*_first`. `counterDelta` decides when a
 * pair starts a new segment instead (meter replaced, counter went down, implausibly large jump).
 */
import { ROLLUP_TABLES, type RollupLevel } from './history-schema.js';
import type { RowField } from './history-schema.js';

/**
 * A row as the rollups see it: `number` is the meter number's dictionary id (meter_numbers.id), so a replaced
 * meter starts a new counter segment. The configured meter is not here: each meter has its own builder.
 */
export type StoredRow = { ts: number; number: number } & Record<RowField, number | null>;

/** The last row of one configured meter that carried an energy counter. */
export interface CounterState {
  ts: number;
  /** meter_numbers.id of that row. */
  meter: number;
  importWh: number;
  exportWh: number | null;
}

/** A jump above this average power between two readings is not energy but a new counter (new segment). */
export const MAX_PLAUSIBLE_POWER_W = 250_000;

/** Difference of two consecutive counter readings, or null when they belong to different segments. */
export function counterDelta(
  prev: number | null,
  cur: number | null,
  sameMeter: boolean,
  dtMs: number,
): number | null {
  if (prev === null || cur === null || !sameMeter) return null;
  const d = cur - prev;
  const limit = (MAX_PLAUSIBLE_POWER_W * Math.max(dtMs, 1000)) / 3_600_000;
  return d >= 0 && d <= limit ? d : null;
}

type Kind = 'sum' | 'min' | 'max' | 'first' | 'last';
interface Inner {
  importWh: number | null;
  exportWh: number | null;
}
interface RollupColumn {
  name: string;
  kind: Kind;
  value(r: StoredRow, inner: Inner): number | null;
}

const present = (v: number | null): number => (v === null ? 0 : 1);
const ifEnergy = (r: StoredRow, v: number | null): number | null => (r.energy_import_wh === null ? null : v);

function powerColumns(field: 'power_import_w' | 'power_export_w'): RollupColumn[] {
  return [
    { name: `${field}_sum`, kind: 'sum', value: (r) => r[field] },
    { name: `${field}_min`, kind: 'min', value: (r) => r[field] },
    { name: `${field}_max`, kind: 'max', value: (r) => r[field] },
  ];
}

function sums(fields: (keyof StoredRow & string)[]): RollupColumn[] {
  return fields.map((f) => ({ name: `${f}_sum`, kind: 'sum', value: (r) => r[f] as number | null }));
}

/** Every rollup column after `ts`, in table order. */
export const ROLLUP_COLUMNS: RollupColumn[] = [
  { name: 'n', kind: 'sum', value: () => 1 },
  { name: 'n_power', kind: 'sum', value: (r) => present(r.power_import_w) },
  ...powerColumns('power_import_w'),
  ...powerColumns('power_export_w'),
  { name: 'n_phase_power', kind: 'sum', value: (r) => present(r.power_l1_w) },
  ...sums(['power_l1_w', 'power_l2_w', 'power_l3_w']),
  { name: 'n_voltage', kind: 'sum', value: (r) => present(r.voltage_l1_dv) },
  ...sums(['voltage_l1_dv', 'voltage_l2_dv', 'voltage_l3_dv']),
  { name: 'n_current', kind: 'sum', value: (r) => present(r.current_l1_ma) },
  ...sums(['current_l1_ma', 'current_l2_ma', 'current_l3_ma']),
  { name: 'energy_ts_first', kind: 'first', value: (r) => ifEnergy(r, r.ts) },
  { name: 'energy_ts_last', kind: 'last', value: (r) => ifEnergy(r, r.ts) },
  { name: 'meter_first', kind: 'first', value: (r) => ifEnergy(r, r.number) },
  { name: 'meter_last', kind: 'last', value: (r) => ifEnergy(r, r.number) },
  { name: 'energy_import_wh_first', kind: 'first', value: (r) => r.energy_import_wh },
  { name: 'energy_import_wh_last', kind: 'last', value: (r) => r.energy_import_wh },
  { name: 'energy_import_wh_inner', kind: 'sum', value: (_r, i) => i.importWh },
  { name: 'energy_export_wh_first', kind: 'first', value: (r) => ifEnergy(r, r.energy_export_wh) },
  { name: 'energy_export_wh_last', kind: 'last', value: (r) => ifEnergy(r, r.energy_export_wh) },
  { name: 'energy_export_wh_inner', kind: 'sum', value: (_r, i) => i.exportWh },
  // only in the rollups: raw rows read back from a v3 file have no reactive columns (undefined → null)
  { name: 'reactive_import_varh_last', kind: 'last', value: (r) => r.reactive_import_varh ?? null },
  { name: 'reactive_export_varh_last', kind: 'last', value: (r) => r.reactive_export_varh ?? null },
];

const FOLD: Record<Kind, (acc: number, v: number) => number> = {
  sum: (a, v) => a + v,
  min: (a, v) => Math.min(a, v),
  max: (a, v) => Math.max(a, v),
  first: (a) => a,
  last: (_a, v) => v,
};

const MERGE_SQL: Record<Kind, (c: string) => string> = {
  sum: (c) => `coalesce(${c} + excluded.${c}, ${c}, excluded.${c})`,
  min: (c) => `coalesce(min(${c}, excluded.${c}), ${c}, excluded.${c})`,
  max: (c) => `coalesce(max(${c}, excluded.${c}), ${c}, excluded.${c})`,
  first: (c) => `coalesce(${c}, excluded.${c})`,
  last: (c) => `coalesce(excluded.${c}, ${c})`,
};

/**
 * `INSERT … ON CONFLICT(meter, ts) DO UPDATE` merging one partial into a rollup table; parameters: meter, ts,
 * then the columns. `keyed: false` is the v2 layout (no meter column), used only to build a v1 file's rollups.
 */
export function rollupUpsertSql(level: RollupLevel, keyed = true): string {
  const names = ROLLUP_COLUMNS.map((c) => c.name);
  const set = ROLLUP_COLUMNS.map((c) => `${c.name} = ${MERGE_SQL[c.kind](c.name)}`).join(', ');
  const key = keyed ? 'meter, ts' : 'ts';
  return (
    `INSERT INTO rollup_${level} (${key}, ${names.join(', ')}) VALUES (${keyed ? '?, ' : ''}?${', ?'.repeat(names.length)}) ` +
    `ON CONFLICT(${key}) DO UPDATE SET ${set}`
  );
}

/** Partial aggregates of one batch: level → bucket start (unix s) → column values in ROLLUP_COLUMNS order. */
export type Partials = Record<RollupLevel, Map<number, (number | null)[]>>;

const LEVELS = Object.entries(ROLLUP_TABLES) as [RollupLevel, number][];

/** Folds rows (ascending ts) into partials, carrying the counter state across batches. */
export class RollupBuilder {
  constructor(public state: CounterState | undefined) {}

  build(rows: StoredRow[]): Partials {
    const out = Object.fromEntries(LEVELS.map(([level]) => [level, new Map()])) as Partials;
    for (const r of rows) this.add(out, r);
    return out;
  }

  private add(out: Partials, r: StoredRow): void {
    const prev = r.energy_import_wh === null ? undefined : this.state;
    const same = prev !== undefined && prev.meter === r.number;
    const dt = prev ? r.ts - prev.ts : 0;
    const dImport = prev ? counterDelta(prev.importWh, r.energy_import_wh, same, dt) : null;
    const dExport = prev ? counterDelta(prev.exportWh, r.energy_export_wh, same, dt) : null;
    const values = ROLLUP_COLUMNS.map((c) => c.value(r, NO_INNER));
    for (const [level, seconds] of LEVELS) {
      const bucket = Math.floor(r.ts / 1000 / seconds) * seconds;
      const inBucket = prev !== undefined && Math.floor(prev.ts / 1000 / seconds) * seconds === bucket;
      values[IMPORT_INNER] = inBucket ? dImport : null;
      values[EXPORT_INNER] = inBucket ? dExport : null;
      const acc = out[level].get(bucket);
      if (acc) foldInto(acc, values);
      else out[level].set(bucket, values.slice());
    }
    if (r.energy_import_wh !== null) {
      this.state = { ts: r.ts, meter: r.number, importWh: r.energy_import_wh, exportWh: r.energy_export_wh };
    }
  }
}

const NO_INNER: Inner = { importWh: null, exportWh: null };
const IMPORT_INNER = ROLLUP_COLUMNS.findIndex((c) => c.name === 'energy_import_wh_inner');
const EXPORT_INNER = ROLLUP_COLUMNS.findIndex((c) => c.name === 'energy_export_wh_inner');
const KINDS = ROLLUP_COLUMNS.map((c) => FOLD[c.kind]);

function foldInto(acc: (number | null)[], values: (number | null)[]): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === null) continue;
    const a = acc[i]!;
    acc[i] = a === null ? v : KINDS[i]!(a, v);
  }
}
