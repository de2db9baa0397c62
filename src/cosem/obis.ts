/**
 * OBIS codes (IEC 62056-6-1): six value groups A.B.C.D.E.F, each 0..255, carried in telegrams as a 6-byte
 * octet-string. Example: bytes `01 00 01 08 00 FF` = `1.0.1.8.0.255` = active energy import (A+) total.
 *
 * Text forms accepted by `parseObis`:
 *   `1.0.1.8.0.255`   canonical (what `formatObis` prints)
 *   `1-0:1.8.0*255`   IEC notation with `*F`
 *   `1-0:1.8.0.255`   IEC notation with `.F`
 *   `1-0:1.8.0`       IEC notation without F (F = 255)
 *   `1.8.0`           short C.D.E form for electricity (A = 1, B = 0, F = 255 implied)
 */
import { DecodeError } from '../errors.js';

/** The six value groups A..F. */
export type ObisTuple = readonly [number, number, number, number, number, number];

function obisError(message: string): DecodeError {
  return new DecodeError('cosem.obis', message, 'cosem');
}

const FULL = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IEC = /^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:[*.&](\d{1,3}))?$/;
const SHORT = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HINT = 'use a.b.c.d.e.f (1.0.1.8.0.255), 1-0:1.8.0*255 or the short c.d.e (1.8.0)';

function toTuple(groups: readonly (string | undefined)[], text: string): ObisTuple {
  const n = groups.map((g) => Number(g));
  for (const v of n) {
    if (v > 255) throw obisError(`OBIS code ${JSON.stringify(text)}: every group must be 0..255, got ${v}`);
  }
  return [n[0]!, n[1]!, n[2]!, n[3]!, n[4]!, n[5]!];
}

/** Text in any of the accepted forms → the six groups. Throws DecodeError `cosem.obis` naming the input. */
export function parseObis(text: string): ObisTuple {
  const t = text.trim();
  let m = FULL.exec(t);
  if (m) return toTuple(m.slice(1), text);
  m = IEC.exec(t);
  if (m) return toTuple([m[1], m[2], m[3], m[4], m[5], m[6] ?? '255'], text);
  m = SHORT.exec(t);
  if (m) return toTuple(['1', '0', m[1], m[2], m[3], '255'], text);
  throw obisError(`not an OBIS code: ${JSON.stringify(text)}; ${HINT}`);
}

/** 6 raw bytes (or a tuple) → `a.b.c.d.e.f`. Throws `cosem.obis` when the input is not exactly 6 groups. */
export function formatObis(obis: Uint8Array | ObisTuple): string {
  if (obis.length !== 6) throw obisError(`an OBIS code has 6 bytes, got ${obis.length}`);
  return `${obis[0]}.${obis[1]}.${obis[2]}.${obis[3]}.${obis[4]}.${obis[5]}`;
}

/** Text (any accepted form) or tuple → the 6 bytes as carried in a telegram. */
export function obisToBytes(obis: string | ObisTuple): Uint8Array {
  const t = typeof obis === 'string' ? parseObis(obis) : obis;
  if (t.length !== 6 || t.some((v) => !Number.isInteger(v) || v < 0 || v > 255))
    throw obisError(`OBIS groups must be six integers 0..255, got ${JSON.stringify(t)}`);
  return Uint8Array.from(t);
}

/** Normalises any accepted text form to canonical `a.b.c.d.e.f`. */
export function normalizeObis(text: string): string {
  return formatObis(parseObis(text));
}
