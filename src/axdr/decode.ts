/**
 * A-XDR decoder (IEC 61334-6 / DLMS Blue Book "Data"): one tag byte, then the content.
 *
 *   length      < 0x80: one byte; 0x81 xx; 0x82 xx xx; 0x83 xx xx xx; 0x84 xx xx xx xx (big-endian)
 *   array       01 <length = element count> <tagged elements>
 *   structure   02 <length = field count> <tagged fields>
 *   bit-string  04 <length in bits> <ceil(bits/8) bytes, first bit = MSB of the first byte>
 *   strings     09 / 0A / 0C <length in bytes> <bytes>
 *   integers    05 i32, 06 u32, 0F i8, 10 i16, 11 u8, 12 u16, 14 i64, 15 u64, 16 enum (u8), 0D bcd (1 byte);
 *               all big-endian
 *   floats      17 float32, 18 float64
 *   time        19 date-time (12 bytes), 1A date (5), 1B time (4), no length prefix
 *   compact     13 <type description> <length in bytes> <untagged contents>
 *
 * Example: `02 02 09 06 01 00 01 08 00 FF 06 00 39 21 52` = structure { octet-string 1.0.1.8.0.255,
 * uint32 3744082 }.
 *
 * Hostile input cannot make it allocate much: element counts are checked against the bytes left (every element
 * takes at least one byte) and nesting is limited to MAX_DEPTH. Errors are DecodeError with layer `axdr`:
 * `axdr.truncated` (offset = where the bytes ran out), `axdr.unknown-tag` (offset of the tag), `axdr.invalid`.
 */
import { DecodeError } from '../errors.js';
import { readDateTimeFields } from './date-time-fields.js';
import { TYPE_BY_TAG, TAG_BY_TYPE, SIZE_BY_TYPE } from './tags.js';
import type { AxdrValue, TypeDescription, SimpleAxdrType } from './types.js';
import {
  cursor,
  invalid,
  need,
  readBytes,
  readCount,
  readLengthAt,
  truncated,
  view,
  type Cursor,
} from './cursor.js';

/** Deepest nesting of arrays/structures (and compact-array descriptions) accepted. */
export const MAX_DEPTH = 16;

type Reader = (c: Cursor, depth: number) => AxdrValue;

/** Reads an A-XDR length at `offset`: the value and the offset just after it. */
export function decodeAxdrLength(buf: Uint8Array, offset = 0): { length: number; end: number } {
  const c = cursor(buf, offset);
  const length = readLengthAt(c);
  return { length, end: c.p };
}

function readItems(c: Cursor, depth: number, what: string): AxdrValue[] {
  if (depth >= MAX_DEPTH) throw invalid(`${what} nested deeper than ${MAX_DEPTH} levels`, c.p - 1);
  // A one-byte count that fits the bytes left is read here; anything else (long forms, errors) by readCount.
  const first = c.p < c.limit ? c.b[c.p]! : 0x80;
  let n: number;
  if (first < 0x80 && first <= c.limit - c.p - 1) {
    n = first;
    c.p++;
  } else n = readCount(c, what, 1);
  const items = new Array<AxdrValue>(n);
  for (let i = 0; i < n; i++) items[i] = readTagged(c, depth + 1);
  return items;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096)
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

const utf8 = new TextDecoder('utf-8');

function bits(bytes: Uint8Array, count: number): string {
  let s = '';
  for (let i = 0; i < count; i++) s += (bytes[i >> 3]! >> (7 - (i & 7))) & 1 ? '1' : '0';
  return s;
}

function fixed(type: SimpleAxdrType, read: (c: Cursor) => AxdrValue): Reader {
  const size = SIZE_BY_TYPE[type];
  return (c) => {
    need(c, size, type);
    const v = read(c);
    c.p += size;
    return v;
  };
}

function bcd(c: Cursor): AxdrValue {
  const byte = c.b[c.p]!;
  if (byte >> 4 > 9 || (byte & 15) > 9)
    throw invalid(`bcd byte 0x${byte.toString(16)} at offset ${c.p} is not two decimal digits`, c.p);
  return { type: 'bcd', value: (byte >> 4) * 10 + (byte & 15) };
}

