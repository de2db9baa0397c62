/**
 * M-Bus long frames (EN 13757-2), the wired customer interface of the Kaifa MA309:
 *
 *   68 L L 68 | C A CI STSAP DTSAP <APDU segment> | CS 16
 *   e.g. 68 FA FA 68 53 FF 00 01 67 DB 08 4B 46 4D … CS 16
 *
 * L counts C … last data byte; CS is their byte sum mod 256. CI bit 4 (0x10) = FIN (last segment), bits 0–3 the
 * segment number: 0x00 first of several, 0x11 second and last, 0x10 a single unsegmented frame.
 * Sagemcom T210-D quirk (Netz NÖ firmware): a first frame labelled `68 01 01 68` carries 257 bytes — L holds only
 * the low byte; checksum and stop byte sit where L + 256 puts them (flagged `meta.lengthQuirk`). The L + 256 reading
 * is tried only for L < 5, lengths that cannot hold C A CI STSAP DTSAP anyway: for any other L a bad checksum is
 * reported at once instead of waiting for 256 more bytes (Kaifa second frames are as short as L = 0x0D).
 *
 * Worked example (evn_netznoe-pdf_1, second frame): 68 14 14 68 | 53 FF 11 01 67 41 9A … | D9 83 16 → L = 0x14 = 20
 * bytes C … data, CI 0x11 = FIN + segment 1, payload = the 15 bytes after DTSAP 0x67.
 */
import type { FrameScan, LinkFrame } from './types.js';

export type MbusScan = FrameScan;

const START = 0x68;
const STOP = 0x16;
const HEADER = 4; // 68 L L 68
/** Bytes of link header inside L before the APDU segment: C A CI STSAP DTSAP. */
const LINK_FIELDS = 5;

/**
 * Byte sum mod 256 of buf[start, end), four bytes per step: each 32-bit word is split into two pairs of 16-bit
 * lanes (bytes 0 and 2, bytes 1 and 3) that are summed side by side, flushed every 256 words before a lane could
 * carry into the next (256 × 255 < 65536). About half the time of a byte loop, with or without the JIT.
 */
export function checksum(buf: Uint8Array, start: number, end: number): number {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let s = 0;
  let i = start;
  while (end - i >= 4) {
    const stop = Math.min(end - 3, i + 1024);
    let even = 0;
    let odd = 0;
    for (; i < stop; i += 4) {
      const w = dv.getUint32(i);
      even += w & 0x00ff00ff;
      odd += (w >>> 8) & 0x00ff00ff;
    }
    s += (even & 0xffff) + (even >>> 16) + (odd & 0xffff) + (odd >>> 16);
  }
  for (; i < end; i++) s += buf[i]!;
  return s & 0xff;
}

/** Whether a complete frame with data length `len` sits at `offset` with a valid checksum and stop byte. */
function verify(buf: Uint8Array, offset: number, len: number): 'ok' | 'need-more' | 'checksum' | 'stop' {
  const csAt = offset + HEADER + len;
  if (buf.length < csAt + 2) return 'need-more';
  if (buf[csAt + 1] !== STOP) return 'stop';
  if (checksum(buf, offset + HEADER, csAt) !== buf[csAt]) return 'checksum';
  return 'ok';
}

function toFrame(buf: Uint8Array, offset: number, len: number, quirk: boolean): LinkFrame {
  const bytes = buf.subarray(offset, offset + HEADER + len + 2);
  const ci = bytes[6]!;
  const frame: LinkFrame = {
    kind: 'mbus',
    bytes,
    payload: bytes.subarray(HEADER + LINK_FIELDS, HEADER + len),
    segment: { final: (ci & 0x10) !== 0, index: ci & 0x0f },
    meta: { c: bytes[4]!, a: bytes[5]!, ci, stsap: bytes[7]!, dtsap: bytes[8]! },
  };
  if (quirk) frame.meta.lengthQuirk = true;
  return frame;
}

