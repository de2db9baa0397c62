/**
 * The one quantity table: everything the program knows about a well-known OBIS code (IEC 62056-6-1 value groups,
 * OBIS list of the DLMS UA) in one row — its stable outside key (snake_case with the unit: `energy_import_wh`),
 * human name, the key's unit and the units a meter may state it in (with the power of ten to the key's unit),
 * Home Assistant classes, the Prometheus metric, the history column, the Solarview line and the legacy MQTT topic.
 *
 * One matching rule for every user (decoder, MQTT, history, metrics, Solarview): A.C.D.E of the row, ANY channel B
 * (Kamstrup sends 1.1.1.8.0.255, Norwegian lists 1.1.0.2.129.255), and only F = 255. Other F values are billing
 * periods (1.0.1.8.0.101 = A+ at the end of the last period): different objects, never the current counter.
 *
 * Values are normalised once, in the decoder (`profiles/reading.ts`): a reading whose quantity is known and whose
 * unit is one of `accepts` gets its value in the key's unit (decimal-exact, `applyScaler`) and `unit` = the key's
 * unit — a DSMR `1-0:1.8.0(000006.695*kWh)` becomes 6695 Wh. Sinks never convert back: they take a reading's
 * value only when its unit IS the key's unit (`valueInKeyUnit`), so a value in an unexpected unit is left out
 * rather than exposed wrong.
 *
 * Keys are an outside contract (MQTT JSON, database columns, HTTP API, docs/): never rename one.
 */
import { parseObis, type ObisTuple } from './obis.js';
import { applyScaler } from './scale.js';

export type StateClass = 'measurement' | 'total_increasing' | 'total';
/** Prometheus base units the metrics are in (`joules`: 1 Wh = 3600 J; `var_seconds`: 1 varh = 3600 var·s). */
export type MetricBase =
  'joules' | 'watts' | 'var_seconds' | 'vars' | 'volts' | 'amperes' | 'hertz' | 'ratio';
/** Integer units of the history columns: deci-volts and milli-amperes keep one and three decimals. */
export type HistoryUnit = 'Wh' | 'varh' | 'W' | 'dV' | 'mA';
/** Topic names of the old Python tool's MQTT output. */
export type LegacyTopic = 'RealEnergyIn_S' | 'RealEnergyOut_S';

export interface QuantityMetric {
  /** Full metric name, e.g. `kaifareader_energy_import_joules_total`. */
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  base: MetricBase;
  /** Factor from the key's unit to `base` (Wh → J: 3600). */
  factor: number;
  /** Extra labels (phase, tariff). */
  labels?: Readonly<Record<string, string>>;
}

export interface HistoryColumn {
  /** Column (or rollup-only field) of history-schema.ts, e.g. `voltage_l1_dv`. */
  column: string;
  unit: HistoryUnit;
  /** Power of ten from the key's unit to the column's unit (V → dV: 1, A → mA: 3). */
  scaler: number;
}

export interface Quantity {
  /** Canonical code with B = 0, F = 255, e.g. `1.0.1.8.0.255`. */
  obis: string;
  /** Stable outside key, e.g. `energy_import_wh`. */
  key: string;
  name: string;
  /** The key's unit (DLMS unit name: `Wh`, `W`, `var`, `V` …); absent for text, counts and ratios. */
  unit?: string;
  /** Units a meter may state the value in → power of ten to `unit` (`kWh`: 3). Includes `unit` itself (0). */
  accepts: Readonly<Record<string, number>>;
  /** Home Assistant device class. */
  deviceClass?: string;
  stateClass?: StateClass;
  metric?: QuantityMetric;
  history?: HistoryColumn;
  /** Line label in the Solarview file (`1.8.0`). */
  solarview?: string;
  /** Topic name of the old Python tool's MQTT output (`RealEnergyIn_S`). */
  legacyTopic?: LegacyTopic;
}

type Kind = 'energy' | 'power' | 'rpower' | 'renergy' | 'spower' | 'senergy' | 'V' | 'A' | 'pf' | 'Hz';

interface KindInfo {
  unit?: string;
  suffix: string;
  accepts: Readonly<Record<string, number>>;
  deviceClass?: string;
  stateClass: StateClass;
  /** Prometheus base unit and factor from `unit`; absent where Prometheus has no base unit (VA, VAh). */
  metricBase?: MetricBase;
  metricFactor?: number;
}

