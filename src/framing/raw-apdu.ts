/**
 * Bare APDUs on the line (P1-style ports without link layer, e.g. the Luxembourg Smarty):
 *
 *   DB 08 <system title 8> <A-XDR length 1–3 bytes> <security control> <invocation counter 4> <ciphertext> [tag 12]
 *
 * The length after the system title tells where the APDU ends. Plaintext APDUs (`0F …` data-notification) carry
 * no length of their own: an injected `measureApdu` (the A-XDR layer) says how long they are.
 *
 * Worked example (luxembourg-smarty_nexxtlab_1): DB 08 53 41 47 67 70 01 BD 54 82 02 7A 30 00 05 A8 E3 … →
 * system title "SAG" + 5 bytes, length 82 02 7A = 634, security control 0x30, invocation counter 0x0005A8E3;
 * 2 + 8 + 3 + 634 = 647 bytes in all.
 *
 * Nothing checksums a bare APDU, so a start is taken only when it looks right: the system title begins with the
 * three upper-case letters of a manufacturer (FLAG) id and the security control byte names suite 0–2 with
 * encryption and/or authentication.
 */
import type { FrameScan } from './types.js';

export type RawScan = FrameScan;

/** Measures a plaintext APDU at `offset`: its length in bytes, `need-more`, or `invalid`. */
export type MeasureApdu = (buf: Uint8Array, offset: number) => number | 'need-more' | 'invalid';

/** Largest APDU accepted on a bare line (a DSMR telegram inside the cipher is ~1 KiB). */
export const MAX_RAW_APDU = 4096;

/** Reads an A-XDR length (`4D`, `81 F8`, `82 01 55`) → [length, bytes used], or null when it needs more bytes. */
function readLength(buf: Uint8Array, at: number): [number, number] | 'need-more' | 'invalid' {
  if (at >= buf.length) return 'need-more';
  const first = buf[at]!;
  if (first < 0x80) return [first, 1];
  const n = first & 0x7f;
  if (n === 0 || n > 2) return 'invalid';
  if (at + n >= buf.length) return 'need-more';
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + buf[at + i]!;
  return [len, n + 1];
}

function rawFrame(buf: Uint8Array, offset: number, end: number): RawScan {
  const bytes = buf.subarray(offset, end);
  return {
    kind: 'frame',
    frame: { kind: 'raw', bytes, payload: bytes, segment: { final: true, index: 0 }, meta: {} },
    end,
  };
}

const skip = (reason: string): RawScan => ({ kind: 'skipped', count: 1, code: 'framing.garbage', reason });

const isUpperLetter = (b: number | undefined): boolean => b !== undefined && b >= 0x41 && b <= 0x5a;

/** Suite 0–2 (low nibble), authentication (0x10) and/or encryption (0x20); broadcast/compression unused. */
const plausibleSecurityControl = (sc: number): boolean =>
  (sc & 0x30) !== 0 && (sc & 0xc0) === 0 && (sc & 0x0f) <= 2;

/** Looks for a bare general-glo-ciphering APDU (`DB 08 …`) at `offset`. */
export function scanGloCipherApdu(buf: Uint8Array, offset: number): RawScan {
  if (buf.length < offset + 2) return { kind: 'need-more' };
  if (buf[offset + 1] !== 0x08) return skip('0xDB not followed by an 8-byte system title');
  for (let i = offset + 2; i < Math.min(buf.length, offset + 5); i++) {
    if (!isUpperLetter(buf[i])) return skip('0xDB 08 not followed by a manufacturer id (three letters)');
  }
  const len = readLength(buf, offset + 10);
  if (len === 'need-more') return { kind: 'need-more' };
  if (len === 'invalid' || len[0] < 5 || len[0] > MAX_RAW_APDU)
    return skip('implausible ciphered APDU length');
  const scAt = offset + 10 + len[1];
  if (buf.length <= scAt) return { kind: 'need-more' };
  if (!plausibleSecurityControl(buf[scAt]!)) return skip('implausible security control byte');
  const end = scAt + len[0];
  return buf.length < end ? { kind: 'need-more' } : rawFrame(buf, offset, end);
}

/** Looks for a plaintext data-notification (`0F …`) at `offset`, measured by the injected A-XDR parser. */
export function scanPlainApdu(buf: Uint8Array, offset: number, measure: MeasureApdu): RawScan {
  let n: ReturnType<MeasureApdu>;
  try {
    n = measure(buf, offset);
  } catch {
    n = 'invalid'; // the scanner never throws, whatever the injected parser does
  }
  if (n === 'need-more') {
    return buf.length - offset > MAX_RAW_APDU ? skip('plaintext APDU too long') : { kind: 'need-more' };
  }
  if (n === 'invalid' || !Number.isInteger(n) || n < 1 || offset + n > buf.length) {
    return skip('bytes that are no data-notification');
  }
  return rawFrame(buf, offset, offset + n);
}

/**
 * Looks for a bare general-block-transfer block (`E0 <control> <block u16> <ack u16> <length> <data>`, see
 * general-block-transfer.ts) at `offset`: block numbers start at 1, the window (control bits 0–5) is at most 63
 * and the data fits {@link MAX_RAW_APDU}; e.g. `E0 40 00 01 00 00 77 DB 08 …` is block 1 of 119 bytes.
 */
export function scanBlockTransferApdu(buf: Uint8Array, offset: number): RawScan {
  if (buf.length < offset + 7) return { kind: 'need-more' };
  const number = (buf[offset + 2]! << 8) | buf[offset + 3]!;
  if (number === 0 || number > 0xff) return skip('implausible general-block-transfer block number');
  const len = readLength(buf, offset + 6);
  if (len === 'need-more') return { kind: 'need-more' };
  if (len === 'invalid' || len[0] < 1 || len[0] > MAX_RAW_APDU)
    return skip('implausible general-block-transfer length');
  const end = offset + 6 + len[1] + len[0];
  return buf.length < end ? { kind: 'need-more' } : rawFrame(buf, offset, end);
}
