/**
 * Which OBIS readings become which Prometheus metric (Prometheus naming rules: base units, `_total` only on
 * counters, the unit as the name's last word before `_total`).
 *
 * Looked up by `C.D.E` of an electricity code (A = 1, any channel B), so `1.0.1.8.0.255` and `1.1.1.8.0.255`
 * both land on `kaifareader_energy_import_joules_total`. Energy is exposed in joules (1 Wh = 3600 J) because
 * joules are Prometheus' base unit for energy; reactive energy likewise in var·s (1 varh = 3600 var·s), since
 * promtool rejects "hours" in a metric name.
 * The value is converted by the reading's DLMS unit (`UNIT_SCALE`); a reading with a unit the metric does not
 * expect is left out rather than exposed wrong. Numeric readings not in the table appear as
 * `kaifareader_obis_value{obis, unit}`.
 */

export interface ReadingMetric {
  /** Full metric name. */
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  /** Base unit the metric is in; must equal `UNIT_SCALE[reading.unit].base`. */
  base: BaseUnit;
  /** Extra labels (phase, tariff). */
  labels?: Record<string, string>;
}

export type BaseUnit = 'joules' | 'watts' | 'var_seconds' | 'vars' | 'volts' | 'amperes' | 'hertz' | 'ratio';

/** DLMS unit name → base unit and factor. `undefined` (no unit) and `count` are dimensionless. */
export const UNIT_SCALE: Readonly<Record<string, { base: BaseUnit; factor: number }>> = {
  Wh: { base: 'joules', factor: 3600 },
  kWh: { base: 'joules', factor: 3_600_000 },
  W: { base: 'watts', factor: 1 },
  kW: { base: 'watts', factor: 1000 },
  varh: { base: 'var_seconds', factor: 3600 },
  kvarh: { base: 'var_seconds', factor: 3_600_000 },
  var: { base: 'vars', factor: 1 },
  kvar: { base: 'vars', factor: 1000 },
  V: { base: 'volts', factor: 1 },
  A: { base: 'amperes', factor: 1 },
  Hz: { base: 'hertz', factor: 1 },
  count: { base: 'ratio', factor: 1 },
  '': { base: 'ratio', factor: 1 },
};

const P = 'kaifareader_';
const phase = (p: 1 | 2 | 3) => ({ phase: `l${p}` });

function m(
  name: string,
  type: ReadingMetric['type'],
  base: BaseUnit,
  help: string,
  labels?: Record<string, string>,
) {
  return { name: P + name, type, base, help, ...(labels ? { labels } : {}) } satisfies ReadingMetric;
}

const EI = 'Active energy imported from the grid (A+), meter register';
const EE = 'Active energy exported to the grid (A-), meter register';
const PPI = 'Active power imported per phase';
const PPE = 'Active power exported per phase';
const U = 'Phase voltage';
const I = 'Phase current';
const PF = 'Power factor per phase';

/** `C.D.E` of `1.B.C.D.E.255` → metric. */
export const READING_METRICS: Readonly<Record<string, ReadingMetric>> = {
  '1.8.0': m('energy_import_joules_total', 'counter', 'joules', EI),
  '2.8.0': m('energy_export_joules_total', 'counter', 'joules', EE),
  '1.8.1': m('tariff_energy_import_joules_total', 'counter', 'joules', `${EI} per tariff`, { tariff: '1' }),
  '1.8.2': m('tariff_energy_import_joules_total', 'counter', 'joules', `${EI} per tariff`, { tariff: '2' }),
  '2.8.1': m('tariff_energy_export_joules_total', 'counter', 'joules', `${EE} per tariff`, { tariff: '1' }),
  '2.8.2': m('tariff_energy_export_joules_total', 'counter', 'joules', `${EE} per tariff`, { tariff: '2' }),
  '3.8.0': m(
    'reactive_energy_import_var_seconds_total',
    'counter',
    'var_seconds',
    'Reactive energy import (R+)',
  ),
  '4.8.0': m(
    'reactive_energy_export_var_seconds_total',
    'counter',
    'var_seconds',
    'Reactive energy export (R-)',
  ),
  '1.7.0': m('power_import_watts', 'gauge', 'watts', 'Active power imported from the grid (P+), all phases'),
  '2.7.0': m('power_export_watts', 'gauge', 'watts', 'Active power exported to the grid (P-), all phases'),
  '3.7.0': m('reactive_power_import_vars', 'gauge', 'vars', 'Reactive power import (Q+)'),
  '4.7.0': m('reactive_power_export_vars', 'gauge', 'vars', 'Reactive power export (Q-)'),
  '21.7.0': m('phase_power_import_watts', 'gauge', 'watts', PPI, phase(1)),
  '41.7.0': m('phase_power_import_watts', 'gauge', 'watts', PPI, phase(2)),
  '61.7.0': m('phase_power_import_watts', 'gauge', 'watts', PPI, phase(3)),
  '22.7.0': m('phase_power_export_watts', 'gauge', 'watts', PPE, phase(1)),
  '42.7.0': m('phase_power_export_watts', 'gauge', 'watts', PPE, phase(2)),
  '62.7.0': m('phase_power_export_watts', 'gauge', 'watts', PPE, phase(3)),
  '32.7.0': m('voltage_volts', 'gauge', 'volts', U, phase(1)),
  '52.7.0': m('voltage_volts', 'gauge', 'volts', U, phase(2)),
  '72.7.0': m('voltage_volts', 'gauge', 'volts', U, phase(3)),
  '31.7.0': m('current_amperes', 'gauge', 'amperes', I, phase(1)),
  '51.7.0': m('current_amperes', 'gauge', 'amperes', I, phase(2)),
  '71.7.0': m('current_amperes', 'gauge', 'amperes', I, phase(3)),
  '13.7.0': m('power_factor_ratio', 'gauge', 'ratio', 'Power factor, all phases'),
  '33.7.0': m('phase_power_factor_ratio', 'gauge', 'ratio', PF, phase(1)),
  '53.7.0': m('phase_power_factor_ratio', 'gauge', 'ratio', PF, phase(2)),
  '73.7.0': m('phase_power_factor_ratio', 'gauge', 'ratio', PF, phase(3)),
  '14.7.0': m('frequency_hertz', 'gauge', 'hertz', 'Grid frequency'),
};

/** Finds the metric for an OBIS code in dotted form, or undefined when it is not an electricity code we map. */
export function metricForObis(obis: string): ReadingMetric | undefined {
  const parts = obis.split('.');
  if (parts.length !== 6 || parts[0] !== '1') return undefined;
  return READING_METRICS[`${parts[2]}.${parts[3]}.${parts[4]}`];
}