/**
 * Unit, accepted units, HA classes and metric base per kind of quantity: the one place that ties units to
 * device classes and conversions. DLMS units are never kilo (the scaler carries the power of ten); DSMR text
 * telegrams state kWh, kW, kvarh, kvar.
 */
const KINDS: Record<Kind, KindInfo> = {
  energy: {
    unit: 'Wh',
    suffix: '_wh',
    accepts: { Wh: 0, kWh: 3, MWh: 6 },
    deviceClass: 'energy',
    stateClass: 'total_increasing',
    metricBase: 'joules',
    metricFactor: 3600,
  },
  power: {
    unit: 'W',
    suffix: '_w',
    accepts: { W: 0, kW: 3, MW: 6 },
    deviceClass: 'power',
    stateClass: 'measurement',
    metricBase: 'watts',
    metricFactor: 1,
  },
  renergy: {
    unit: 'varh',
    suffix: '_varh',
    accepts: { varh: 0, kvarh: 3, Mvarh: 6 },
    deviceClass: 'reactive_energy',
    stateClass: 'total_increasing',
    metricBase: 'var_seconds',
    metricFactor: 3600,
  },
  rpower: {
    unit: 'var',
    suffix: '_var',
    accepts: { var: 0, kvar: 3, Mvar: 6 },
    deviceClass: 'reactive_power',
    stateClass: 'measurement',
    metricBase: 'vars',
    metricFactor: 1,
  },
  // Home Assistant has no device class for apparent energy.
  senergy: {
    unit: 'VAh',
    suffix: '_vah',
    accepts: { VAh: 0, kVAh: 3, MVAh: 6 },
    stateClass: 'total_increasing',
  },
  spower: {
    unit: 'VA',
    suffix: '_va',
    accepts: { VA: 0, kVA: 3, MVA: 6 },
    deviceClass: 'apparent_power',
    stateClass: 'measurement',
  },
  V: {
    unit: 'V',
    suffix: '_v',
    accepts: { V: 0, kV: 3 },
    deviceClass: 'voltage',
    stateClass: 'measurement',
    metricBase: 'volts',
    metricFactor: 1,
  },
  A: {
    unit: 'A',
    suffix: '_a',
    accepts: { A: 0, mA: -3 },
    deviceClass: 'current',
    stateClass: 'measurement',
    metricBase: 'amperes',
    metricFactor: 1,
  },
  pf: {
    suffix: '',
    accepts: {},
    deviceClass: 'power_factor',
    stateClass: 'measurement',
    metricBase: 'ratio',
    metricFactor: 1,
  },
  Hz: {
    unit: 'Hz',
    suffix: '_hz',
    accepts: { Hz: 0 },
    deviceClass: 'frequency',
    stateClass: 'measurement',
    metricBase: 'hertz',
    metricFactor: 1,
  },
};

/** [A.C.D.E, key stem (unit suffix added from kind), name, kind]. */
type MeasureRow = readonly [string, string, string, Kind];

