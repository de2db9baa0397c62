/**
 * OBIS catalog for electricity meters (IEC 62056-6-1 value groups C.D.E, OBIS list of the DLMS UA), as one
 * table. It gives each well-known code a stable outside key (snake_case with the unit: `energy_import_wh`),
 * a human name and Home Assistant hints (device class, state class).
 *
 * Matching ignores group B (the channel: Kamstrup sends 1.1.1.8.0.255, Norwegian lists 1.1.0.2.129.255) and
 * only matches F = 255 (the current value; other F values are billing periods, which are different objects).
 * Keys are an outside contract (MQTT JSON, database columns, HTTP API): never rename one.
 */
import { parseObis, type ObisTuple } from './obis.js';

export interface CatalogEntry {
  /** Canonical code with B = 0, e.g. `1.0.1.8.0.255`. */
  obis: string;
  name: string;
  key: string;
  /** DLMS unit name (`Wh`, `W`, `var`, `V` …); absent for text, counts and ratios. */
  unit?: string;
  /** Home Assistant device class. */
  deviceClass?: string;
  stateClass?: 'measurement' | 'total_increasing' | 'total';
}

type Kind = 'energy' | 'power' | 'rpower' | 'renergy' | 'spower' | 'senergy' | 'V' | 'A' | 'pf' | 'Hz';

/** Unit + HA classes per kind of quantity: the one place that ties units to device classes. */
const KINDS: Record<Kind, Pick<CatalogEntry, 'unit' | 'deviceClass' | 'stateClass'>> = {
  energy: { unit: 'Wh', deviceClass: 'energy', stateClass: 'total_increasing' },
  power: { unit: 'W', deviceClass: 'power', stateClass: 'measurement' },
  renergy: { unit: 'varh', deviceClass: 'reactive_energy', stateClass: 'total_increasing' },
  rpower: { unit: 'var', deviceClass: 'reactive_power', stateClass: 'measurement' },
  // Home Assistant has no device class for apparent energy.
  senergy: { unit: 'VAh', stateClass: 'total_increasing' },
  spower: { unit: 'VA', deviceClass: 'apparent_power', stateClass: 'measurement' },
  V: { unit: 'V', deviceClass: 'voltage', stateClass: 'measurement' },
  A: { unit: 'A', deviceClass: 'current', stateClass: 'measurement' },
  pf: { deviceClass: 'power_factor', stateClass: 'measurement' },
  Hz: { unit: 'Hz', deviceClass: 'frequency', stateClass: 'measurement' },
};

const KIND_SUFFIX: Record<Kind, string> = {
  energy: '_wh',
  power: '_w',
  renergy: '_varh',
  rpower: '_var',
  senergy: '_vah',
  spower: '_va',
  V: '_v',
  A: '_a',
  pf: '',
  Hz: '_hz',
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

function measureEntry([acde, stem, name, kind]: MeasureRow): CatalogEntry {
  return { obis: toCanonical(acde), name, key: stem + KIND_SUFFIX[kind], ...KINDS[kind] };
}

/** Text, counters and time objects: [A.C.D.E, key, name, extra]. */
const OTHER: readonly (readonly [string, string, string, Partial<CatalogEntry>?])[] = [
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

function toCanonical(acde: string): string {
  const [a, c, d, e] = acde.split('.');
  return `${a}.0.${c}.${d}.${e}.255`;
}

/** The whole catalog, in table order. */
export const OBIS_CATALOG: readonly CatalogEntry[] = [
  ...[...TOTALS, ...tariffRows(), ...phaseRows()].map(measureEntry),
  ...OTHER.map(([acde, key, name, extra]) => ({ obis: toCanonical(acde), name, key, ...extra })),
];

/** Index by A.C.D.E (B ignored, F = 255). */
const BY_ACDE = new Map<string, CatalogEntry>();
for (const e of OBIS_CATALOG) {
  const [a, , c, d, ee] = e.obis.split('.');
  BY_ACDE.set(`${a}.${c}.${d}.${ee}`, e);
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

/** Catalog entry for an OBIS code in any accepted text form or as a tuple; undefined when unknown or invalid. */
export function lookupObis(obis: string | ObisTuple): CatalogEntry | undefined {
  const t = tupleOf(obis);
  if (!t || t[5] !== 255) return undefined;
  return BY_ACDE.get(`${t[0]}.${t[2]}.${t[3]}.${t[4]}`);
}

/** Stable outside key: the catalog key, else `obis_1_0_99_7_0_255`. */
export function keyForObis(obis: string | ObisTuple): string {
  const e = lookupObis(obis);
  if (e) return e.key;
  const t = tupleOf(obis);
  return `obis_${t ? t.join('_') : String(obis).replace(/[^0-9]+/g, '_')}`;
}

/** Human name: the catalog name, else `OBIS 1.0.99.7.0.255`. */
export function nameForObis(obis: string | ObisTuple): string {
  const e = lookupObis(obis);
  if (e) return e.name;
  const t = tupleOf(obis);
  return `OBIS ${t ? t.join('.') : String(obis)}`;
}
