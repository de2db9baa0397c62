/**
 * MeterSnapshot → one line of InfluxDB line protocol (pure):
 *
 *   kaifareader,meter=home,meter_id=1KFM0200175269,profile=obis-structures energy_import_wh=3744082,power_import_w=53,…,meter_time_ms=1690394720000i 1690394721000000000
 *
 * Tags: the configured meter, the meter number, the profile. Fields: every numeric reading under its stable key
 * in the key's unit (the decoder normalised it), always as a float (no `i` suffix) so a field never changes type
 * between telegrams (InfluxDB refuses that); the meter's clock as integer milliseconds (`meter_time_ms`, when it
 * carries an offset) — a string field would be a series stuck at 0 in VictoriaMetrics. Text readings are left
 * out. The timestamp is the receive time in nanoseconds.
 */
import type { MeterSnapshot } from '../../model/snapshot.js';

/** Tag keys/values and measurement: comma, space and `=` escaped with a backslash (newlines are not allowed). */
const escapeTag = (s: string): string => s.replace(/[\r\n]+/g, ' ').replace(/([,= \\])/g, '\\$1');
const escapeMeasurement = (s: string): string => s.replace(/[\r\n]+/g, ' ').replace(/([, \\])/g, '\\$1');

/** A float field value: finite numbers only, in the shortest exact text. */
function floatField(n: number): string | undefined {
  return Number.isFinite(n) ? String(n) : undefined;
}

export function toLine(measurement: string, s: MeterSnapshot): string | undefined {
  const tags = [`meter=${escapeTag(s.meter)}`];
  if (s.meterId) tags.push(`meter_id=${escapeTag(s.meterId)}`);
  if (s.profile) tags.push(`profile=${escapeTag(s.profile)}`);
  const fields: string[] = [];
  for (const r of s.readings) {
    if (typeof r.value !== 'number' || !/^[a-z0-9_]+$/.test(r.key)) continue;
    const f = floatField(r.value);
    if (f !== undefined) fields.push(`${r.key}=${f}`);
  }
  const meterMs = s.meterTime && /[+-]\d\d:\d\d$|Z$/.test(s.meterTime) ? Date.parse(s.meterTime) : NaN;
  if (Number.isFinite(meterMs)) fields.push(`meter_time_ms=${meterMs}i`);
  if (fields.length === 0) return undefined; // a line needs a field
  return `${escapeMeasurement(measurement)},${tags.join(',')} ${fields.join(',')} ${Math.round(s.receivedAt)}000000`;
}
