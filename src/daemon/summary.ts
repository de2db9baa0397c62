/**
 * Log lines about telegrams. One per telegram, like the old script's (energy counters in kWh), plus power — at
 * debug, except the first:
 *   1KFM0200175269: 1.8.0 3744.082 kWh, 2.8.0 3929.988 kWh, P+ 53 W, P- 0 W
 * and the periodic info summary:
 *   last 5 min: 60 telegrams, 2 errors (mbus.checksum 2), diagnosis ok; latest 1KFM0200175269: 1.8.0 … kWh, …
 */
import { numberValue, type MeterSnapshot } from '../model/snapshot.js';

const PARTS: Array<[string, string, (v: number) => string]> = [
  ['energy_import_wh', '1.8.0', (v) => `${(v / 1000).toFixed(3)} kWh`],
  ['energy_export_wh', '2.8.0', (v) => `${(v / 1000).toFixed(3)} kWh`],
  ['power_import_w', 'P+', (v) => `${v} W`],
  ['power_export_w', 'P-', (v) => `${v} W`],
];

export function summarizeTelegram(s: MeterSnapshot): string {
  const out: string[] = [];
  for (const [key, label, fmt] of PARTS) {
    const v = numberValue(s.readings.find((x) => x.key === key));
    if (v !== undefined) out.push(`${label} ${fmt(v)}`);
  }
  return `${s.meterId}: ${out.length ? out.join(', ') : `${s.readings.length} readings`}`;
}

/** `5 min`, `90 s`, `2 h`, `40 ms`. */
export function describePeriod(ms: number): string {
  if (ms % 1000 !== 0) return `${ms} ms`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

export function summarizePeriod(
  period: string,
  telegrams: number,
  errors: ReadonlyMap<string, number>,
  diagnosis: string,
  latest: MeterSnapshot | undefined,
): string {
  let total = 0;
  for (const n of errors.values()) total += n;
  const byCode = [...errors]
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const head = `last ${period}: ${telegrams} telegram${telegrams === 1 ? '' : 's'}, ${total} error${total === 1 ? '' : 's'}${total > 0 ? ` (${byCode})` : ''}, diagnosis ${diagnosis}`;
  return latest ? `${head}; latest ${summarizeTelegram(latest)}` : head;
}