const TOTALS: readonly MeasureRow[] = [
  ['1.1.8.0', 'energy_import', 'Active energy import (A+)', 'energy'],
  ['1.2.8.0', 'energy_export', 'Active energy export (A-)', 'energy'],
  ['1.3.8.0', 'reactive_energy_import', 'Reactive energy import (R+)', 'renergy'],
  ['1.4.8.0', 'reactive_energy_export', 'Reactive energy export (R-)', 'renergy'],
  ['1.9.8.0', 'apparent_energy_import', 'Apparent energy import (S+)', 'senergy'],
  ['1.10.8.0', 'apparent_energy_export', 'Apparent energy export (S-)', 'senergy'],
  ['1.15.8.0', 'energy_absolute', 'Active energy absolute (|A|)', 'energy'],
  ['1.1.7.0', 'power_import', 'Active power import (P+)', 'power'],
  ['1.2.7.0', 'power_export', 'Active power export (P-)', 'power'],
  ['1.3.7.0', 'reactive_power_import', 'Reactive power import (Q+)', 'rpower'],
  ['1.4.7.0', 'reactive_power_export', 'Reactive power export (Q-)', 'rpower'],
  ['1.9.7.0', 'apparent_power_import', 'Apparent power import (S+)', 'spower'],
  ['1.10.7.0', 'apparent_power_export', 'Apparent power export (S-)', 'spower'],
  ['1.15.7.0', 'power_absolute', 'Active power absolute (|P|)', 'power'],
  ['1.16.7.0', 'power_active_import_minus_export', 'Active power import minus export (P+ - P-)', 'power'],
  ['1.1.6.0', 'max_demand_import', 'Maximum demand import (P+)', 'power'],
  ['1.2.6.0', 'max_demand_export', 'Maximum demand export (P-)', 'power'],
  ['1.12.7.0', 'voltage', 'Voltage (any phase)', 'V'],
  ['1.11.7.0', 'current', 'Current (any phase)', 'A'],
  ['1.90.7.0', 'current_sum', 'Current sum of all phases', 'A'],
  ['1.91.7.0', 'current_neutral', 'Current neutral', 'A'],
  ['1.13.7.0', 'power_factor', 'Power factor', 'pf'],
  ['1.14.7.0', 'frequency', 'Frequency', 'Hz'],
];

/** Tariff registers 1..4 of the four energy totals: 1.8.1 → energy_import_t1_wh. */
function tariffRows(): MeasureRow[] {
  const rows: MeasureRow[] = [];
  for (const [c, stem, name, kind] of TOTALS.slice(0, 4)) {
    for (let t = 1; t <= 4; t++) {
      rows.push([`${c.replace(/\.0$/, '')}.${t}`, `${stem}_t${t}`, `${name} tariff ${t}`, kind]);
    }
  }
  return rows;
}

/** Per-phase quantities: C = base + 20 × phase (L1 = 20, L2 = 40, L3 = 60). [C offset, D, stem, name, kind]. */
const PER_PHASE: readonly (readonly [number, number, string, string, Kind])[] = [
  [1, 7, 'power_import', 'Active power import', 'power'],
  [2, 7, 'power_export', 'Active power export', 'power'],
  [3, 7, 'reactive_power_import', 'Reactive power import', 'rpower'],
  [4, 7, 'reactive_power_export', 'Reactive power export', 'rpower'],
  [9, 7, 'apparent_power_import', 'Apparent power import', 'spower'],
  [10, 7, 'apparent_power_export', 'Apparent power export', 'spower'],
  [1, 8, 'energy_import', 'Active energy import', 'energy'],
  [2, 8, 'energy_export', 'Active energy export', 'energy'],
  [3, 8, 'reactive_energy_import', 'Reactive energy import', 'renergy'],
  [4, 8, 'reactive_energy_export', 'Reactive energy export', 'renergy'],
  [11, 7, 'current', 'Current', 'A'],
  [12, 7, 'voltage', 'Voltage', 'V'],
  [13, 7, 'power_factor', 'Power factor', 'pf'],
];

function phaseRows(): MeasureRow[] {
  const rows: MeasureRow[] = [];
  for (let phase = 1; phase <= 3; phase++) {
    for (const [off, d, stem, name, kind] of PER_PHASE) {
      rows.push([`1.${20 * phase + off}.${d}.0`, `${stem}_l${phase}`, `${name} L${phase}`, kind]);
    }
  }
  return rows;
}

