/** Shared helpers of the decoder tests: keys of a vector, whole-pipeline runs, comparable summaries of events. */
import type { CipherKeys } from '../../src/dlms/decipher.js';
import {
  TelegramDecoder,
  type DecoderEvent,
  type TelegramDecoderOptions,
} from '../../src/pipeline/telegram-decoder.js';
import { PROFILES } from '../../src/profiles/meters.js';
import type { Reading } from '../../src/model/snapshot.js';
import { applyScaler } from '../../src/cosem/scale.js';
import { lookupQuantity } from '../../src/cosem/quantities.js';
import type { Vector } from '../helpers/vectors.js';

export const RECEIVED_AT = Date.UTC(2024, 0, 1);

export const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

export function keysOf(v: Vector): CipherKeys {
  return {
    encryptionKey: v.key_hex ? hex(v.key_hex) : undefined,
    authenticationKey: v.auth_key_hex ? hex(v.auth_key_hex) : undefined,
  };
}

/** Feeds the chunks through one decoder and flushes it. */
export function decodeChunks(chunks: Uint8Array[], opts: TelegramDecoderOptions = {}): DecoderEvent[] {
  const d = new TelegramDecoder(opts);
  const events = chunks.flatMap((c) => d.push(c, RECEIVED_AT));
  events.push(...d.flush());
  return events;
}

export type TelegramEvent = Extract<DecoderEvent, { type: 'telegram' }>;

export function telegrams(events: DecoderEvent[]): TelegramEvent[] {
  return events.filter((e): e is TelegramEvent => e.type === 'telegram');
}

/** What a caller cares about: per telegram its profile, meter id, meter time and readings; per error its code. */
export function summary(events: DecoderEvent[]): unknown[] {
  return events.flatMap((e): unknown[] => {
    if (e.type === 'telegram') {
      const s = e.snapshot;
      return [{ profile: s.profile, meterId: s.meterId, meterTime: s.meterTime, readings: s.readings }];
    }
    if (e.type === 'error') return [{ error: e.error.code }];
    return [];
  });
}

/** The profile that lists the vector among its proofs. */
export function profileOfVector(id: string): string | undefined {
  return PROFILES.find((p) => p.vectors.includes(id))?.id;
}

export function readingMap(readings: Reading[]): Map<string, Reading> {
  return new Map(readings.map((r) => [r.obis, r]));
}

/**
 * ISO text of a vector's meter time: local text + the offset its DLMS deviation gives (deviation = minutes local
 * time is *behind* UTC as DLMS counts: -120 → +02:00); no offset when the deviation is not specified.
 */
export function isoMeterTime(mt: NonNullable<Vector['meter_time']>): string {
  const local = mt.text.replace(' ', 'T');
  if (mt.deviation_min === null) return local;
  const east = -mt.deviation_min;
  const abs = Math.abs(east);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${east >= 0 ? '+' : '-'}${hh}:${mm}`;
}

/**
 * A reading as a meter display states it: `[value, unit]` in `unit` (the unit a fixture's `expected` gives).
 * The decoder states known quantities in their key's unit (a DSMR 6.695 kWh is 6695 Wh); this converts back by
 * the quantity table's accepted units, decimal-exact, so fixtures keep the display's values. A reading in any
 * other unit is returned as it is (and then fails the comparison).
 */
export function asStated(r: Reading, unit: string | undefined): [number | string, string | undefined] {
  if (unit === undefined || r.unit === unit || typeof r.value !== 'number') return [r.value, r.unit];
  const q = lookupQuantity(r.obis);
  const p = q?.accepts[unit];
  if (q?.unit === undefined || r.unit !== q.unit || p === undefined) return [r.value, r.unit];
  return [applyScaler(r.value, -p), unit];
}
