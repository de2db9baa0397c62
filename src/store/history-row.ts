/**
 * MeterSnapshot → one history row (pure): the `readings` columns plus the reactive counters that only the rollups
 * keep (see history-schema.ts). Which reading fills which column, and in which integer unit (Wh, varh, W,
 * deci-volts, milli-amperes), is the `history` part of the one quantity table (src/cosem/quantities.ts), with its
 * one matching rule: any channel B (`1.1.1.8.0.255` fills energy_import_wh), only F = 255 (a billing-period object
 * such as 1.0.1.8.0.101 is never the current counter). Values arrive in the key's unit (the decoder normalises);
 * a reading in any other unit stays null.
 */
import type { MeterSnapshot } from '../model/snapshot.js';
import { QUANTITIES, applyScaler, lookupQuantity, valueInKeyUnit } from '../cosem/index.js';
import type { RowField } from './history-schema.js';

/** `meter`: the configured meter (snapshot.meter, the store's key); `meterId`: the meter number from the telegram. */
export type HistoryRow = { ts: number; meter: string; meterId: string; meterTime?: string } & Record<
  RowField,
  number | null
>;

/** Every column the table fills (history-schema.ts READING_COLUMNS + ROLLUP_ONLY_FIELDS; a test holds both equal). */
const COLUMNS = QUANTITIES.flatMap((q) => (q.history ? [q.history.column as RowField] : []));

function emptyRow(ts: number, meter: string, meterId: string): HistoryRow {
  const row = { ts, meter, meterId } as HistoryRow;
  for (const column of COLUMNS) row[column] = null;
  return row;
}

/** The row for one snapshot; values the meter does not send (or sends in an unknown unit) stay null. */
export function toHistoryRow(snapshot: MeterSnapshot): HistoryRow {
  const row = emptyRow(snapshot.receivedAt, snapshot.meter, snapshot.meterId);
  // the meter's clock (not stored per row): the quarter hours are cut on it (quarter-hour.ts)
  if (snapshot.meterTime !== undefined) row.meterTime = snapshot.meterTime;
  for (const r of snapshot.readings) {
    const q = lookupQuantity(r.obis);
    const column = q?.history;
    if (!column) continue;
    const v = valueInKeyUnit(q, r);
    if (v !== undefined) row[column.column as RowField] = Math.round(applyScaler(v, column.scaler));
  }
  return row;
}
