/**
 * The one info line per telegram, like the old script's (energy counters in kWh), plus power:
 *   1KFM0200175269: 1.8.0 3744.082 kWh, 2.8.0 3929.988 kWh, P+ 53 W, P- 0 W
 */
import { baseValue, type MeterSnapshot } from '../model/snapshot.js';

const PARTS: Array<[string, string, (v: number) => string]> = [
  ['energy_import_wh', '1.8.0', (v) => `${(v / 1000).toFixed(3)} kWh`],
  ['energy_export_wh', '2.8.0', (v) => `${(v / 1000).toFixed(3)} kWh`],
  ['power_import_w', 'P+', (v) => `${v} W`],
  ['power_export_w', 'P-', (v) => `${v} W`],
];

export function summarizeTelegram(s: MeterSnapshot): string {
  const out: string[] = [];
  for (const [key, label, fmt] of PARTS) {
    const v = baseValue(s.readings.find((x) => x.key === key));
    if (v !== undefined) out.push(`${label} ${fmt(v)}`);
  }
  return `${s.meterId}: ${out.length ? out.join(', ') : `${s.readings.length} readings`}`;
}
