/**
 * Measures a bare plaintext data-notification in a byte stream (no link layer, no length field): parse the
 * header and one A-XDR body; its end is the APDU's end. Used by the frame scanner for `0F …` starts.
 */
import { decodeAxdr } from '../axdr/decode.js';
import { DecodeError } from '../errors.js';

export function measurePlainApdu(buf: Uint8Array, offset: number): number | 'need-more' | 'invalid' {
  let at = offset + 5; // 0F + long-invoke-id (4)
  if (at >= buf.length) return 'need-more';
  if (buf[at] === 0x09 && buf[at + 1] === 0x0c) at += 1;
  if (buf[at] === 0x0c) at += 13;
  else if (buf[at] === 0x00) at += 1;
  else return 'invalid';
  if (at >= buf.length) return 'need-more';
  const first = buf[at];
  if (first !== 0x01 && first !== 0x02) return 'invalid'; // bodies are arrays or structures
  try {
    return decodeAxdr(buf, at).end - offset;
  } catch (e) {
    if (e instanceof DecodeError && e.code === 'axdr.truncated') return 'need-more';
    return 'invalid';
  }
}
