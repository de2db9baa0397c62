/**
 * Schema of the history file (SQLite, WAL). Outside names: database columns are snake_case with the unit and never
 * change incompatibly; new columns come as new migrations. One file holds every configured meter (v4).
 *
 * `meters` — the configured meters (`meters[].id` of the config, `default` for a one-meter config): id (small
 * integer from 0 in order of the first row, the key part of every row) ↔ config_id (text). `meter_numbers` — the meter numbers the telegrams carried
 * (id ↔ meter_id): a new number under the same configured meter (meter replaced) starts a new counter segment.
 *
 * `readings` (v4 layout) — one row per telegram, integers in base units, ~46 bytes per row on disk for the first
 * meter (the same as v3: its key is the plain ts), ~47 for every further one (a 7-byte key); a year at one telegram
 * per 5 s: ~293 MB per meter (bench/history.ts):
 *   meter_ts             meters.id · 2^44 + ts, the rowid itself (`INTEGER PRIMARY KEY`): each meter's rows are one
 *                        contiguous key range in time order, so the table is its own (meter, time) index with no
 *                        second b-tree. The first meter has id 0: its key is the ts, so a one-meter file is laid
 *                        out exactly like v3 (6-byte key, rows appended at the end). Measured
 *                        against the alternatives (bench/history-layouts.ts, 200 000 rows, meter ids from 1): v3
 *                        46.8 B/row, this 47.9 (two meters 48.1), `PRIMARY KEY (meter, ts) WITHOUT ROWID` 54.0 (52.1), rowid + unique
 *                        index (meter, ts) 68.9 (70.2); insert rates within the noise of each other.
 *   meter, ts            VIRTUAL generated columns (not stored): meters.id and unix MILLISECONDS (receive time; ms
 *                        because two telegrams can fall into the same second). Read them; filter by meter_ts ranges
 *                        (rowKeys), which the rowid search uses
 *   meter_number         → meter_numbers.id (1 header byte for the first 2 numbers)
 *   energy_*_wh          active energy counters, Wh        power_*_w        active power, W
 *   voltage_l1..3_dv     voltage in DECI-volts (0.1 V): 231.4 V → 2314
 *   current_l1..3_ma     current in MILLI-amperes: 1.23 A → 1230
 *   power_l1..3_w        per-phase active power import, W (most meters send none: 1 header byte each)
 *   NULL where the meter does not send the value (1-phase meters, list-based telegrams).
 * Reactive energy counters (varh) are NOT stored per row (v1/v2 did): the hour and day rollups keep the last
 * value per bucket (`reactive_*_varh_last`), so they survive at hourly resolution.
 *
 * `rollup_hour|day` — one row per meter and UTC-aligned bucket, `PRIMARY KEY (meter, ts) WITHOUT ROWID`, ts = bucket
 * start in unix SECONDS (~128 bytes per row, 8 760 hour rows per meter and year). Sums and counts (average = sum /
 * count, exact), min/max power, first/last counters and the sum of counter differences between consecutive
 * readings inside the bucket (`*_inner`), from which `energy()` rebuilds per-day/month energy without the raw rows
 * (see energy.ts); `meter_first`/`meter_last` are meter_numbers ids. Maintained in the same transaction as the raw
 * rows, kept for ever.
 *
 * `latest` — one row per meter (meter = meters.id): the last full snapshot as JSON, for `latest()` after a restart.
 *
 * `quarter_hour` (v5) — quarter-hour energy per meter (Austrian energy communities are billed on it), kept for ever:
 * `PRIMARY KEY (meter, start) WITHOUT ROWID`, start = interval start in unix SECONDS (on the meter's clock when
 * the telegram carries one), import_wh / export_wh the counter differences of the interval (quarter-hour.ts),
 * status `complete` | `partial` | `open` (the interval in progress, one per meter; `missing` intervals have no row),
 * resets = counter differences left out, meter_number = meter_numbers.id of the end reading, and the two boundary
 * readings (first_* at or before the start, last_* at or before the end: ms and counters) so that every value can
 * be checked against the meter's display. ~66 bytes per row on disk (measured: 11 760 rows with 8-digit counters
 * in 770 kB): 35 040 rows ≈ 2.3 MB per meter and year.
 *
 * Migrations: v1 raw rows + latest; v2 minute/hour/day rollups; v3 drops `rollup_minute` (short ranges are
 * downsampled from the raw rows) and rebuilds `readings` without the reactive columns (INSERT … SELECT in rowid
 * order: ~1 s per 500 000 rows; the freed pages are reused by new rows, the file does not shrink). A v1 file gets
 * its rollups built (with the reactive counters) BEFORE v3 runs — see history-open.ts. v5 adds `quarter_hour`, built
 * from the raw rows the file still holds (history-open.ts). v4: many meters — the old
 * `meters` table (meter numbers) becomes `meter_numbers` with its ids kept (so v3's `readings.meter` becomes
 * `meter_number`, and the rollups' `meter_first`/`meter_last` stay valid), the new `meters` gets `default` as id 0,
 * and readings (meter_ts = the old ts: meter 0), rollups and latest are rebuilt with every row under meter 0. history-open.ts copies a file with data
 * to `<path>.v<N>-backup` before any upgrade and refuses files newer than HISTORY_VERSION.
 */
