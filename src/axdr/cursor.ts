/**
 * The byte cursor of the A-XDR decoder and its checked primitives: every read first checks it stays below
 * `limit`, so truncated input gives `axdr.truncated` (offset = where the bytes ran out) and nothing reads past
 * the buffer. Lengths: < 0x80 one byte; 0x81 xx; 0x82 xx xx; 0x83 …; 0x84 … (big-endian).
 */
import { DecodeError } from '../errors.js';

export interface Cursor {
  readonly b: Uint8Array;
  readonly v: DataView;
  p: number;
  /** Reads must stay below this offset (the buffer end, or the end of a compact-array's contents). */
  limit: number;
}

export function truncated(c: Cursor, start: number, need: number, what: string): DecodeError {
  return new DecodeError(
    'axdr.truncated',
    `${what} at offset ${start} needs ${need} byte(s), only ${c.limit - c.p} left`,
    'axdr',
    c.limit,
  );
}

export function invalid(message: string, offset: number): DecodeError {
  return new DecodeError('axdr.invalid', message, 'axdr', offset);
}

export function need(c: Cursor, n: number, what: string): void {
  if (c.p + n > c.limit) throw truncated(c, c.p, n, what);
}

export function readLengthAt(c: Cursor): number {
  const start = c.p;
  need(c, 1, 'A-XDR length');
  const first = c.b[c.p++]!;
  if (first < 0x80) return first;
  const n = first & 0x7f;
  if (n === 0 || n > 4)
    throw invalid(`A-XDR length form 0x${first.toString(16)} at offset ${start} is not supported`, start);
  need(c, n, 'A-XDR length');
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + c.b[c.p++]!;
  return len;
}

/** Reads an element count and checks it against the bytes left (each element needs ≥ `minSize` bytes). */
export function readCount(c: Cursor, what: string, minSize: number): number {
  const start = c.p;
  const n = readLengthAt(c);
  if (n * minSize > c.limit - c.p)
    throw invalid(
      `${what} at offset ${start} claims ${n} elements but only ${c.limit - c.p} bytes remain`,
      start,
    );
  return n;
}

export function readBytes(c: Cursor, what: string): Uint8Array {
  const len = readLengthAt(c);
  need(c, len, what);
  const out = view(c, c.p, len);
  c.p += len;
  return out;
}

/**
 * `len` bytes of the cursor's buffer at `at`, as a view (no copy). The constructor, not `subarray`: subarray looks
 * up the species constructor every time and was the costliest line of a telegram (about 2× the constructor).
 */
export function view(c: Cursor, at: number, len: number): Uint8Array {
  return new Uint8Array(c.b.buffer, c.b.byteOffset + at, len);
}

export function cursor(buf: Uint8Array, offset: number): Cursor {
  return {
    b: buf,
    v: new DataView(buf.buffer, buf.byteOffset, buf.byteLength),
    p: offset,
    limit: buf.length,
  };
}
