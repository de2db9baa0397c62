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
  /** Values that came with their own scaler-unit. */
  described: number;
}

const numberOf = (v: AxdrValue): number => (v as { value: number }).value;

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
    // isObis / isScalerUnit written out: this loop runs per element of every telegram, and without the JIT (the
    // systemd unit's --jitless) each helper call is interpreted.
    if (
      it.type === 'octet-string' &&
      it.value.length === 6 &&
      next !== undefined &&
      next.type !== 'structure' &&
      next.type !== 'array'
    ) {
      const su = items[i + 2];
      const hasSu =
        su !== undefined &&
        su.type === 'structure' &&
        su.items.length === 2 &&
        su.items[0]!.type === 'int8' &&
        su.items[1]!.type === 'enum';
      const value = toReadingValue(next, hasSu ? numberOf(su.items[0]!) : 0);
      if (value !== undefined) {
        if (hasSu) st.described++;
        const unit = hasSu ? unitName(numberOf(su.items[1]!)) : undefined;
        st.readings.push(makeReading(obisInfoFromBytes(it.value), value, unit));
      }
      i += hasSu ? 3 : 2;
      st.leaves += hasSu ? 3 : 2;
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

/**
 * Readings of a self-describing body, or undefined when it names fewer than two values with OBIS codes — one is
 * enough when it carries its own scaler-unit (Aidon's list 1: an array of one {OBIS, value, {scaler, unit}}).
 */
export function readObisLayout(body: AxdrValue): Reading[] | undefined {
  if (body.type !== 'structure' && body.type !== 'array') return undefined;
  const st: WalkState = { readings: [], loose: [], leaves: 0, described: 0 };
  walk(body.items, st);
  if (st.readings.length < 2 && st.described === 0) return undefined;
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