/** Readers by tag: each reads the content after the tag byte. */
const READERS: readonly (Reader | undefined)[] = (() => {
  const r: Partial<Record<SimpleAxdrType | 'array' | 'structure' | 'compact-array', Reader>> = {
    null: () => ({ type: 'null' }),
    array: (c, d) => ({ type: 'array', items: readItems(c, d, 'array') }),
    structure: (c, d) => ({ type: 'structure', items: readItems(c, d, 'structure') }),
    boolean: fixed('boolean', (c) => ({ type: 'boolean', value: c.b[c.p] !== 0 })),
    'bit-string': (c) => {
      const n = readLengthAt(c);
      const size = (n + 7) >> 3;
      need(c, size, 'bit-string');
      const v: AxdrValue = { type: 'bit-string', bits: bits(c.b.subarray(c.p, c.p + size), n) };
      c.p += size;
      return v;
    },
    int32: fixed('int32', (c) => ({ type: 'int32', value: c.v.getInt32(c.p) })),
    uint32: fixed('uint32', (c) => ({ type: 'uint32', value: c.v.getUint32(c.p) })),
    'octet-string': (c) => ({ type: 'octet-string', value: readBytes(c, 'octet-string') }),
    'visible-string': (c) => ({ type: 'visible-string', value: latin1(readBytes(c, 'visible-string')) }),
    'utf8-string': (c) => ({ type: 'utf8-string', value: utf8.decode(readBytes(c, 'utf8-string')) }),
    bcd: fixed('bcd', bcd),
    int8: fixed('int8', (c) => ({ type: 'int8', value: c.v.getInt8(c.p) })),
    int16: fixed('int16', (c) => ({ type: 'int16', value: c.v.getInt16(c.p) })),
    uint8: fixed('uint8', (c) => ({ type: 'uint8', value: c.b[c.p]! })),
    uint16: fixed('uint16', (c) => ({ type: 'uint16', value: c.v.getUint16(c.p) })),
    'compact-array': readCompactArray,
    int64: fixed('int64', (c) => ({ type: 'int64', value: c.v.getBigInt64(c.p) })),
    uint64: fixed('uint64', (c) => ({ type: 'uint64', value: c.v.getBigUint64(c.p) })),
    enum: fixed('enum', (c) => ({ type: 'enum', value: c.b[c.p]! })),
    float32: fixed('float32', (c) => ({ type: 'float32', value: c.v.getFloat32(c.p) })),
    float64: fixed('float64', (c) => ({ type: 'float64', value: c.v.getFloat64(c.p) })),
    'date-time': fixed('date-time', (c) => timeValue(c, 'date-time', 12)),
    date: fixed('date', (c) => timeValue(c, 'date', 5)),
    time: fixed('time', (c) => timeValue(c, 'time', 4)),
  };
  return TYPE_BY_TAG.map((t) => (t === undefined ? undefined : r[t]));
})();

function timeValue(c: Cursor, kind: 'date-time' | 'date' | 'time', size: number): AxdrValue {
  return { type: kind, value: readDateTimeFields(c.b, c.p, kind), raw: view(c, c.p, size) };
}

function readTagged(c: Cursor, depth: number): AxdrValue {
  const at = c.p;
  if (at >= c.limit) need(c, 1, 'data tag');
  const b = c.b;
  const tag = b[c.p++]!;
  // Fast paths for the tags push telegrams are made of (structure, octet-string, uint32/16, int8, enum): a
  // monomorphic switch instead of the table's closures, bounds checked inline and numbers assembled from bytes
  // (no helper calls: without the JIT — the systemd unit runs node --jitless — every call is interpreted). Any
  // case that does not fit (long lengths, truncation) falls to the checked helpers, which raise the same errors.
  const p = c.p;
  const left = c.limit - p;
  switch (tag) {
    case 0x02:
      return { type: 'structure', items: readItems(c, depth, 'structure') };
    case 0x09: {
      const len = left > 0 ? b[p]! : 0x80;
      if (len < 0x80 && len < left) {
        c.p = p + 1 + len;
        return { type: 'octet-string', value: new Uint8Array(b.buffer, b.byteOffset + p + 1, len) };
      }
      return { type: 'octet-string', value: readBytes(c, 'octet-string') };
    }
    case 0x06: {
      if (left < 4) need(c, 4, 'uint32');
      c.p = p + 4;
      return {
        type: 'uint32',
        value: ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0,
      };
    }
    case 0x12: {
      if (left < 2) need(c, 2, 'uint16');
      c.p = p + 2;
      return { type: 'uint16', value: (b[p]! << 8) | b[p + 1]! };
    }
    case 0x0f: {
      if (left < 1) need(c, 1, 'int8');
      c.p = p + 1;
      return { type: 'int8', value: (b[p]! << 24) >> 24 };
    }
    case 0x16: {
      if (left < 1) need(c, 1, 'enum');
      c.p = p + 1;
      return { type: 'enum', value: b[p]! };
    }
  }
  const reader = READERS[tag];
  if (reader === undefined)
    throw new DecodeError(
      'axdr.unknown-tag',
      `unknown A-XDR data tag 0x${tag.toString(16).padStart(2, '0')} at offset ${at}`,
      'axdr',
      at,
    );
  return reader(c, depth);
}