/** Text, counters and time objects: [A.C.D.E, key, name, extra]. */
const OTHER: readonly (readonly [string, string, string, Partial<Quantity>?])[] = [
  ['0.1.0.0', 'meter_time', 'Meter clock', { deviceClass: 'timestamp' }],
  ['0.96.1.0', 'meter_number', 'Meter number'],
  ['0.96.1.1', 'meter_number_2', 'Meter number (second identifier)'],
  ['0.96.1.2', 'device_id_3', 'Device ID 3'],
  ['0.96.1.3', 'device_id_4', 'Device ID 4'],
  ['0.96.1.7', 'meter_type', 'Meter type'],
  ['0.42.0.0', 'device_name', 'Logical device name'],
  ['1.0.2.129', 'list_id', 'OBIS list version identifier'],
  ['1.0.2.0', 'firmware_version', 'Firmware version'],
  ['1.0.2.8', 'p1_version', 'P1 interface version'],
  ['0.96.14.0', 'tariff_current', 'Current tariff'],
  ['0.96.3.10', 'breaker_state', 'Disconnect control state'],
  ['0.17.0.0', 'limiter_threshold', 'Limiter threshold'],
  ['0.96.7.21', 'power_failures', 'Number of power failures', { stateClass: 'total_increasing' }],
  ['0.96.7.9', 'long_power_failures', 'Number of long power failures', { stateClass: 'total_increasing' }],
  ['0.96.13.0', 'message_text', 'Consumer message text'],
  ['0.96.13.1', 'message_code', 'Consumer message code'],
  ['1.32.32.0', 'voltage_sags_l1', 'Number of voltage sags L1', { stateClass: 'total_increasing' }],
  ['1.52.32.0', 'voltage_sags_l2', 'Number of voltage sags L2', { stateClass: 'total_increasing' }],
  ['1.72.32.0', 'voltage_sags_l3', 'Number of voltage sags L3', { stateClass: 'total_increasing' }],
  ['1.32.36.0', 'voltage_swells_l1', 'Number of voltage swells L1', { stateClass: 'total_increasing' }],
  ['1.52.36.0', 'voltage_swells_l2', 'Number of voltage swells L2', { stateClass: 'total_increasing' }],
  ['1.72.36.0', 'voltage_swells_l3', 'Number of voltage swells L3', { stateClass: 'total_increasing' }],
];

// ── Prometheus metrics (naming rules: base units, the unit as the name's last word, `_total` only on counters;
//    promtool rejects "hours", hence joules and var_seconds) ──

const EI = 'Active energy imported from the grid (A+), meter register';
const EE = 'Active energy exported to the grid (A-), meter register';
const PPI = 'Active power imported per phase';
const PPE = 'Active power exported per phase';
const U = 'Phase voltage';
const I = 'Phase current';
const PF = 'Power factor per phase';

/** [A.C.D.E, metric name without prefix, help, labels]; type, base and factor follow from the kind. */
const METRICS: readonly (readonly [string, string, string, Record<string, string>?])[] = [
  ['1.1.8.0', 'energy_import_joules_total', EI],
  ['1.2.8.0', 'energy_export_joules_total', EE],
  ['1.1.8.1', 'tariff_energy_import_joules_total', `${EI} per tariff`, { tariff: '1' }],
  ['1.1.8.2', 'tariff_energy_import_joules_total', `${EI} per tariff`, { tariff: '2' }],
  ['1.2.8.1', 'tariff_energy_export_joules_total', `${EE} per tariff`, { tariff: '1' }],
  ['1.2.8.2', 'tariff_energy_export_joules_total', `${EE} per tariff`, { tariff: '2' }],
  ['1.3.8.0', 'reactive_energy_import_var_seconds_total', 'Reactive energy import (R+)'],
  ['1.4.8.0', 'reactive_energy_export_var_seconds_total', 'Reactive energy export (R-)'],
  ['1.1.7.0', 'power_import_watts', 'Active power imported from the grid (P+), all phases'],
  ['1.2.7.0', 'power_export_watts', 'Active power exported to the grid (P-), all phases'],
  ['1.3.7.0', 'reactive_power_import_vars', 'Reactive power import (Q+)'],
  ['1.4.7.0', 'reactive_power_export_vars', 'Reactive power export (Q-)'],
  ['1.21.7.0', 'phase_power_import_watts', PPI, { phase: 'l1' }],
  ['1.41.7.0', 'phase_power_import_watts', PPI, { phase: 'l2' }],
  ['1.61.7.0', 'phase_power_import_watts', PPI, { phase: 'l3' }],
  ['1.22.7.0', 'phase_power_export_watts', PPE, { phase: 'l1' }],
  ['1.42.7.0', 'phase_power_export_watts', PPE, { phase: 'l2' }],
  ['1.62.7.0', 'phase_power_export_watts', PPE, { phase: 'l3' }],
  ['1.32.7.0', 'voltage_volts', U, { phase: 'l1' }],
  ['1.52.7.0', 'voltage_volts', U, { phase: 'l2' }],
  ['1.72.7.0', 'voltage_volts', U, { phase: 'l3' }],
  ['1.31.7.0', 'current_amperes', I, { phase: 'l1' }],
  ['1.51.7.0', 'current_amperes', I, { phase: 'l2' }],
  ['1.71.7.0', 'current_amperes', I, { phase: 'l3' }],
  ['1.13.7.0', 'power_factor_ratio', 'Power factor, all phases'],
  ['1.33.7.0', 'phase_power_factor_ratio', PF, { phase: 'l1' }],
  ['1.53.7.0', 'phase_power_factor_ratio', PF, { phase: 'l2' }],
  ['1.73.7.0', 'phase_power_factor_ratio', PF, { phase: 'l3' }],
  ['1.14.7.0', 'frequency_hertz', 'Grid frequency'],
];

