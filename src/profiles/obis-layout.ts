/**
 * Self-describing bodies: the telegram names every value with its OBIS code. One walker covers the shapes met:
 *
 *   structure of structures  {0.0.1.0.0.255, date-time}, {OBIS, text}, {OBIS, value, {scaler, unit}} …  (TINETZ,
 *                            IKB, Salzburg, Vorarlberg; Aidon: the same inside an array)
 *   flat structure           date-time, OBIS, value, {scaler, unit}, OBIS, value, {…}, …, meter number  (EVN)
 *   {OBIS, value} pairs      no scaler/unit: units implied  (L+G E450 block transfer, Kamstrup)
 *
 * An OBIS code is a 6-byte octet-string followed by its value; a following structure {int8, enum} is its
 * scaler-unit. Elements without OBIS code: a leading date-time is the clock (0.0.1.0.0.255), a trailing text is
 * the meter number (0.0.96.1.0.255) — EVN sends both that way.
 */
import type { AxdrValue } from '../axdr/types.js';
import type { Reading } from '../model/snapshot.js';
import { unitName } from '../cosem/units.js';
import { isText, looksLikeDateTime, toReadingValue } from './values.js';
import { makeReading, obisInfo, obisInfoFromBytes } from './reading.js';

const CLOCK = '0.0.1.0.0.255';
const METER_NUMBER = '0.0.96.1.0.255';

interface Loose {
  value: AxdrValue;
  /** Position among all non-container elements, in telegram order. */
  index: number;
}

interface WalkState {
  readings: Reading[];
  loose: Loose[];
  /** Non-container elements visited so far. */
  leaves: number;
}

function isObis(v: AxdrValue | undefined): v is { type: 'octet-string'; value: Uint8Array } {
  return v !== undefined && v.type === 'octet-string' && v.value.length === 6;
}

/** {scaler int8, unit enum} */
function scalerUnit(v: AxdrValue | undefined): { scaler: number; unit: number } | undefined {
  if (v === undefined || v.type !== 'structure' || v.items.length !== 2) return undefined;
  const [s, u] = v.items;
  if (s!.type !== 'int8' || u!.type !== 'enum') return undefined;
  return { scaler: s.value, unit: u.value };
}

function walk(items: AxdrValue[], st: WalkState): void {
  let i = 0;
  while (i < items.length) {
    const it = items[i]!;
    if (it.type === 'structure' || it.type === 'array') {
      walk(it.items, st);
      i++;
      continue;
    }
    const next = items[i + 1];
    if (isObis(it) && next !== undefined && next.type !== 'structure' && next.type !== 'array') {
      const su = scalerUnit(items[i + 2]);
      const value = toReadingValue(next, su?.scaler ?? 0);
      if (value !== undefined) {
        const unit = su ? unitName(su.unit) : undefined;
        st.readings.push(makeReading(obisInfoFromBytes(it.value), value, unit));
      }
      i += su ? 3 : 2;
      st.leaves += su ? 3 : 2;
      continue;
    }
    st.loose.push({ value: it, index: st.leaves++ });
    i++;
  }
}

function hasObis(readings: Reading[], obis: string): boolean {
  for (const r of readings) if (r.obis === obis) return true;
  return false;
}

/** Readings of a self-describing body, or undefined when it names fewer than two values with OBIS codes. */
export function readObisLayout(body: AxdrValue): Reading[] | undefined {
  if (body.type !== 'structure' && body.type !== 'array') return undefined;
  const st: WalkState = { readings: [], loose: [], leaves: 0 };
  walk(body.items, st);
  if (st.readings.length < 2) return undefined;
  const first = st.loose[0];
  if (first && first.index === 0 && !hasObis(st.readings, CLOCK)) {
    const v = first.value;
    if (v.type === 'date-time' || (v.type === 'octet-string' && looksLikeDateTime(v.value))) {
      st.readings.unshift(makeReading(obisInfo(CLOCK), toReadingValue(v)!));
    }
  }
  const last = st.loose.at(-1);
  if (
    last &&
    last !== first &&
    last.index === st.leaves - 1 &&
    isText(last.value) &&
    !hasObis(st.readings, METER_NUMBER)
  ) {
    st.readings.push(makeReading(obisInfo(METER_NUMBER), toReadingValue(last.value)!));
  }
  return st.readings;
}
