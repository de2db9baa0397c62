/**
 * A secret AES-128 key (encryption or authentication key) as bytes, parsed once at the config edge and held by
 * the meter it belongs to. It never shows itself: `toJSON()`, `toString()` and `util.inspect` all give
 * `<redacted>`, so a config object or a status dump that holds one can be logged without leaking it.
 *
 * The bytes are one `Uint8Array` for the key's life: the cipher code keeps its AES-ECB object per key in a
 * WeakMap keyed by that array (dlms/aes-gcm.ts), so two meters with two keys never share or evict a cipher.
 */
import { parseKey } from './hex.js';

export const REDACTED = '<redacted>';

export class Key {
  private constructor(readonly bytes: Uint8Array) {}

  /** 32 hex digits (case, spaces and `0x` ignored) → Key; throws DecodeError `input.key` without the digits. */
  static parse(text: string, what = 'key'): Key {
    return new Key(parseKey(text, what));
  }

  /** Wraps 16 bytes (copied). */
  static of(bytes: Uint8Array): Key {
    if (bytes.length !== 16) throw new RangeError(`an AES-128 key has 16 bytes, got ${bytes.length}`);
    return new Key(Uint8Array.from(bytes));
  }

  /** Same bytes (constant time is not needed: both sides are our own config). */
  equals(other: Key | undefined): boolean {
    return other !== undefined && other.bytes.every((b, i) => b === this.bytes[i]);
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
