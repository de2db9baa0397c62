/**
 * `kaifareader decode --explain`: what a user with an unknown meter shares. The decrypted A-XDR tree with each
 * element's type and value, then which profile claimed which element and why — or, for every profile, why it
 * did not. Text lines, for people; nothing here is a machine contract.
 */
import type { AxdrValue } from '../axdr/types.js';
import { toHex } from '../util/hex.js';
import type { Profile } from './profile.js';
import { PROFILES } from './meters.js';
import { matchesBody } from './position-layout.js';
import { interpretBody, specificity, type InterpretContext } from './detect.js';
import { DecodeError } from '../errors.js';

function leafText(v: AxdrValue): string {
  switch (v.type) {
    case 'octet-string': {
      const b = v.value;
      if (b.length === 6) return `${Array.from(b).join('.')} (an OBIS code?)`;
      const ascii = b.length > 0 && b.every((c) => c >= 0x20 && c <= 0x7e);
      return ascii ? `"${String.fromCharCode(...b)}"` : toHex(b);
    }
    case 'visible-string':
    case 'utf8-string':
      return JSON.stringify(v.value);
    case 'bit-string':
      return v.bits;
    case 'date-time':
    case 'date':
    case 'time':
      return toHex(v.raw);
    case 'null':
      return '';
    default:
      return 'value' in v ? String(v.value) : '';
  }
}

/** The A-XDR tree, one element a line: `[2.1] uint32 549`. */
export function axdrTree(body: AxdrValue): string[] {
  const out: string[] = [];
  const visit = (v: AxdrValue, path: string, depth: number): void => {
    const pad = '  '.repeat(depth);
    if (v.type === 'structure' || v.type === 'array') {
      out.push(`${pad}[${path || 'body'}] ${v.type} of ${v.items.length}`);
      v.items.forEach((it, i) => visit(it, path ? `${path}.${i}` : String(i), depth + 1));
      return;
    }
    out.push(`${pad}[${path || 'body'}] ${v.type} ${leafText(v)}`.trimEnd());
  };
  visit(body, '', 0);
  return out;
}

/** Why a position profile's match does not fit, or undefined when it fits. */
function whyNot(p: Profile, body: AxdrValue): string | undefined {
  const m = p.match!;
  if (matchesBody(m, body)) return undefined;
  if (body.type !== 'structure') return `needs a structure, the body is ${body.type}`;
  const n = body.items.length;
  if (!m.counts.includes(n)) return `needs ${m.counts.join(' or ')} elements, the body has ${n}`;
  if (m.firstObis) return `needs ${m.firstObis} as its first element`;
  if (m.firstTextPrefix && !matchesBody({ counts: [n], firstTextPrefix: m.firstTextPrefix }, body))
    return `needs a first text starting "${m.firstTextPrefix}"`;
  const i = (m.types ?? []).findIndex((t, k) => {
    const actual = body.items[k]?.type;
    return actual === undefined || !(Array.isArray(t) ? t.includes(actual) : t === actual);
  });
  if (i >= 0) {
    const want = m.types![i];
    return `element ${i} must be ${Array.isArray(want) ? want.join('|') : want}, it is ${body.items[i]?.type}`;
  }
  const k = (m.octetLengths ?? []).findIndex((len, at) => {
    const el = body.items[at];
    return len !== null && !(el?.type === 'octet-string' && el.value.length === len);
  });
  const el = body.items[k];
  const has = el?.type === 'octet-string' ? `${el.value.length} bytes` : `a ${el?.type ?? 'missing element'}`;
  return `element ${k} must be an octet-string of ${m.octetLengths![k]} bytes, it has ${has}`;
}

/** The whole explanation: tree, the profile test by test (in tie-rule order), the claims. */
export function explainBody(body: AxdrValue, ctx: InterpretContext = {}): string[] {
  const out = ['A-XDR body:', ...axdrTree(body).map((l) => `  ${l}`), 'profiles:'];
  const positions = PROFILES.filter((p) => p.layout === 'positions' && p.match).sort(
    (a, b) => specificity(b) - specificity(a),
  );
  for (const p of positions) out.push(`  ${p.id}: ${whyNot(p, body) ?? 'its match fits'}`);
  try {
    const { profile, readings } = interpretBody(body, ctx);
    const how =
      profile.layout === 'positions'
        ? 'bare values by position (its documented map)'
        : profile.claims
          ? `the telegram names it (list id text "${profile.claims.firstTextPrefix}…" or FLAG id ${profile.claims.flags?.join('/')}); each value by its OBIS code`
          : 'self-describing: each value by the OBIS code before it';
    out.push(`claimed by ${profile.id} (${profile.name}): ${how}`);
    for (const r of readings) {
      const raw = r.raw !== undefined ? ` (register ${r.raw})` : '';
      out.push(`  ${r.obis} ${r.key} = ${r.value}${r.unit ? ' ' + r.unit : ''}${raw}`);
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    out.push(`claimed by none: ${e.message}`);
  }
  return out;
}
