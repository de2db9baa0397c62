/**
 * Judges one capture from other readers' test suites (test/fixtures/peer, copied from shared/vectors/peer) by
 * its `check` kind, from what `kaifareader decode --json` printed. The rules are those of the peer README:
 * - every case: exit 0 or 1, every stdout line one JSON object, no stack trace on stderr;
 * - `exact`: a telegram decodes and every expected value comes out under its OBIS code (a reading on channel
 *   B=1 counts for B=0), equal after the scaler or within `abs_tol`, units of one family converted (kWh ↔ Wh);
 *   `expected_meter_id` is `meter_id`, `expected_meter_time` the meter time to the second;
 * - `decodes-cleanly`: readings and no error line;
 * - `framing-only`: no readings, an error line;
 * - `rejects`: no readings, a checksum/framing error as the error line;
 * - `no-crash`: a clean error or a partial result.
 * Returns the list of problems (empty = passes).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export type PeerCheck = 'exact' | 'decodes-cleanly' | 'framing-only' | 'rejects' | 'no-crash';

export interface PeerCapture {
  id: string;
  check: PeerCheck;
  frames_hex: string[];
  key_hex: string | null;
  auth_key_hex: string | null;
  signature_public_key_hex?: string | null;
  expected: Record<string, { value: number | string; unit?: string; abs_tol?: number }>;
  expected_meter_id?: string | null;
  expected_meter_time?: string | null;
  expected_present?: string[];
}

export interface DecodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Reading {
  obis: string;
  value: unknown;
  unit: string | null;
}

interface Line {
  meter_id?: unknown;
  meter_time?: unknown;
  readings?: Reading[];
  error?: { code: string; message: string };
}

export function loadPeerCaptures(dir: string): PeerCapture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as PeerCapture);
}

/** The `decode` arguments for a capture: keys where published, the frames as hex. */
export function peerDecodeArgs(c: PeerCapture): string[] {
  const args = ['--json'];
  if (c.key_hex) args.push('--key', c.key_hex);
  if (c.auth_key_hex) args.push('--auth-key', c.auth_key_hex);
  if (c.signature_public_key_hex) args.push('--signature-key', c.signature_public_key_hex);
  return [...args, ...c.frames_hex];
}

/** Codes that a link-layer integrity failure may carry. */
const LINK_ERROR = /^(hdlc|mbus|framing|dsmr)\.|checksum|crc|fcs|hcs/;

/** Factor from a unit to its family's base (kWh → Wh ×1000). */
const UNIT_SCALE: Record<string, [string, number]> = {
  Wh: ['Wh', 1],
  kWh: ['Wh', 1000],
  MWh: ['Wh', 1e6],
  W: ['W', 1],
  kW: ['W', 1000],
  varh: ['varh', 1],
  kvarh: ['varh', 1000],
  var: ['var', 1],
  kvar: ['var', 1000],
  VA: ['VA', 1],
  kVA: ['VA', 1000],
  VAh: ['VAh', 1],
  kVAh: ['VAh', 1000],
  V: ['V', 1],
  A: ['A', 1],
  mA: ['A', 0.001],
  Hz: ['Hz', 1],
};

function toBase(value: number, unit: string | null | undefined): [number, string | null] {
  if (!unit) return [value, null];
  const s = UNIT_SCALE[unit];
  return s ? [value * s[1], s[0]] : [value, unit];
}

/** `1.0.1.8.0.255` also matches a reading on channel 1 (`1.1.1.8.0.255`). */
function obisCandidates(obis: string): string[] {
  const p = obis.split('.');
  if (p.length === 6 && p[1] === '0') return [obis, [p[0], '1', ...p.slice(2)].join('.')];
  return [obis];
}