// ── History columns (store/history-schema.ts READING_COLUMNS + ROLLUP_ONLY_FIELDS; names are database columns) ──

/** Power of ten from the key's unit to a column unit. */
const COLUMN_SCALER: Record<HistoryUnit, number> = { Wh: 0, varh: 0, W: 0, dV: 1, mA: 3 };

const HISTORY: readonly (readonly [string, string, HistoryUnit])[] = [
  ['1.1.8.0', 'energy_import_wh', 'Wh'],
  ['1.2.8.0', 'energy_export_wh', 'Wh'],
  ['1.3.8.0', 'reactive_import_varh', 'varh'],
  ['1.4.8.0', 'reactive_export_varh', 'varh'],
  ['1.1.7.0', 'power_import_w', 'W'],
  ['1.2.7.0', 'power_export_w', 'W'],
  ['1.32.7.0', 'voltage_l1_dv', 'dV'],
  ['1.52.7.0', 'voltage_l2_dv', 'dV'],
  ['1.72.7.0', 'voltage_l3_dv', 'dV'],
  ['1.31.7.0', 'current_l1_ma', 'mA'],
  ['1.51.7.0', 'current_l2_ma', 'mA'],
  ['1.71.7.0', 'current_l3_ma', 'mA'],
  ['1.21.7.0', 'power_l1_w', 'W'],
  ['1.41.7.0', 'power_l2_w', 'W'],
  ['1.61.7.0', 'power_l3_w', 'W'],
];

/** Solarview file lines and the old Python tool's MQTT topics (both A+ / A- totals, in file order). */
const EXPORTS: readonly (readonly [string, string, LegacyTopic])[] = [
  ['1.1.8.0', '1.8.0', 'RealEnergyIn_S'],
  ['1.2.8.0', '2.8.0', 'RealEnergyOut_S'],
];

function toCanonical(acde: string): string {
  const [a, c, d, e] = acde.split('.');
  return `${a}.0.${c}.${d}.${e}.255`;
}

function measureRow([acde, stem, name, kind]: MeasureRow): Quantity {
  const k = KINDS[kind];
  const q: Quantity = { obis: toCanonical(acde), key: stem + k.suffix, name, accepts: k.accepts };
  if (k.unit !== undefined) q.unit = k.unit;
  if (k.deviceClass !== undefined) q.deviceClass = k.deviceClass;
  q.stateClass = k.stateClass;
  return q;
}

function buildTable(): Quantity[] {
  const measures = [...TOTALS, ...tariffRows(), ...phaseRows()];
  const rows = new Map<string, Quantity>();
  const kindOf = new Map<string, Kind>();
  for (const row of measures) {
    rows.set(row[0], measureRow(row));
    kindOf.set(row[0], row[3]);
  }
  for (const [acde, key, name, extra] of OTHER) {
    rows.set(acde, { obis: toCanonical(acde), key, name, accepts: {}, ...extra });
  }
  const rowOf = (acde: string): Quantity => {
    const q = rows.get(acde);
    if (!q) throw new Error(`quantities.ts: ${acde} is not a row of the table`);
    return q;
  };
  for (const [acde, name, help, labels] of METRICS) {
    const k = KINDS[kindOf.get(acde)!];
    if (k.metricBase === undefined || k.metricFactor === undefined)
      throw new Error(`quantities.ts: ${acde} has a metric but its kind no Prometheus base unit`);
    rowOf(acde).metric = {
      name: `kaifareader_${name}`,
      type: k.stateClass === 'total_increasing' ? 'counter' : 'gauge',
      help,
      base: k.metricBase,
      factor: k.metricFactor,
      ...(labels ? { labels } : {}),
    };
  }
  for (const [acde, column, unit] of HISTORY) {
    rowOf(acde).history = { column, unit, scaler: COLUMN_SCALER[unit] };
  }
  for (const [acde, label, topic] of EXPORTS) {
    const q = rowOf(acde);
    q.solarview = label;
    q.legacyTopic = topic;
  }
  return [...rows.values()];
}

