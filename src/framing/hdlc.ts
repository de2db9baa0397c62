/**
 * HDLC frames of IEC 62056-46 (the optical/P1/HAN port of many DLMS meters):
 *
 *   7E | A0 LL | dst (1/2/4 bytes) | src (1/2/4) | ctrl | HCS HCS | [E6 E7 00] info … | FCS FCS | 7E
 *   e.g. 7E A0 76 CE FF 03 13 3C 02 E6 E7 00 DB 08 4C 47 5A … 6B 98 7E
 *
 * Format field: high nibble 0xA (type 3), bit 0x08 of its first byte = S (segmented: more frames follow), length =
 * low 11 bits, counting format … FCS (without the flags): `A1 E9` = 489. Each address byte's LSB = 1 marks the last
 * byte of that address. HCS covers format … control, FCS covers format … last info byte; both CRC-16/X.25 sent
 * low byte first. A frame without information field has no HCS (the FCS follows the control byte).
 * The LLC header `E6 E7 00` (command) or `E6 E6 00` (response) in front of the first segment's info is stripped.
 */
import { crc16x25 } from './crc16.js';
import type { LinkFrame } from './types.js';

export type HdlcScan =
  | { kind: 'frame'; frame: LinkFrame; end: number }
  | { kind: 'need-more' }
  | { kind: 'skipped'; count: number; code: string; reason: string };

const FLAG = 0x7e;

/** Length of an HDLC address starting at `i` (1, 2 or 4 bytes), or 0 when invalid / beyond `end`. */
function addressLength(buf: Uint8Array, i: number, end: number): number {
  for (let n = 0; n < 4 && i + n < end; n++) {
    if (buf[i + n]! & 1) return n === 2 ? 0 : n + 1; // 3-byte addresses do not exist
  }
  return 0;
}

const skip = (code: string, reason: string): HdlcScan => ({ kind: 'skipped', count: 1, code, reason });

/** Looks for an HDLC frame starting at `offset` (buf[offset] must be 0x7E). Never throws. */
export function scanHdlcFrame(buf: Uint8Array, offset: number): HdlcScan {
  if (buf.length < offset + 3) return { kind: 'need-more' };
  const f0 = buf[offset + 1]!;
  if ((f0 & 0xf0) !== 0xa0) return skip('hdlc.format', 'no HDLC frame format type 0xA after the 7E flag');
  const len = ((f0 & 0x07) << 8) | buf[offset + 2]!;
  if (len < 7) return skip('hdlc.format', `HDLC length ${len} too short`);
  const end = offset + 1 + len; // index of the closing flag
  if (buf.length < end + 1) return { kind: 'need-more' };
  if (buf[end] !== FLAG) return skip('hdlc.format', 'no closing 7E flag where the HDLC length puts it');
  const dstAt = offset + 3;
  const dstLen = addressLength(buf, dstAt, end);
  const srcLen = dstLen ? addressLength(buf, dstAt + dstLen, end) : 0;
  if (!dstLen || !srcLen) return skip('hdlc.format', 'invalid HDLC address field');
  const ctrlAt = dstAt + dstLen + srcLen;
  const fcsAt = end - 2;
  if (ctrlAt >= fcsAt) return skip('hdlc.format', 'HDLC frame too short for its addresses');
  if (crc16x25(buf, offset + 1, fcsAt) !== (buf[fcsAt]! | (buf[fcsAt + 1]! << 8))) {
    return skip('hdlc.fcs', 'HDLC frame check sequence (FCS) mismatch');
  }
  let infoAt = ctrlAt + 1;
  if (infoAt < fcsAt) {
    if (infoAt + 2 > fcsAt || crc16x25(buf, offset + 1, infoAt) !== (buf[infoAt]! | (buf[infoAt + 1]! << 8))) {
      return skip('hdlc.hcs', 'HDLC header check sequence (HCS) mismatch');
    }
    infoAt += 2;
  }
  const bytes = buf.slice(offset, end + 1);
  const rel = infoAt - offset;
  const llc = bytes[rel] === 0xe6 && (bytes[rel + 1] === 0xe7 || bytes[rel + 1] === 0xe6) && bytes[rel + 2] === 0x00;
  const frame: LinkFrame = {
    kind: 'hdlc',
    bytes,
    payload: bytes.subarray(llc ? rel + 3 : rel, fcsAt - offset),
    segment: { final: (f0 & 0x08) === 0, index: 0 },
    meta: {
      control: buf[ctrlAt]!,
      destination: addressValue(buf, dstAt, dstLen),
      source: addressValue(buf, dstAt + dstLen, srcLen),
      addressBytes: dstLen + srcLen,
      length: len,
      llc,
    },
  };
  return { kind: 'frame', frame, end: end + 1 };
}

function addressValue(buf: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + buf[at + i]!;
  return v;
}

export interface HdlcEncodeOptions {
  /** Largest information field per frame (default 128, the IEC default window). */
  maxInfo?: number;
  /** Destination / source address bytes (LSB 1 ends an address); default as the L+G E450 push: CE FF, 03. */
  destination?: number[];
  source?: number[];
}

/**
 * APDU → HDLC UI frames (control 0x13, `7E A0 LL CE FF 03 13 HCS …`) with the LLC `E6 E7 00` in front of the first segment, segmented with the
 * S bit when the APDU does not fit one frame.
 */
export function encodeHdlcFrames(apdu: Uint8Array, opts: HdlcEncodeOptions = {}): Uint8Array[] {
  const info = new Uint8Array(apdu.length + 3);
  info.set([0xe6, 0xe7, 0x00]);
  info.set(apdu, 3);
  const max = opts.maxInfo ?? 128;
  const dst = opts.destination ?? [0xce, 0xff];
  const src = opts.source ?? [0x03];
  const frames: Uint8Array[] = [];
  for (let at = 0; at < info.length || frames.length === 0; at += max) {
    const part = info.subarray(at, Math.min(info.length, at + max));
    const more = at + max < info.length;
    const len = 2 + dst.length + src.length + 1 + 2 + part.length + 2;
    const f = new Uint8Array(len + 2);
    f[0] = FLAG;
    f[1] = 0xa0 | (more ? 0x08 : 0) | ((len >> 8) & 0x07);
    f[2] = len & 0xff;
    f.set(dst, 3);
    f.set(src, 3 + dst.length);
    let i = 3 + dst.length + src.length;
    f[i++] = 0x13;
    const hcs = crc16x25(f, 1, i);
    f[i++] = hcs & 0xff;
    f[i++] = hcs >> 8;
    f.set(part, i);
    i += part.length;
    const fcs = crc16x25(f, 1, i);
    f[i++] = fcs & 0xff;
    f[i++] = fcs >> 8;
    f[i] = FLAG;
    frames.push(f);
  }
  return frames;
}