function valueProblem(
  obis: string,
  want: { value: number | string; unit?: string; abs_tol?: number },
  readings: Reading[],
): string | undefined {
  const r = obisCandidates(obis)
    .map((o) => readings.find((x) => x.obis === o))
    .find(Boolean);
  if (!r) return `${obis}: missing`;
  if (typeof want.value === 'string') {
    return String(r.value) === want.value
      ? undefined
      : `${obis}: ${JSON.stringify(r.value)} ≠ ${JSON.stringify(want.value)}`;
  }
  if (typeof r.value !== 'number') return `${obis}: ${JSON.stringify(r.value)} is not a number`;
  const [got, gotUnit] = toBase(r.value, r.unit);
  const [exp, expUnit] = toBase(want.value, want.unit);
  if (want.unit && gotUnit !== expUnit) return `${obis}: unit ${r.unit} ≠ ${want.unit}`;
  const tol = (want.abs_tol ?? 0) * (want.unit ? (UNIT_SCALE[want.unit]?.[1] ?? 1) : 1);
  const ok = Math.abs(got - exp) <= tol + 1e-9 * Math.max(1, Math.abs(exp));
  return ok ? undefined : `${obis}: ${r.value} ${r.unit ?? ''} ≠ ${want.value} ${want.unit ?? ''}`.trim();
}

/** Local meter time to the second: `2019-02-04T23:52:22+01:00` → `2019-02-04 23:52:22`. */
const secondText = (t: unknown): string =>
  String(t ?? '')
    .replace('T', ' ')
    .slice(0, 19);

function telegramProblems(c: PeerCapture, t: Line): string[] {
  const readings = t.readings ?? [];
  const out: string[] = [];
  for (const [obis, want] of Object.entries(c.expected ?? {})) {
    const p = valueProblem(obis, want, readings);
    if (p) out.push(p);
  }
  for (const obis of c.expected_present ?? []) {
    if (!obisCandidates(obis).some((o) => readings.some((r) => r.obis === o)))
      out.push(`${obis}: not present`);
  }
  if (c.expected_meter_id && String(t.meter_id) !== c.expected_meter_id)
    out.push(`meter_id ${JSON.stringify(t.meter_id)} ≠ ${c.expected_meter_id}`);
  if (c.expected_meter_time && secondText(t.meter_time) !== c.expected_meter_time)
    out.push(`meter_time ${JSON.stringify(t.meter_time)} ≠ ${c.expected_meter_time}`);
  return out;
}

export function judgePeer(c: PeerCapture, run: DecodeRun): string[] {
  const problems: string[] = [];
  if (run.code !== 0 && run.code !== 1) problems.push(`exit status ${run.code}`);
  if (/^\s+at /m.test(run.stderr)) problems.push('stack trace on stderr');
  const lines: Line[] = [];
  for (const l of run.stdout.split('\n').filter((x) => x.trim())) {
    try {
      const v = JSON.parse(l) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) problems.push(`not an object: ${l}`);
      else lines.push(v as Line);
    } catch {
      problems.push(`not JSON: ${l.slice(0, 80)}`);
    }
  }
  const telegrams = lines.filter((l) => (l.readings?.length ?? 0) > 0);
  const errors = lines.filter((l) => l.error);
  const errorCodes = errors.map((e) => e.error!.code).join(', ');
  switch (c.check) {
    case 'exact': {
      if (telegrams.length === 0) {
        problems.push(`no telegram decoded${errorCodes ? ` (${errorCodes})` : ''}`);
        break;
      }
      // At least one telegram carries every expected value; report the closest one otherwise.
      const each = telegrams.map((t) => telegramProblems(c, t));
      if (!each.some((p) => p.length === 0))
        problems.push(...each.reduce((a, b) => (b.length < a.length ? b : a)));
      break;
    }
    case 'decodes-cleanly':
      if (telegrams.length === 0) problems.push(`no readings${errorCodes ? ` (${errorCodes})` : ''}`);
      if (errors.length > 0) problems.push(`error line(s): ${errorCodes}`);
      break;
    case 'framing-only':
      if (telegrams.length > 0) problems.push('readings from a capture without its key');
      if (errors.length === 0) problems.push('no error line');
      break;
    case 'rejects':
      if (telegrams.length > 0) problems.push('readings from a broken frame');
      if (!errors.some((e) => LINK_ERROR.test(e.error!.code)))
        problems.push(`no checksum/framing error line (got: ${errorCodes || 'none'})`);
      break;
    case 'no-crash':
      if (lines.length === 0) problems.push('no output at all');
      break;
  }
  return problems;
}
