/**
 * Measures a bare plaintext data-notification in a byte stream (no link layer, no length field): walk the header
 * and one A-XDR body without building values; its end is the APDU's end. Used by the frame scanner for `0F …`
 * starts, so it must tell "not all bytes are here yet" (`need-more`) from "this is no APDU" (`invalid`):
 *
 *   0F <invoke id 4> (0C <date-time 12> | 09 0C <12> | 00) <body: 01/02 array or structure …>
 *
 * The walk only reads tags and lengths (the real decode validates values later), allocates nothing, and every
 * element takes at least one byte, so hostile counts end when the bytes do.
 */
import { SIZE_BY_TYPE, TYPE_BY_TAG } from '../axdr/tags.js';
import { MAX_DEPTH } from '../axdr/decode.js';

const NEED_MORE = -1;
const INVALID = -2;

/** Fixed content size per tag (-1 length-prefixed or constructed, -2 unknown tag). */
const FIXED: Int8Array = (() => {
  const t = new Int8Array(256).fill(INVALID);
  TYPE_BY_TAG.forEach((type, tag) => {
    if (type !== undefined) t[tag] = SIZE_BY_TYPE[type];
  });
  return t;
})();

/** A-XDR length at `at` → [length, next], or a negative status. */
function length(b: Uint8Array, at: number): number | [number, number] {
  if (at >= b.length) return NEED_MORE;
  const first = b[at]!;
  if (first < 0x80) return [first, at + 1];
  const n = first & 0x7f;
  if (n === 0 || n > 4) return INVALID;
  if (at + n >= b.length) return NEED_MORE;
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + b[at + i]!;
  return [len, at + n + 1];
}

/** Skips a compact-array type description; returns the offset after it or a negative status. */
function skipDescription(b: Uint8Array, at: number, depth: number): number {
  if (depth >= MAX_DEPTH) return INVALID;
  if (at >= b.length) return NEED_MORE;
  const tag = b[at]!;
  if (tag === 0x13 || FIXED[tag] === INVALID) return INVALID;
  if (tag === 0x01) return at + 3 > b.length ? NEED_MORE : skipDescription(b, at + 3, depth + 1);
  if (tag !== 0x02) return at + 1;
  const n = length(b, at + 1);
  if (typeof n === 'number') return n;
  let p = n[1];
  for (let i = 0; i < n[0] && p >= 0; i++) p = skipDescription(b, p, depth + 1);
  return p;
}

/** Skips one tagged value at `at`; returns the offset after it or a negative status. */
function skip(b: Uint8Array, at: number, depth: number): number {
  if (at >= b.length) return NEED_MORE;
  const tag = b[at]!;
  const size = FIXED[tag]!;
  if (size === INVALID) return INVALID;
  if (size >= 0) return at + 1 + size > b.length ? NEED_MORE : at + 1 + size;
  if (tag === 0x13) {
    const d = skipDescription(b, at + 1, depth + 1);
    if (d < 0) return d;
    const n = length(b, d);
    if (typeof n === 'number') return n;
    return n[1] + n[0] > b.length ? NEED_MORE : n[1] + n[0];
  }
  const n = length(b, at + 1);
  if (typeof n === 'number') return n;
  if (tag === 0x01 || tag === 0x02) {
    if (depth >= MAX_DEPTH) return INVALID;
    let p = n[1];
    for (let i = 0; i < n[0] && p >= 0; i++) p = skip(b, p, depth + 1);
    return p;
  }
  const bytes = tag === 0x04 ? (n[0] + 7) >> 3 : n[0];
  return n[1] + bytes > b.length ? NEED_MORE : n[1] + bytes;
}

export function measurePlainApdu(buf: Uint8Array, offset: number): number | 'need-more' | 'invalid' {
  let at = offset + 5; // 0F + long-invoke-id (4)
  if (at + 1 >= buf.length) return 'need-more';
  if (buf[at] === 0x09 && buf[at + 1] === 0x0c) at += 1;
  if (buf[at] === 0x0c) at += 13;
  else if (buf[at] === 0x00) at += 1;
  else return 'invalid';
  if (at >= buf.length) return 'need-more';
  const first = buf[at];
  if (first !== 0x01 && first !== 0x02) return 'invalid'; // bodies are arrays or structures
  const end = skip(buf, at, 0);
  if (end === NEED_MORE) return 'need-more';
  if (end === INVALID) return 'invalid';
  return end - offset;
}
