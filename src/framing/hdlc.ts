/**
 * HDLC frames of IEC 62056-46 (the optical/P1/HAN port of many DLMS meters):
 *
 *   7E | A0 LL | dst (1/2/4 bytes) | src (1/2/4) | ctrl | HCS HCS | [E6 E7 00] info … | FCS FCS | 7E
 *
 * Format field: high nibble 0xA (type 3), bit 0x08 of its first byte = S (segmented: more frames follow), length =
 * low 11 bits, counting format … FCS (without the flags): `A1 E9` = 489. Each address byte's LSB = 1 marks the last
 * byte of that address. HCS covers format … control, FCS covers format … last info byte; both CRC-16/X.25 sent
 * low byte first. A frame without information field has no HCS (the FCS follows the control byte).
 * The LLC header `E6 E7 00` (command) or `E6 E6 00` (response) in front of the first segment's info is stripped
 * (`meta.llc`).
 *
 * Worked example (burgenland_amsreader-gh501_1): 7E A0 76 CE FF 03 13 3C 02 E6 E7 00 DB 08 4C 47 5A … 6B 98 7E →
 * length 0x076 = 118 (+ 2 flags = 120 bytes), S clear (final), destination CE FF (2 bytes), source 03, control 0x13
 * (UI), HCS 0x023C, LLC E6 E7 00, payload `DB 08 …` up to the FCS 0x986B.
 *
 * The HCS is checked as soon as the header has arrived, so a stray 0x7E in line noise is rejected after ~10 bytes
 * instead of after the up to 2 KiB its length field may claim. The FCS decides a frame: its closing flag may be
 * missing (Wiener Netze sends a signature trailer after some frames) — then the frame ends after its FCS
 * (`meta.closingFlag` false); a bad FCS with the flag in place is `hdlc.fcs`, without it `hdlc.length`.
 */
import { crc16x25 } from './crc16.js';
import type { FrameScan, LinkFrame } from './types.js';

export type HdlcScan = FrameScan;

const FLAG = 0x7e;
/** Format (2) + shortest addresses (1 + 1) + control (1) + FCS (2). */
const MIN_LENGTH = 7;

/** Length of an HDLC address starting at `i` (1, 2 or 4 bytes), 0 when invalid, -1 when more bytes are needed. */
function addressLength(buf: Uint8Array, i: number): number {
  for (let n = 0; n < 4; n++) {
    if (i + n >= buf.length) return -1;
    if (buf[i + n]! & 1) return n === 2 ? 0 : n + 1; // 3-byte addresses do not exist
  }
  return 0;
}

const skip = (code: string, reason: string, claimedEnd?: number): HdlcScan => ({
  kind: 'skipped',
  count: 1,
  code,
  reason,
  ...(claimedEnd === undefined ? {} : { claimedEnd }),
});

const crcAt = (buf: Uint8Array, at: number): number => buf[at]! | (buf[at + 1]! << 8);

interface Header {
  len: number;
  /** Index of the closing flag. */
  end: number;
  dstLen: number;
  srcLen: number;
  ctrlAt: number;
}

/** Parses flag, format and addresses; a string is a skip reason (code `hdlc.format`). */
function readHeader(buf: Uint8Array, offset: number): Header | 'need-more' | string {
  if (buf.length < offset + 3) return 'need-more';
  const f0 = buf[offset + 1]!;
  if ((f0 & 0xf0) !== 0xa0) return 'no HDLC frame format type 0xA after the 7E flag';
  const len = ((f0 & 0x07) << 8) | buf[offset + 2]!;
  if (len < MIN_LENGTH) return `HDLC length ${len} too short`;
  const dstLen = addressLength(buf, offset + 3);
  if (dstLen < 0) return 'need-more';
  const srcLen = dstLen ? addressLength(buf, offset + 3 + dstLen) : 0;
  if (srcLen < 0) return 'need-more';
  if (!dstLen || !srcLen) return 'invalid HDLC address field (addresses are 1, 2 or 4 bytes)';
  const ctrlAt = offset + 3 + dstLen + srcLen;
  const end = offset + 1 + len;
  if (ctrlAt + 1 > end - 2) return 'HDLC frame too short for its addresses';
  return { len, end, dstLen, srcLen, ctrlAt };
}

/** Looks for an HDLC frame starting at `offset` (buf[offset] must be 0x7E). Never throws. */
export function scanHdlcFrame(buf: Uint8Array, offset: number, atEnd = false): HdlcScan {
  const h = readHeader(buf, offset);
  if (h === 'need-more') return { kind: 'need-more' };
  if (typeof h === 'string') return skip('hdlc.format', h);
  const fcsAt = h.end - 2;
  let infoAt = h.ctrlAt + 1;
  if (infoAt < fcsAt) {
    // An information field follows: HCS first, checked before waiting for the rest of the frame.
    if (infoAt + 2 > fcsAt) return skip('hdlc.format', 'HDLC frame too short for its header check sequence');
    if (buf.length < infoAt + 2) return { kind: 'need-more' };
    if (crc16x25(buf, offset + 1, infoAt) !== crcAt(buf, infoAt)) {
      // The length is unproven, but the bytes it claims must not be read as a bare APDU either.
      return skip(
        'hdlc.hcs',
        'HDLC header check sequence (HCS) mismatch (a transmission error or no frame)',
        h.end + 1,
      );
    }
    infoAt += 2;
  }
  // The FCS decides; the closing flag may be missing (the next byte is a signature trailer or the next frame) or be
  // the opening flag of the next frame (the scanner gives it back for that).
  // The byte after the FCS is awaited (a closing flag belongs to the frame: the signature digest covers it),
  // unless the input has ended.
  if (buf.length < h.end || (buf.length === h.end && !atEnd)) return { kind: 'need-more' };
  if (crc16x25(buf, offset + 1, fcsAt) !== crcAt(buf, fcsAt)) {
    if (buf.length === h.end) return skip('hdlc.fcs', 'HDLC frame check sequence (FCS) mismatch', h.end);
    return buf[h.end] === FLAG
      ? skip('hdlc.fcs', 'HDLC frame check sequence (FCS) mismatch (a transmission error)', h.end + 1)
      : skip(
          'hdlc.length',
          'HDLC frame length wrong: neither a valid FCS nor the closing 7E flag where the length puts them',
          h.end + 1,
        );
  }
  const closed = buf[h.end] === FLAG;
  const frame = toFrame(buf, offset, h, infoAt, closed);
  return { kind: 'frame', frame, end: closed ? h.end + 1 : h.end };
}

