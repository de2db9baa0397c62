import { DecodeError } from '../errors.js';

const HEX = '0123456789ABCDEF';

/** Bytes → upper-case hex without separators. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b >> 4]! + HEX[b & 15]!;
  return s;
}

/**
 * Hex text → bytes. Accepts any whitespace, `0x` prefixes, `:`/`-`/`,` separators and both cases.
 * Throws DecodeError `input.hex` with the offending position.
 */
export function parseHex(text: string): Uint8Array {
  const clean = text.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean)) {
    const bad = clean.search(/[^0-9a-fA-F]/);
    throw new DecodeError(
      'input.hex',
      `not hex: unexpected character ${JSON.stringify(clean[bad])}`,
      'input',
      bad,
    );
  }
  if (clean.length % 2 !== 0)
    throw new DecodeError('input.hex', 'hex text has an odd number of digits', 'input');
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

/**
 * A user-given AES-128 key (encryption or authentication key) → 16 bytes. Accepts upper/lower case, spaces,
 * `0x`. Throws DecodeError `input.key` naming the length found; the message never contains the key.
 */
export function parseKey(text: string, what = 'key'): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = parseHex(text);
  } catch {
    throw new DecodeError(
      'input.key',
      `the ${what} must be 32 hex digits (16 bytes); it contains non-hex characters`,
      'input',
    );
  }
  if (bytes.length !== 16) {
    throw new DecodeError(
      'input.key',
      `the ${what} must be 32 hex digits (16 bytes), got ${bytes.length * 2} digits`,
      'input',
    );
  }
  return bytes;
}
