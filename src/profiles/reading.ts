/**
 * Builds Readings with their catalog key and name. OBIS bytes → info is cached (keyed by the 48-bit code), so
 * the hot path formats each code once per process, not once per telegram.
 */
import type { Reading } from '../model/snapshot.js';
import { keyForObis, nameForObis } from '../cosem/catalog.js';

export interface ObisInfo {
  obis: string;
  key: string;
  name: string;
}

const cache = new Map<number, ObisInfo>();

function infoOf(obis: string): ObisInfo {
  return { obis, key: keyForObis(obis), name: nameForObis(obis) };
}

/** Info for a 6-byte OBIS octet-string. */
export function obisInfoFromBytes(b: Uint8Array): ObisInfo {
  const id = ((b[0]! * 256 + b[1]!) * 256 + b[2]!) * 16777216 + ((b[3]! << 16) | (b[4]! << 8) | b[5]!);
  let info = cache.get(id);
  if (!info) {
    info = infoOf(`${b[0]}.${b[1]}.${b[2]}.${b[3]}.${b[4]}.${b[5]}`);
    if (cache.size < 4096) cache.set(id, info);
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

export function makeReading(info: ObisInfo, value: number | string, unit?: string): Reading {
  const r: Reading = { obis: info.obis, key: info.key, name: info.name, value };
  if (unit !== undefined) r.unit = unit;
  return r;
}