function toFrame(buf: Uint8Array, offset: number, h: Header, infoAt: number, closed: boolean): LinkFrame {
  const bytes = buf.subarray(offset, closed ? h.end + 1 : h.end);
  const rel = infoAt - offset;
  const fcsRel = h.end - 2 - offset;
  const llc =
    fcsRel - rel >= 3 &&
    bytes[rel] === 0xe6 &&
    (bytes[rel + 1] === 0xe7 || bytes[rel + 1] === 0xe6) &&
    bytes[rel + 2] === 0x00;
  const dstAt = offset + 3;
  return {
    kind: 'hdlc',
    bytes,
    payload: bytes.subarray(llc ? rel + 3 : rel, fcsRel),
    segment: { final: (bytes[1]! & 0x08) === 0, index: 0 },
    meta: {
      control: buf[h.ctrlAt]!,
      destination: addressValue(buf, dstAt, h.dstLen),
      source: addressValue(buf, dstAt + h.dstLen, h.srcLen),
      destinationBytes: h.dstLen,
      sourceBytes: h.srcLen,
      length: h.len,
      llc,
      closingFlag: closed,
    },
  };
}

/** The address bytes as one number, as printed in meter documentation (`CE FF` → 0xCEFF). */
function addressValue(buf: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + buf[at + i]!;
  return v;
}

export interface HdlcEncodeOptions {
  /** Largest information field per frame (default 128, the IEC default; at most 2030). */
  maxInfo?: number;
  /** Destination / source address bytes (LSB 1 ends an address); default as the L+G E450 push: CE FF, 03. */
  destination?: number[];
  source?: number[];
  /** Control byte, default 0x13 (UI frame, poll/final bit set). */
  control?: number;
  /** Put the LLC `E6 E7 00` in front of the first segment (default true). */
  llc?: boolean;
}

/** Largest information field that fits the 11-bit length with 4-byte addresses. */
const MAX_INFO = 0x7ff - (2 + 4 + 4 + 1 + 2 + 2);

/** One HDLC frame around `info` (no LLC added); `segmented` sets the S bit. */
export function encodeHdlcFrame(
  info: Uint8Array,
  opts: HdlcEncodeOptions = {},
  segmented = false,
): Uint8Array {
  const dst = opts.destination ?? [0xce, 0xff];
  const src = opts.source ?? [0x03];
  for (const a of [dst, src]) {
    if (![1, 2, 4].includes(a.length) || a.some((b, i) => (b & 1) !== (i === a.length - 1 ? 1 : 0))) {
      throw new RangeError('an HDLC address is 1, 2 or 4 bytes with LSB 1 on the last byte only');
    }
  }
  const hasInfo = info.length > 0;
  const len = 2 + dst.length + src.length + 1 + (hasInfo ? 2 + info.length : 0) + 2;
  if (len > 0x7ff) throw new RangeError(`HDLC frame of ${len} bytes exceeds the 11-bit length field`);
  const f = new Uint8Array(len + 2);
  f[0] = FLAG;
  f[1] = 0xa0 | (segmented ? 0x08 : 0) | ((len >> 8) & 0x07);
  f[2] = len & 0xff;
  f.set(dst, 3);
  f.set(src, 3 + dst.length);
  let i = 3 + dst.length + src.length;
  f[i++] = opts.control ?? 0x13;
  if (hasInfo) {
    const hcs = crc16x25(f, 1, i);
    f[i++] = hcs & 0xff;
    f[i++] = hcs >> 8;
    f.set(info, i);
    i += info.length;
  }
  const fcs = crc16x25(f, 1, i);
  f[i++] = fcs & 0xff;
  f[i++] = fcs >> 8;
  f[i] = FLAG;
  return f;
}

/**
 * APDU → HDLC frames (default UI frames `7E A0 LL CE FF 03 13 HCS E6 E7 00 …`), segmented with the S bit when the
 * APDU does not fit one frame (tests and the simulator).
 */
export function encodeHdlcFrames(apdu: Uint8Array, opts: HdlcEncodeOptions = {}): Uint8Array[] {
  const max = opts.maxInfo ?? 128;
  if (!Number.isInteger(max) || max < 1 || max > MAX_INFO)
    throw new RangeError(`maxInfo must be 1 … ${MAX_INFO}`);
  const llc = opts.llc ?? true;
  const info = new Uint8Array(apdu.length + (llc ? 3 : 0));
  if (llc) info.set([0xe6, 0xe7, 0x00]);
  info.set(apdu, llc ? 3 : 0);
  const frames: Uint8Array[] = [];
  for (let at = 0; at < info.length || frames.length === 0; at += max) {
    const part = info.subarray(at, Math.min(info.length, at + max));
    frames.push(encodeHdlcFrame(part, opts, at + max < info.length));
  }
  return frames;
}