import type { Migration } from './sqlite.js';

export const ROLLUP_TABLES = { hour: 3600, day: 86400 } as const;
export type RollupLevel = keyof typeof ROLLUP_TABLES;

/** The migration after which the rollup tables exist (a v1 file is upgraded to this, rolled up, then to the end). */
export const ROLLUPS_VERSION = 2;

/** The rollup columns after the key, in table order (the same in v2 and v4). */
const ROLLUP_BODY = `
  n INTEGER NOT NULL,
  n_power INTEGER NOT NULL,
  power_import_w_sum INTEGER, power_import_w_min INTEGER, power_import_w_max INTEGER,
  power_export_w_sum INTEGER, power_export_w_min INTEGER, power_export_w_max INTEGER,
  n_phase_power INTEGER NOT NULL,
  power_l1_w_sum INTEGER, power_l2_w_sum INTEGER, power_l3_w_sum INTEGER,
  n_voltage INTEGER NOT NULL,
  voltage_l1_dv_sum INTEGER, voltage_l2_dv_sum INTEGER, voltage_l3_dv_sum INTEGER,
  n_current INTEGER NOT NULL,
  current_l1_ma_sum INTEGER, current_l2_ma_sum INTEGER, current_l3_ma_sum INTEGER,
  energy_ts_first INTEGER, energy_ts_last INTEGER, meter_first INTEGER, meter_last INTEGER,
  energy_import_wh_first INTEGER, energy_import_wh_last INTEGER, energy_import_wh_inner INTEGER,
  energy_export_wh_first INTEGER, energy_export_wh_last INTEGER, energy_export_wh_inner INTEGER,
  reactive_import_varh_last INTEGER, reactive_export_varh_last INTEGER`;

/** v2 layout: keyed by the bucket alone. */
function rollupTable(level: string): string {
  return `CREATE TABLE rollup_${level} (\n  ts INTEGER PRIMARY KEY,${ROLLUP_BODY}\n);`;
}

/** v4 layout: keyed by (meter, bucket), the key is the b-tree (no rowid, no second index). */
function rollupTableV4(name: string): string {
  return `CREATE TABLE ${name} (\n  meter INTEGER NOT NULL,\n  ts INTEGER NOT NULL,${ROLLUP_BODY},\n  PRIMARY KEY (meter, ts)\n) WITHOUT ROWID;`;
}

/** The integer columns of `readings` after the key and the meter number, in table order (v3 and v4). */
export const READING_COLUMNS = [
  'energy_import_wh',
  'energy_export_wh',
  'power_import_w',
  'power_export_w',
  'voltage_l1_dv',
  'voltage_l2_dv',
  'voltage_l3_dv',
  'current_l1_ma',
  'current_l2_ma',
  'current_l3_ma',
  'power_l1_w',
  'power_l2_w',
  'power_l3_w',
] as const;
export type ReadingColumn = (typeof READING_COLUMNS)[number];

/** Values taken from a telegram that only the rollups keep. */
export const ROLLUP_ONLY_FIELDS = ['reactive_import_varh', 'reactive_export_varh'] as const;
/** Every value of a history row: the stored columns and the rollup-only ones. */
export const ROW_FIELDS = [...READING_COLUMNS, ...ROLLUP_ONLY_FIELDS] as const;
export type RowField = (typeof ROW_FIELDS)[number];

/** Every rollup column name after the key, in table order (parsed from ROLLUP_BODY: one source). */
const ROLLUP_COLUMN_NAMES = [...ROLLUP_BODY.matchAll(/(\w+) INTEGER/g)].map((m) => m[1]).join(', ');

const readingsV3 = (name: string): string =>
  `CREATE TABLE ${name} (
  ts INTEGER PRIMARY KEY,
  meter INTEGER NOT NULL,
  ${READING_COLUMNS.map((c) => `${c} INTEGER`).join(', ')}
);`;

/**
 * The key of a v4 raw row: meters.id · 2^44 + ts (ms). One integer, so it is the rowid itself (as `ts` was in v3):
 * each meter's rows are one contiguous key range in time order, a meter's time range is one range seek, and no
 * second b-tree is needed. 2^44 ms reach the year 2527; ids up to 511 keep the key exact in a JS number.
 */
export const METER_KEY_SPAN = 2 ** 44;
/** The key range [lo, hi) of one meter's rows (meters.id `meter`) from `fromMs` to `toMs`. */
export function rowKeys(meter: number, fromMs = 0, toMs = METER_KEY_SPAN): [number, number] {
  const base = meter * METER_KEY_SPAN;
  return [base + Math.max(0, fromMs), base + Math.min(METER_KEY_SPAN, toMs)];
}

