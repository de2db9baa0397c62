/**
 * Builds Readings with their key and name from the quantity table (src/cosem/quantities.ts), and normalises the
 * value ONCE, here: a known quantity stated in an accepted unit gets its value in the key's unit, decimal-exact,
 * and `unit` = the key's unit (DSMR `1.8.0(000006.695*kWh)` → 6695 Wh, `energy_import_wh` holds Wh). Unknown
 * codes and units the table does not accept keep the value and unit as sent. No sink converts back.
 *
 * OBIS bytes → info is cached (keyed by the 6 code bytes), so the hot path formats each code once per process,
 * not once per telegram.
 */
import type { Reading } from '../model/snapshot.js';
import { keyForObis, lookupQuantity, nameForObis, toKeyUnit, type Quantity } from '../cosem/quantities.js';

export interface ObisInfo {
  obis: string;
  key: string;
  name: string;
  /** The table row (any channel B, F = 255 only); undefined for unknown codes and billing-period objects. */
  quantity?: Quantity;
}

/**
 * Two levels keyed by small integers (fast map lookups, no 48-bit doubles): A·B·F (24 bits) → C·D·E (24 bits).
 */
const cache = new Map<number, Map<number, ObisInfo>>();
let cached = 0;

function infoOf(obis: string): ObisInfo {
  const info: ObisInfo = { obis, key: keyForObis(obis), name: nameForObis(obis) };
  const q = lookupQuantity(obis);
  if (q) info.quantity = q;
  return info;
}

/** Info for a 6-byte OBIS octet-string. */
export function obisInfoFromBytes(b: Uint8Array): ObisInfo {
  const outer = (b[0]! << 16) | (b[1]! << 8) | b[5]!;
  const inner = (b[2]! << 16) | (b[3]! << 8) | b[4]!;
  let level = cache.get(outer);
  let info = level?.get(inner);
  if (!info) {
    info = infoOf(`${b[0]}.${b[1]}.${b[2]}.${b[3]}.${b[4]}.${b[5]}`);
    if (cached < 4096) {
      if (!level) cache.set(outer, (level = new Map()));
      level.set(inner, info);
      cached++;
    }
  }
  return info;
}

const textCache = new Map<string, ObisInfo>();

/** Info for a dotted OBIS code (`1.0.1.8.0.255`). */
export function obisInfo(obis: string): ObisInfo {
  let info = textCache.get(obis);
  if (!info) {
    info = infoOf(obis);
    if (textCache.size < 4096) textCache.set(obis, info);
  }
  return info;
}

/**
 * A reading with its value in the key's unit when the quantity is known and `unit` is one it accepts; else value
 * and unit as given.
 */
export function makeReading(info: ObisInfo, value: number | string, unit?: string): Reading {
  const q = info.quantity;
  if (q?.unit !== undefined && unit !== undefined && unit !== q.unit && typeof value === 'number') {
    const v = toKeyUnit(q, value, unit);
    if (v !== undefined) {
      value = v;
      unit = q.unit;
    }
  }
  const r: Reading = { obis: info.obis, key: info.key, name: info.name, value };
  if (unit !== undefined) r.unit = unit;
  return r;
}
