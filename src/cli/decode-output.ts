/**
 * Output of `kaifareader decode`: a readable table per telegram, or one JSON object per line (the stable
 * machine contract: meter_id, meter_time, profile, framing, security, readings[{obis, key, name, value, unit}]).
 */
import type { MeterSnapshot } from '../model/snapshot.js';
import type { DecodeError } from '../errors.js';

export function snapshotToJson(s: MeterSnapshot): Record<string, unknown> {
  const sec = s.security;
  return {
    meter_id: s.meterId,
    meter_time: s.meterTime ?? null,
    profile: s.profile,
    manufacturer: s.manufacturer ?? null,
    model: s.model ?? null,
    framing: s.framing,
    security: {
      mode: sec.mode,
      security_control: sec.securityControl ?? null,
      system_title: sec.systemTitle ?? null,
      invocation_counter: sec.invocationCounter ?? null,
      tag_verified: sec.tagVerified ?? false,
    },
    readings: s.readings.map((r) => ({
      obis: r.obis,
      key: r.key,
      name: r.name,
      value: r.value,
      unit: r.unit ?? null,
      // The register as sent, only where an implied or configured scaler was applied (Kamstrup).
      ...(r.raw !== undefined ? { raw: r.raw } : {}),
    })),
  };
}

export function errorToJson(e: DecodeError): Record<string, unknown> {
  return { error: { code: e.code, message: e.message, layer: e.layer, offset: e.offset ?? null } };
}

function securityText(s: MeterSnapshot): string {
  const sec = s.security;
  if (sec.mode === 'none') return 'none (plaintext)';
  const sc = `SC 0x${(sec.securityControl ?? 0).toString(16).padStart(2, '0')}`;
  const what =
    sec.mode === 'encrypted'
      ? 'AES-128-GCM encrypted, no tag'
      : `AES-128-GCM encrypted + authenticated, tag ${sec.tagVerified ? 'verified' : 'not checked (no auth key)'}`;
  return `${what} (${sc}, system title ${sec.systemTitle}, invocation counter ${sec.invocationCounter})`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function snapshotToTable(s: MeterSnapshot): string {
  const head = [
    `meter id:    ${s.meterId}${s.manufacturer ? ` (${[s.manufacturer, s.model].filter(Boolean).join(' ')})` : ''}`,
    `meter time:  ${s.meterTime ?? '-'}`,
    `layout:      ${s.profile}`,
    `framing:     ${s.framing}`,
    `security:    ${securityText(s)}`,
    '',
  ];
  const rows = s.readings.map((r) => [r.obis, r.name, String(r.value), r.unit ?? '']);
  const widths = [0, 1, 2].map((i) =>
    Math.max(...rows.map((row) => row[i]!.length), ['OBIS', 'name', 'value'][i]!.length),
  );
  const line = (c: string[]) =>
    `${pad(c[0]!, widths[0]!)}  ${pad(c[1]!, widths[1]!)}  ${' '.repeat(Math.max(0, widths[2]! - c[2]!.length))}${c[2]}  ${c[3]}`.trimEnd();
  return [...head, line(['OBIS', 'name', 'value', 'unit']), ...rows.map(line)].join('\n') + '\n';
}