const readingsV4 = (name: string): string =>
  `CREATE TABLE ${name} (
  meter_ts INTEGER PRIMARY KEY,
  meter_number INTEGER NOT NULL,
  ${READING_COLUMNS.map((c) => `${c} INTEGER`).join(', ')},
  meter INTEGER GENERATED ALWAYS AS (meter_ts / ${METER_KEY_SPAN}) VIRTUAL,
  ts INTEGER GENERATED ALWAYS AS (meter_ts % ${METER_KEY_SPAN}) VIRTUAL
);`;

/** The configured meter a v1–v3 file's data belongs to (those releases read one meter). */
export const V3_METER = 'default';

/** Rebuilds a table under the v4 layout (the caller's SELECT attributes every old row to meter 0, `default`). */
function rebuild(table: string, create: (name: string) => string, columns: string, select: string): string {
  return `${create(`${table}_v4`)}
INSERT INTO ${table}_v4 (${columns}) SELECT ${select} FROM ${table} ORDER BY ts;
DROP TABLE ${table};
ALTER TABLE ${table}_v4 RENAME TO ${table};`;
}

export const HISTORY_MIGRATIONS: Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE meters (id INTEGER PRIMARY KEY, meter_id TEXT NOT NULL UNIQUE);
CREATE TABLE readings (
  ts INTEGER PRIMARY KEY,
  meter INTEGER NOT NULL,
  energy_import_wh INTEGER, energy_export_wh INTEGER,
  reactive_import_varh INTEGER, reactive_export_varh INTEGER,
  power_import_w INTEGER, power_export_w INTEGER,
  voltage_l1_dv INTEGER, voltage_l2_dv INTEGER, voltage_l3_dv INTEGER,
  current_l1_ma INTEGER, current_l2_ma INTEGER, current_l3_ma INTEGER,
  power_l1_w INTEGER, power_l2_w INTEGER, power_l3_w INTEGER
);
CREATE TABLE latest (id INTEGER PRIMARY KEY CHECK (id = 1), ts INTEGER NOT NULL, snapshot TEXT NOT NULL);`,
  },
  {
    version: 2,
    sql: ['minute', 'hour', 'day'].map(rollupTable).join('\n'),
  },
  {
    version: 3,
    sql: `
DROP TABLE rollup_minute;
${readingsV3('readings_v3')}
INSERT INTO readings_v3 (ts, meter, ${READING_COLUMNS.join(', ')})
  SELECT ts, meter, ${READING_COLUMNS.join(', ')} FROM readings ORDER BY ts;
DROP TABLE readings;
ALTER TABLE readings_v3 RENAME TO readings;`,
  },
  {
    version: 4,
    sql: `
ALTER TABLE meters RENAME TO meter_numbers;
CREATE TABLE meters (id INTEGER PRIMARY KEY, config_id TEXT NOT NULL UNIQUE);
INSERT INTO meters (id, config_id) SELECT 0, '${V3_METER}'
  WHERE EXISTS (SELECT 1 FROM readings) OR EXISTS (SELECT 1 FROM rollup_hour) OR EXISTS (SELECT 1 FROM latest);
${rebuild('readings', readingsV4, `meter_ts, meter_number, ${READING_COLUMNS.join(', ')}`, `ts, meter, ${READING_COLUMNS.join(', ')}`)}
${(['hour', 'day'] as const).map((l) => rebuild(`rollup_${l}`, rollupTableV4, `meter, ts, ${ROLLUP_COLUMN_NAMES}`, `0, ts, ${ROLLUP_COLUMN_NAMES}`)).join('\n')}
CREATE TABLE latest_v4 (meter INTEGER PRIMARY KEY, ts INTEGER NOT NULL, snapshot TEXT NOT NULL);
INSERT INTO latest_v4 (meter, ts, snapshot) SELECT 0, ts, snapshot FROM latest;
DROP TABLE latest;
ALTER TABLE latest_v4 RENAME TO latest;`,
  },
  {
    version: 5,
    sql: `
CREATE TABLE quarter_hour (
  meter INTEGER NOT NULL,
  start INTEGER NOT NULL,
  import_wh INTEGER NOT NULL,
  export_wh INTEGER,
  status TEXT NOT NULL,
  resets INTEGER NOT NULL,
  meter_number INTEGER NOT NULL,
  first_ts INTEGER, first_import_wh INTEGER, first_export_wh INTEGER,
  last_ts INTEGER NOT NULL, last_import_wh INTEGER NOT NULL, last_export_wh INTEGER,
  PRIMARY KEY (meter, start)
) WITHOUT ROWID;`,
  },
];

/** The newest schema this code knows; a file with a higher user_version is refused (history-open.ts). */
export const HISTORY_VERSION = HISTORY_MIGRATIONS[HISTORY_MIGRATIONS.length - 1]!.version;