/** Looks for an M-Bus long frame starting at `offset` (buf[offset] must be 0x68). Never throws. */
export function scanMbusFrame(buf: Uint8Array, offset: number): MbusScan {
  if (buf.length < offset + HEADER) return { kind: 'need-more' };
  const l1 = buf[offset + 1]!;
  if (l1 !== buf[offset + 2] || buf[offset + 3] !== START) {
    return {
      kind: 'skipped',
      count: 1,
      code: 'mbus.header',
      reason: 'no M-Bus long-frame header (68 L L 68)',
    };
  }
  if (l1 < LINK_FIELDS) return scanQuirk(buf, offset, l1);
  const result = verify(buf, offset, l1);
  if (result === 'ok')
    return { kind: 'frame', frame: toFrame(buf, offset, l1, false), end: offset + HEADER + l1 + 2 };
  if (result === 'need-more') return { kind: 'need-more' };
  const claimedEnd = offset + HEADER + l1 + 2;
  return result === 'stop'
    ? {
        kind: 'skipped',
        count: 1,
        code: 'mbus.stop-byte',
        reason: 'M-Bus frame without stop byte 0x16 where L puts it',
        claimedEnd,
      }
    : {
        kind: 'skipped',
        count: 1,
        code: 'mbus.checksum',
        reason: 'M-Bus checksum mismatch (a transmission error)',
        claimedEnd,
      };
}

/** T210-D: L < 5 cannot be a DLMS frame; read it as L + 256 (checksum and stop byte where that puts them). */
function scanQuirk(buf: Uint8Array, offset: number, l1: number): MbusScan {
  const len = l1 + 256;
  const result = verify(buf, offset, len);
  if (result === 'ok')
    return { kind: 'frame', frame: toFrame(buf, offset, len, true), end: offset + HEADER + len + 2 };
  if (result === 'need-more') return { kind: 'need-more' };
  return {
    kind: 'skipped',
    count: 1,
    code: 'mbus.length',
    reason: `M-Bus L field ${l1} is too short for a DLMS frame and L + 256 does not verify either`,
  };
}

export interface MbusEncodeOptions {
  /** Largest APDU segment per frame (1 … 250); default 245 so the first frame is `68 FA FA 68` like the Kaifa MA309. */
  maxSegment?: number;
  /** C field, default 0x53 (SND_UD). */
  c?: number;
  /** A field, default 0xFF (broadcast). */
  a?: number;
  /**
   * Write only the low byte of L, as the Sagemcom T210-D firmware does; allows `maxSegment` 251 … 255 so that a
   * first frame of 257 bytes is labelled `68 01 01 68` (tests and the simulator).
   */
  lowByteLength?: boolean;
}

/** Most segments: the CI segment number has 4 bits. */
const MAX_SEGMENTS = 16;

/**
 * APDU → M-Bus long frames as a Kaifa meter sends them (C 0x53, A 0xFF, STSAP 0x01, DTSAP 0x67).
 * Throws RangeError for options outside the frame format (a programming error, not an input error).
 */
export function encodeMbusFrames(apdu: Uint8Array, opts: MbusEncodeOptions = {}): Uint8Array[] {
  const max = opts.maxSegment ?? 0xfa - LINK_FIELDS;
  const limit = opts.lowByteLength ? 255 : 0xff - LINK_FIELDS;
  if (!Number.isInteger(max) || max < 1 || max > limit) {
    throw new RangeError(`maxSegment must be 1 … ${limit}, got ${max}`);
  }
  const count = Math.max(1, Math.ceil(apdu.length / max));
  if (count > MAX_SEGMENTS) {
    throw new RangeError(
      `an APDU of ${apdu.length} bytes needs ${count} frames; M-Bus numbers at most ${MAX_SEGMENTS}`,
    );
  }
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const seg = apdu.subarray(i * max, Math.min(apdu.length, (i + 1) * max));
    const final = i === count - 1;
    const ci = (final ? 0x10 : 0) | (i & 0x0f);
    const len = LINK_FIELDS + seg.length;
    const f = new Uint8Array(HEADER + len + 2);
    f.set([START, len & 0xff, len & 0xff, START, opts.c ?? 0x53, opts.a ?? 0xff, ci, 0x01, 0x67]);
    f.set(seg, HEADER + LINK_FIELDS);
    f[HEADER + len] = checksum(f, HEADER, HEADER + len);
    f[HEADER + len + 1] = STOP;
    frames.push(f);
  }
  return frames;
}