/** The whole table, in table order. */
export const QUANTITIES: readonly Quantity[] = buildTable();

/** Index by A.C.D.E (the one matching rule: B ignored, F = 255 checked by the caller). */
const BY_ACDE = new Map<string, Quantity>();
for (const q of QUANTITIES) {
  const [a, , c, d, e] = q.obis.split('.');
  BY_ACDE.set(`${a}.${c}.${d}.${e}`, q);
}

function tupleOf(obis: string | ObisTuple): ObisTuple | undefined {
  if (typeof obis !== 'string') return obis;
  const p = obis.split('.');
  if (p.length === 6) {
    const n = p.map(Number);
    if (n.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) return n as unknown as ObisTuple;
  }
  try {
    return parseObis(obis);
  } catch {
    return undefined;
  }
}

function lookupUncached(obis: string | ObisTuple): Quantity | undefined {
  const t = tupleOf(obis);
  if (!t || t[5] !== 255) return undefined;
  return BY_ACDE.get(`${t[0]}.${t[2]}.${t[3]}.${t[4]}`);
}

/** Dotted codes seen so far → row (null: unknown). Sinks look up every reading of every telegram. */
const byText = new Map<string, Quantity | null>();

/**
 * The row of an OBIS code in any accepted text form or as a tuple: same A.C.D.E, any channel B, F = 255.
 * Undefined when unknown, invalid, or a billing-period object (F ≠ 255).
 */
export function lookupQuantity(obis: string | ObisTuple): Quantity | undefined {
  if (typeof obis !== 'string') return lookupUncached(obis);
  let q = byText.get(obis);
  if (q === undefined) {
    q = lookupUncached(obis) ?? null;
    if (byText.size < 4096) byText.set(obis, q);
  }
  return q ?? undefined;
}

/** Stable outside key: the table's key, else `obis_1_0_99_7_0_255`. */
export function keyForObis(obis: string | ObisTuple): string {
  const e = lookupQuantity(obis);
  if (e) return e.key;
  const t = tupleOf(obis);
  return `obis_${t ? t.join('_') : String(obis).replace(/[^0-9]+/g, '_')}`;
}

/** Human name: the table's name, else `OBIS 1.0.99.7.0.255`. */
export function nameForObis(obis: string | ObisTuple): string {
  const e = lookupQuantity(obis);
  if (e) return e.name;
  const t = tupleOf(obis);
  return `OBIS ${t ? t.join('.') : String(obis)}`;
}

/**
 * A number stated in `unit` converted to the quantity's key unit, decimal-exact (6.695 kWh → 6695 Wh, never
 * 6694.999999999999); undefined when the quantity has no unit or does not accept `unit`.
 */
export function toKeyUnit(q: Quantity, value: number, unit: string | undefined): number | undefined {
  if (q.unit === undefined || unit === undefined) return undefined;
  const p = q.accepts[unit];
  if (p === undefined) return undefined;
  return p === 0 ? value : applyScaler(value, p);
}

/**
 * The value a sink may use for a quantity: the reading's number when its unit is the key's unit (dimensionless
 * quantities: no unit or `count`), else undefined. Readings from the decoder are already normalised; anything
 * else (a hand-made snapshot in kWh, a unit the table does not expect) is left out, never guessed.
 */
export function valueInKeyUnit(
  q: Quantity,
  r: { value: number | string; unit?: string | undefined },
): number | undefined {
  if (typeof r.value !== 'number' || !Number.isFinite(r.value)) return undefined;
  if (q.unit === undefined) return r.unit === undefined || r.unit === 'count' ? r.value : undefined;
  return r.unit === q.unit ? r.value : undefined;
}
