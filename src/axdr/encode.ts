/**
 * A-XDR encoder: the inverse of `decodeAxdr` (same layouts, see decode.ts). Used by the simulator and the
 * tests to build plaintexts. Values out of their type's range are programming errors and throw RangeError.
 *
 * Example: encodeAxdr({ type: 'uint16', value: 2337 }) = `12 09 21`.
 */
import { writeDateTimeFields } from './date-time-fields.js';
import { SIZE_BY_TYPE, TAG_BY_TYPE } from './tags.js';
import type { AxdrValue, TypeDescription } from './types.js';

/** A growable byte buffer. */
class Writer {
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  p = 0;

  reserve(n: number): number {
    if (this.p + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.p + n));
      next.set(this.buf.subarray(0, this.p));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.p;
    this.p += n;
    return at;
  }

  // reserve() may swap the buffer: always call it before reading this.buf / this.view.
  byte(b: number): void {
    const at = this.reserve(1);
    this.buf[at] = b;
  }

  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }

  /** Reserves `n` bytes and returns a DataView-style setter target (view, offset). */
  at(n: number): [DataView, number] {
    const at = this.reserve(n);
    return [this.view, at];
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.p);
  }
}

function checkInt(v: number, min: number, max: number, type: string): number {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${type} must be an integer ${min}..${max}, got ${v}`);
  return v;
}

function checkBig(v: bigint, min: bigint, max: bigint, type: string): bigint {
  if (v < min || v > max) throw new RangeError(`${type} must be ${min}..${max}, got ${v}`);
  return v;
}

/** Bytes of an A-XDR length: < 0x80 one byte, else 0x8n followed by n big-endian bytes (n ≤ 4). */
export function encodeAxdrLength(n: number): Uint8Array {
  checkInt(n, 0, 0xffffffff, 'A-XDR length');
  if (n < 0x80) return Uint8Array.of(n);
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return Uint8Array.of(0x80 | out.length, ...out);
}

const latin1 = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = checkInt(s.charCodeAt(i), 0, 255, 'visible-string character');
  return out;
};

function bitBytes(bits: string): Uint8Array {
  if (!/^[01]*$/.test(bits))
    throw new RangeError(`bit-string must contain only 0 and 1, got ${JSON.stringify(bits)}`);
  const out = new Uint8Array((bits.length + 7) >> 3);
  for (let i = 0; i < bits.length; i++) if (bits[i] === '1') out[i >> 3]! |= 0x80 >> (i & 7);
  return out;
}

function sized(w: Writer, data: Uint8Array): void {
  w.bytes(encodeAxdrLength(data.length));
  w.bytes(data);
}

/** Writes the content of `v` (everything after the tag). */
function writeContent(w: Writer, v: AxdrValue): void {
  switch (v.type) {
    case 'null':
      return;
    case 'array':
    case 'structure':
      w.bytes(encodeAxdrLength(v.items.length));
      for (const item of v.items) writeTagged(w, item);
      return;
    case 'compact-array':
      return writeCompact(w, v.items, v.description);
    case 'boolean':
      return w.byte(v.value ? 1 : 0);
    case 'bit-string':
      w.bytes(encodeAxdrLength(v.bits.length));
      return w.bytes(bitBytes(v.bits));
    case 'octet-string':
      return sized(w, v.value);
    case 'visible-string':
      return sized(w, latin1(v.value));
    case 'utf8-string':
      return sized(w, new TextEncoder().encode(v.value));
    case 'bcd': {
      const n = checkInt(v.value, 0, 99, 'bcd');
      return w.byte(((n / 10) << 4) | (n % 10));
    }
    case 'date-time':
    case 'date':
    case 'time': {
      const at = w.reserve(SIZE_BY_TYPE[v.type]);
      return writeDateTimeFields(w.buf, at, v.value, v.type);
    }
    default:
      return writeNumber(w, v);
  }
}

type NumberValue = Extract<AxdrValue, { value: number | bigint }>;

type Setter =
  'setInt8' | 'setUint8' | 'setInt16' | 'setUint16' | 'setInt32' | 'setUint32' | 'setFloat32' | 'setFloat64';

function put(
  w: Writer,
  n: number,
  setter: Setter | 'setBigInt64' | 'setBigUint64',
  value: number | bigint,
): void {
  const [view, at] = w.at(n);
  if (setter === 'setBigInt64' || setter === 'setBigUint64') view[setter](at, value as bigint);
  else view[setter](at, value as number);
}

/** Writer per numeric type. */
const NUMBERS: Record<string, (w: Writer, v: number | bigint) => void> = {
  int8: (w, v) => put(w, 1, 'setInt8', checkInt(v as number, -0x80, 0x7f, 'int8')),
  uint8: (w, v) => put(w, 1, 'setUint8', checkInt(v as number, 0, 0xff, 'uint8')),
  enum: (w, v) => put(w, 1, 'setUint8', checkInt(v as number, 0, 0xff, 'enum')),
  int16: (w, v) => put(w, 2, 'setInt16', checkInt(v as number, -0x8000, 0x7fff, 'int16')),
  uint16: (w, v) => put(w, 2, 'setUint16', checkInt(v as number, 0, 0xffff, 'uint16')),
  int32: (w, v) => put(w, 4, 'setInt32', checkInt(v as number, -0x80000000, 0x7fffffff, 'int32')),
  uint32: (w, v) => put(w, 4, 'setUint32', checkInt(v as number, 0, 0xffffffff, 'uint32')),
  int64: (w, v) => put(w, 8, 'setBigInt64', checkBig(BigInt(v), -(2n ** 63n), 2n ** 63n - 1n, 'int64')),
  uint64: (w, v) => put(w, 8, 'setBigUint64', checkBig(BigInt(v), 0n, 2n ** 64n - 1n, 'uint64')),
  float32: (w, v) => put(w, 4, 'setFloat32', v as number),
  float64: (w, v) => put(w, 8, 'setFloat64', v as number),
};

function writeNumber(w: Writer, v: NumberValue): void {
  NUMBERS[v.type]!(w, v.value);
}

function writeTagged(w: Writer, v: AxdrValue): void {
  w.byte(TAG_BY_TYPE[v.type]);
  writeContent(w, v);
}

/** The type description of a value (for compact-arrays without an explicit one). */
export function describeAxdr(v: AxdrValue): TypeDescription {
  if (v.type === 'array') {
    const first = v.items[0];
    return { type: 'array', count: v.items.length, element: first ? describeAxdr(first) : { type: 'null' } };
  }
  if (v.type === 'structure') return { type: 'structure', fields: v.items.map(describeAxdr) };
  if (v.type === 'compact-array')
    throw new RangeError('a compact-array cannot be an element of a compact-array');
  return { type: v.type };
}

function writeDescription(w: Writer, d: TypeDescription): void {
  w.byte(TAG_BY_TYPE[d.type]);
  if (d.type === 'array') {
    put(w, 2, 'setUint16', checkInt(d.count, 0, 0xffff, 'compact-array element count'));
    writeDescription(w, d.element);
  } else if (d.type === 'structure') {
    w.bytes(encodeAxdrLength(d.fields.length));
    for (const f of d.fields) writeDescription(w, f);
  }
}

/** Writes a value untagged, as compact-array contents carry it. */
function writeUntagged(w: Writer, v: AxdrValue): void {
  if (v.type === 'array' || v.type === 'structure') {
    for (const item of v.items) writeUntagged(w, item);
  } else writeContent(w, v);
}

function writeCompact(w: Writer, items: AxdrValue[], description?: TypeDescription): void {
  const first = items[0];
  const d = description ?? (first ? describeAxdr(first) : undefined);
  if (!d) throw new RangeError('an empty compact-array needs a description');
  writeDescription(w, d);
  const contents = new Writer();
  for (const item of items) writeUntagged(contents, item);
  sized(w, contents.result());
}

/** Encodes one value with its tag. */
export function encodeAxdr(value: AxdrValue): Uint8Array {
  const w = new Writer();
  writeTagged(w, value);
  return w.result();
}
