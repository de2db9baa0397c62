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
