import type { MeterSnapshot } from '../../model/snapshot.js';

/**
 * Everything of a snapshot that its discovery configs can depend on — all but the reading values and the times
 * (a value's type and unit are in): while it stays the same, building and comparing ~30 JSON configs per telegram
 * is skipped (the dominant cost of the MQTT sink per telegram under --jitless). Whoever gives discovery a new
 * input from the snapshot adds it here.
 */
export function discoveryFingerprint(s: MeterSnapshot, deviceName: string | undefined): string {
  // the invocation counter changes with every telegram and is no discovery input
  const { invocationCounter: _c, ...security } = s.security;
  const { readings, receivedAt: _r, meterTime, security: _s, ...rest } = s;
  const parts = [
    deviceName ?? '',
    meterTime === undefined ? '' : 'T',
    JSON.stringify(rest),
    JSON.stringify(security),
  ];
  for (const r of readings)
    parts.push(r.obis, r.key, r.name, typeof r.value, r.unit ?? '', String(r.raw !== undefined));
  // the device block names the meter's firmware (sw_version): its value is an input too
  const fw = readings.find((r) => r.key === 'firmware_version')?.value;
  if (fw !== undefined) parts.push(`fw=${String(fw)}`);
  return parts.join('\u0000');
}
