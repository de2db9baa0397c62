/**
 * Bare value lists: the telegram carries values without OBIS codes (Netz Burgenland E450, Siemens IM350 /
 * Iskra AM550, Kaifa MA304 in Norway). A profile's position map says which element is which OBIS, with scaler
 * and unit; its `match` recognises the list from its length, leading types and first element.
 */
import type { AxdrValue } from '../axdr/types.js';
import type { Reading } from '../model/snapshot.js';
import type { BodyMatch, Profile } from './profile.js';
import { toReadingValue } from './values.js';
import { makeReading, obisInfo } from './reading.js';
import { parseObis } from '../cosem/obis.js';

function items(body: AxdrValue): AxdrValue[] | undefined {
  return body.type === 'structure' ? body.items : undefined;
}

function textOf(v: AxdrValue | undefined): string | undefined {
  if (v?.type === 'visible-string' || v?.type === 'utf8-string') return v.value;
  if (v?.type === 'octet-string') return Buffer.from(v.value).toString('latin1');
  return undefined;
}

function obisBytesEqual(v: AxdrValue | undefined, obis: string): boolean {
  if (v?.type !== 'octet-string' || v.value.length !== 6) return false;
  const want = parseObis(obis);
  return want.every((b, i) => v.value[i] === b);
}

/** Whether a body fits a profile's match rule. */
export function matchesBody(match: BodyMatch, body: AxdrValue): boolean {
  const list = items(body);
  if (!list || !match.counts.includes(list.length)) return false;
  if (match.firstObis && !obisBytesEqual(list[0], match.firstObis)) return false;
  if (match.firstTextPrefix && !textOf(list[0])?.startsWith(match.firstTextPrefix)) return false;
  const lengthsFit = (match.octetLengths ?? []).every((n, i) => {
    const el = list[i];
    return n === null || (el?.type === 'octet-string' && el.value.length === n);
  });
  if (!lengthsFit) return false;
  return (match.types ?? []).every((t, i) => {
    const actual = list[i]?.type;
    return actual !== undefined && (Array.isArray(t) ? t.includes(actual) : t === actual);
  });
}

/** Readings of a bare value list by the profile's position map. */
export function readPositions(profile: Profile, body: AxdrValue): Reading[] | undefined {
  const list = items(body) ?? (body.type === 'array' ? body.items : undefined);
  if (!list) return undefined;
  const readings: Reading[] = [];
  for (const rule of profile.positions ?? []) {
    const el = list[rule.position < 0 ? list.length + rule.position : rule.position];
    if (el === undefined) continue;
    const value = toReadingValue(el, rule.scaler ?? 0);
    if (value === undefined) continue;
    readings.push(makeReading(obisInfo(rule.obis), value, rule.unit));
  }
  return readings.length > 0 ? readings : undefined;
}
