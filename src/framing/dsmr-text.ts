/**
 * Plain DSMR / P1 text telegrams on the line (Dutch DSMR 4/5, Belgian Fluvius, Danish and Swedish P1 ports; NEN-EN-
 * IEC 62056-21 mode D lines):
 *
 *   /ISK5\2M550T-1012 CR LF CR LF      identification: '/', three-letter manufacturer id, baud-rate digit, model
 *   1-0:1.8.1(000123.456*kWh) CR LF    data lines
 *   !8E5B CR LF                        '!' and, from DSMR 4 on, CRC-16/ARC over '/' … '!' inclusive (4 hex digits)
 *
 * DSMR 2.2/3 telegrams end with '!' CR LF and carry no CRC. The text is the link layer here: a telegram whose CRC
 * does not match is dropped (`dsmr.crc`), never read.
 */
import { crc16arc } from './crc16.js';
import type { FrameScan } from './types.js';

/** Largest telegram accepted (DSMR 5 with M-Bus devices and a long text message stays below 3 KiB). */
export const MAX_DSMR_TEXT = 8192;

const BANG = 0x21; // '!'
const CR = 0x0d;
const LF = 0x0a;

const isUpper = (b: number | undefined): boolean => b !== undefined && b >= 0x41 && b <= 0x5a;
const isLetter = (b: number | undefined): boolean =>
  b !== undefined && ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a));
const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;
const isHex = (b: number | undefined): boolean =>
  isDigit(b) || (b !== undefined && ((b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)));

const garbage = (reason: string): FrameScan => ({
  kind: 'skipped',
  count: 1,
  code: 'framing.garbage',
  reason,
});

/** Looks for a DSMR text telegram at `offset` (buf[offset] must be '/'). Never throws. */
export function scanDsmrText(buf: Uint8Array, offset: number): FrameScan {
  // '/XXX5': manufacturer id (the first letter upper case, as in /ISK5, /KFM5, /Ene5, /LGF5) and a baud-rate digit.
  for (let k = 1; k <= 4; k++) if (offset + k >= buf.length) return { kind: 'need-more' };
  if (!isUpper(buf[offset + 1]) || !isLetter(buf[offset + 2]) || !isLetter(buf[offset + 3]))
    return garbage("'/' not followed by a three-letter manufacturer id");
  if (!isDigit(buf[offset + 4])) return garbage("'/XXX' not followed by the baud-rate digit");
  const limit = Math.min(buf.length, offset + MAX_DSMR_TEXT);
  let bang = -1;
  for (let i = offset + 5; i < limit; i++) {
    if (buf[i] === BANG) {
      bang = i;
      break;
    }
    if (buf[i] === 0x2f && buf[i - 1] === LF) return garbage('DSMR telegram cut off by the next one');
  }
  if (bang < 0)
    return buf.length - offset >= MAX_DSMR_TEXT ? garbage('DSMR telegram too long') : { kind: 'need-more' };
  if (bang + 1 >= buf.length) return { kind: 'need-more' };
  let end: number;
  if (buf[bang + 1] === CR || buf[bang + 1] === LF) {
    end = bang + 1; // DSMR 2.2 / 3: no CRC
  } else {
    if (bang + 5 > buf.length) return { kind: 'need-more' };
    for (let i = bang + 1; i < bang + 5; i++) {
      if (!isHex(buf[i])) return garbage("DSMR '!' not followed by a CRC or the end of the line");
    }
    const stated = parseInt(String.fromCharCode(...buf.subarray(bang + 1, bang + 5)), 16);
    end = bang + 5;
    if (crc16arc(buf, offset, bang + 1) !== stated) {
      return {
        kind: 'skipped',
        count: 1,
        code: 'dsmr.crc',
        reason: 'DSMR telegram CRC mismatch (a transmission error): telegram dropped',
        claimedEnd: end,
      };
    }
  }
  // The line end after '!' / the CRC belongs to the telegram.
  if (buf[end] === CR) end++;
  if (buf[end] === LF) end++;
  const bytes = buf.subarray(offset, end);
  return {
    kind: 'frame',
    frame: { kind: 'dsmr', bytes, payload: bytes, segment: { final: true, index: 0 }, meta: {} },
    end,
  };
}
