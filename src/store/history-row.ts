/**
 * MeterSnapshot → one history row (pure): the `readings` columns plus the reactive counters that only the rollups
 * keep (see history-schema.ts). Readings are matched by OBIS code with the B field (channel) ignored,
 * so `1.1.1.8.0.255` counts as `1.0.1.8.0.255`; values are converted to the column's integer base unit
 * (Wh, varh, W, deci-volts, milli-amperes) by the unit factor table below.
 */
import type { MeterSnapshot } from '../model/snapshot.js';
import type { RowField } from './history-schema.js';

/** `meter`: the configured meter (snapshot.meter, the store's key); `meterId`: the meter number from the telegram. */
export type HistoryRow = { ts: number; meter: string; meterId: string } & Record<RowField, number | null>;

type ColumnUnit = 'Wh' | 'varh' | 'W' | 'dV' | 'mA';

/** OBIS without the B field (`a.c.d.e.f`) → column. */
const OBIS_COLUMNS: Record<string, [RowField, ColumnUnit]> = {
  '1.1.8.0.255': ['energy_import_wh', 'Wh'],
  '1.2.8.0.255': ['energy_export_wh', 'Wh'],
  '1.3.8.0.255': ['reactive_import_varh', 'varh'],
  '1.4.8.0.255': ['reactive_export_varh', 'varh'],
  '1.1.7.0.255': ['power_import_w', 'W'],
  '1.2.7.0.255': ['power_export_w', 'W'],
  '1.32.7.0.255': ['voltage_l1_dv', 'dV'],
  '1.52.7.0.255': ['voltage_l2_dv', 'dV'],
  '1.72.7.0.255': ['voltage_l3_dv', 'dV'],
  '1.31.7.0.255': ['current_l1_ma', 'mA'],
  '1.51.7.0.255': ['current_l2_ma', 'mA'],
  '1.71.7.0.255': ['current_l3_ma', 'mA'],
  '1.21.7.0.255': ['power_l1_w', 'W'],
  '1.41.7.0.255': ['power_l2_w', 'W'],
  '1.61.7.0.255': ['power_l3_w', 'W'],
};

/** Reading unit (absent = the base unit) → factor to the column unit. */
const UNIT_FACTORS: Record<ColumnUnit, Record<string, number>> = {
  Wh: { '': 1, Wh: 1, kWh: 1000 },
  varh: { '': 1, varh: 1, kvarh: 1000 },
  W: { '': 1, W: 1, kW: 1000 },
  dV: { '': 10, V: 10 },
  mA: { '': 1000, A: 1000, mA: 1 },
};

function obisWithoutChannel(obis: string): string {
  const p = obis.split('.');
  return p.length === 6 ? `${p[0]}.${p[2]}.${p[3]}.${p[4]}.${p[5]}` : obis;
}

function emptyRow(ts: number, meter: string, meterId: string): HistoryRow {
  const row = { ts, meter, meterId } as HistoryRow;
  for (const [column] of Object.values(OBIS_COLUMNS)) row[column] = null;
  return row;
}

/** The row for one snapshot; values the meter does not send (or sends in an unknown unit) stay null. */
export function toHistoryRow(snapshot: MeterSnapshot): HistoryRow {
  const row = emptyRow(snapshot.receivedAt, snapshot.meter, snapshot.meterId);
  for (const r of snapshot.readings) {
    const target = OBIS_COLUMNS[obisWithoutChannel(r.obis)];
    if (!target || typeof r.value !== 'number' || !Number.isFinite(r.value)) continue;
    const factor = UNIT_FACTORS[target[1]][r.unit ?? ''];
    if (factor !== undefined) row[target[0]] = Math.round(r.value * factor);
  }
  return row;
}