// ---- compact-array: type description + untagged contents ----

const MIN_SIZE = new WeakMap<TypeDescription, number>();

/** Smallest encoded size of one element of `d` (used to bound counts against the bytes left). */
function minSize(d: TypeDescription): number {
  let m = MIN_SIZE.get(d);
  if (m !== undefined) return m;
  if (d.type === 'array') m = d.count * minSize(d.element);
  else if (d.type === 'structure') m = d.fields.reduce((s, f) => s + minSize(f), 0);
  else m = d.type === 'null' ? 0 : Math.max(SIZE_BY_TYPE[d.type], 1);
  MIN_SIZE.set(d, m);
  return m;
}

function readDescription(c: Cursor, depth: number): TypeDescription {
  const at = c.p;
  if (depth >= MAX_DEPTH)
    throw invalid(`compact-array description nested deeper than ${MAX_DEPTH} levels`, at);
  need(c, 1, 'type description');
  const tag = c.b[c.p++]!;
  const type = TYPE_BY_TAG[tag];
  if (type === undefined)
    throw new DecodeError(
      'axdr.unknown-tag',
      `unknown type tag 0x${tag.toString(16).padStart(2, '0')} in a compact-array description at offset ${at}`,
      'axdr',
      at,
    );
  if (type === 'compact-array')
    throw invalid(`compact-array nested in a compact-array description at offset ${at}`, at);
  if (type === 'array') {
    need(c, 2, 'array description');
    const count = c.v.getUint16(c.p);
    c.p += 2;
    const element = readDescription(c, depth + 1);
    if (count > 0 && minSize(element) === 0)
      throw invalid(`compact-array description at offset ${at} repeats an empty element ${count} times`, at);
    return { type, count, element };
  }
  if (type === 'structure') {
    const n = readCount(c, 'structure description', 1);
    const fields = new Array<TypeDescription>(n);
    for (let i = 0; i < n; i++) fields[i] = readDescription(c, depth + 1);
    return { type, fields };
  }
  return { type };
}

function readDescribed(c: Cursor, d: TypeDescription, depth: number): AxdrValue {
  if (d.type === 'array' || d.type === 'structure') {
    const min = minSize(d);
    if (min > c.limit - c.p) throw truncated(c, c.p, min, `compact-array ${d.type} element`);
    const parts = d.type === 'array' ? new Array<TypeDescription>(d.count).fill(d.element) : d.fields;
    const items = new Array<AxdrValue>(parts.length);
    for (let i = 0; i < parts.length; i++) items[i] = readDescribed(c, parts[i]!, depth + 1);
    return { type: d.type, items };
  }
  return READERS[TAG_BY_TYPE[d.type]]!(c, depth);
}

function readCompactArray(c: Cursor, depth: number): AxdrValue {
  const at = c.p - 1;
  const description = readDescription(c, depth + 1);
  const len = readLengthAt(c);
  need(c, len, 'compact-array contents');
  const one = minSize(description);
  if (one === 0 && len > 0)
    throw invalid(`compact-array at offset ${at} describes empty elements but carries ${len} bytes`, at);
  const end = c.p + len;
  const outer = c.limit;
  c.limit = end;
  const items: AxdrValue[] = [];
  while (c.p < end) items.push(readDescribed(c, description, depth + 1));
  c.limit = outer;
  return { type: 'compact-array', items, description };
}

/**
 * Decodes one tagged A-XDR value at `offset`. Returns the value and the offset just after it (the caller decides
 * whether trailing bytes are an error). Octet-strings are views into `buf`, not copies.
 */
export function decodeAxdr(buf: Uint8Array, offset = 0): { value: AxdrValue; end: number } {
  const c = cursor(buf, offset);
  const value = readTagged(c, 0);
  return { value, end: c.p };
}
