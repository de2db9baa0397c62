/**
 * Which OBIS readings become which Prometheus metric: the `metric` part of the one quantity table
 * (src/cosem/quantities.ts — names, help, base unit and factor live there), with its one matching rule: any
 * channel B (`1.0.1.8.0.255` and `1.1.1.8.0.255` both land on `kaifareader_energy_import_joules_total`), only
 * F = 255 (a billing-period object such as 1.0.1.8.0.101 is never exposed as the current counter).
 *
 * Energy is exposed in joules (1 Wh = 3600 J) because joules are Prometheus' base unit for energy; reactive energy
 * likewise in var·s (1 varh = 3600 var·s), since promtool rejects "hours" in a metric name. A reading is exposed
 * only in its key's unit (the decoder normalises DSMR kWh to Wh); one in any other unit is left out rather than
 * exposed wrong. Numeric readings without a metric appear as `kaifareader_obis_value{obis, unit}`.
 */
import { lookupQuantity, type MetricBase, type QuantityMetric } from '../cosem/index.js';

export type ReadingMetric = QuantityMetric;
export type BaseUnit = MetricBase;

/** The metric for an OBIS code in dotted form `a.b.c.d.e.f`, or undefined when the table gives it none. */
export function metricForObis(obis: string): ReadingMetric | undefined {
  if (obis.split('.').length !== 6) return undefined;
  return lookupQuantity(obis)?.metric;
}
