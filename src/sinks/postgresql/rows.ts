/**
 * MeterSnapshot → one PostgreSQL row (pure). The main readings become typed columns named by their stable key
 * (already in the key's unit: the decoder normalised them, src/cosem/quantities.ts); every reading also goes into
 * `readings` (jsonb) as `{key: value}`, so nothing the meter sent is lost. The row is what the durable outbox
 * stores (JSON), so a telegram delivered hours late still carries its own receive time.
 */
import { numberValue, type MeterSnapshot } from '../../model/snapshot.js';

/** Typed columns after the identity columns, in table order (double precision; NULL when the meter sends none). */
export const PG_VALUE_COLUMNS = [
  'energy_import_wh',
  'energy_export_wh',
  'reactive_energy_import_varh',
  'reactive_energy_export_varh',
  'power_import_w',
  'power_export_w',
  'reactive_power_import_var',
  'reactive_power_export_var',
  'voltage_l1_v',
  'voltage_l2_v',
  'voltage_l3_v',
  'current_l1_a',
  'current_l2_a',
  'current_l3_a',
  'power_factor',
] as const;

export interface PgRow {
  /** Configured meter id (`meters[].id`). */
  meter: string;
  /** Receive time, ms since the epoch (the primary key's second half). */
  received_at: number;
  /** Meter number the telegram carries. */
  meter_id: string;
  profile: string;
  /** The meter's clock as it sent it (ISO 8601, with offset when the meter states one). */
  meter_time: string | null;
  values: Record<(typeof PG_VALUE_COLUMNS)[number], number | null>;
  readings: Record<string, number | string>;
}

export function toPgRow(s: MeterSnapshot): PgRow {
  const byKey = new Map(s.readings.map((r) => [r.key, r]));
  const values = {} as PgRow['values'];
  for (const c of PG_VALUE_COLUMNS) values[c] = numberValue(byKey.get(c)) ?? null;
  const readings: Record<string, number | string> = {};
  for (const r of s.readings) readings[r.key] = r.value;
  return {
    meter: s.meter,
    received_at: s.receivedAt,
    meter_id: s.meterId,
    profile: s.profile,
    meter_time: s.meterTime ?? null,
    values,
    readings,
  };
}

/** Quotes an identifier that options.ts already checked to be `[A-Za-z_][A-Za-z0-9_]*`. */
export const ident = (name: string): string => `"${name}"`;

/** The table and its index (`CREATE … IF NOT EXISTS`: run at every connect, cheap when it exists). */
export function createTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${ident(table)} (
  meter text NOT NULL,
  received_at timestamptz NOT NULL,
  meter_id text NOT NULL,
  profile text NOT NULL,
  meter_time text,
  ${PG_VALUE_COLUMNS.map((c) => `${c} double precision`).join(',\n  ')},
  readings jsonb NOT NULL,
  PRIMARY KEY (meter, received_at)
)`;
}

/** The quarter-hour view's name: `<table>_15min` (kept within PostgreSQL's 63-byte identifiers). */
export const quarterHourView = (table: string): string => `${table.slice(0, 57)}_15min`;

/**
 * Quarter-hour energy derived from the table, so every instance of a fleet (each sees only its share of each
 * meter's telegrams) and every reader of the database get the same intervals — the rules of
 * src/store/quarter-hour.ts, in SQL (PostgreSQL 14+: date_bin):
 * - intervals are [k·15 min, (k+1)·15 min) in UTC, which are the local quarter hours of every zone in use (all
 *   UTC offsets are multiples of 15 minutes), cut on `received_at` (the bridge's receive time);
 * - the counter at a boundary is the last reading at or before it; a row for each interval that has a reading in
 *   (start, end], its energy the end boundary's counter minus the start boundary's (the last reading before);
 *   intervals without a reading are not listed (nothing was used in them);
 * - `complete` when both boundary readings lie within 30 s of their boundaries, `partial` otherwise, `open` for
 *   the newest interval of a meter (a later reading may still come before its end). A meter number that changed
 *   (meter replaced) or a counter that went down leaves the energy NULL and the interval partial; kaifareader's
 *   own history then sums the valid parts, which the boundary readings alone cannot.
 */
export function createQuarterHourViewSql(table: string): string {
  const t = ident(table);
  const bin = (ts: string) => `date_bin('15 minutes', ${ts}, TIMESTAMPTZ '2000-01-01 00:00:00+00')`;
  return `CREATE OR REPLACE VIEW ${ident(quarterHourView(table))} AS
WITH bounded AS (
  SELECT meter, meter_id, received_at, energy_import_wh AS import_wh, energy_export_wh AS export_wh,
         ${bin("received_at - INTERVAL '1 microsecond'")} + INTERVAL '15 minutes' AS boundary
  FROM ${t} WHERE energy_import_wh IS NOT NULL
), at_boundary AS (
  SELECT DISTINCT ON (meter, boundary) * FROM bounded ORDER BY meter, boundary, received_at DESC
), paired AS (
  SELECT b.*, lag(boundary) OVER w AS prev_boundary, lag(received_at) OVER w AS prev_at,
         lag(meter_id) OVER w AS prev_meter_id, lag(import_wh) OVER w AS prev_import,
         lag(export_wh) OVER w AS prev_export, lead(boundary) OVER w AS next_boundary
  FROM at_boundary b WINDOW w AS (PARTITION BY meter ORDER BY boundary)
), judged AS (
  SELECT *, meter_id = prev_meter_id AND import_wh >= prev_import
            AND (export_wh IS NULL OR prev_export IS NULL OR export_wh >= prev_export) AS counted
  FROM paired WHERE prev_boundary IS NOT NULL
)
SELECT meter,
       boundary - INTERVAL '15 minutes' AS interval_start,
       boundary AS interval_end,
       CASE WHEN counted THEN import_wh - prev_import END AS import_wh,
       CASE WHEN counted THEN export_wh - prev_export END AS export_wh,
       CASE WHEN next_boundary IS NULL THEN 'open'
            WHEN counted AND boundary - prev_boundary = INTERVAL '15 minutes'
                 AND prev_at >= prev_boundary - INTERVAL '30 seconds'
                 AND received_at >= boundary - INTERVAL '30 seconds' THEN 'complete'
            ELSE 'partial' END AS status,
       prev_at AS start_reading_at,
       received_at AS end_reading_at
FROM judged`;
}

/**
 * One multi-row INSERT for a batch, with `ON CONFLICT DO NOTHING`: a batch retried after a dropped connection
 * (committed on the server, the acknowledgement lost) never duplicates a telegram.
 */
export function insertSql(table: string, rows: readonly PgRow[]): { text: string; values: unknown[] } {
  const cols = ['meter', 'received_at', 'meter_id', 'profile', 'meter_time', ...PG_VALUE_COLUMNS, 'readings'];
  const values: unknown[] = [];
  const tuples = rows.map((r) => {
    const row = [
      r.meter,
      new Date(r.received_at).toISOString(),
      r.meter_id,
      r.profile,
      r.meter_time,
      ...PG_VALUE_COLUMNS.map((c) => r.values[c]),
      JSON.stringify(r.readings),
    ];
    const start = values.length;
    values.push(...row);
    return `(${row.map((_, i) => `$${start + i + 1}`).join(', ')})`;
  });
  return {
    text: `INSERT INTO ${ident(table)} (${cols.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (meter, received_at) DO NOTHING`,
    values,
  };
}
