/**
 * Incremental frame scanner: accepts chunks of any size and boundary and returns verified link frames or
 * `skipped` events (garbage, bad checksums) — never throws, always makes progress, bounded memory.
 *
 * Start bytes: 0x68 M-Bus long frame, 0x7E HDLC, 0xDB bare general-glo-ciphering APDU, 0x0F bare plaintext
 * data-notification (only with an injected `measureApdu`). A frame start whose length claims more bytes than have
 * arrived waits ("need more") — unless a complete, checksum-verified link frame is found further on, which proves
 * the first start was garbage (a stray 0x68 in line noise must not hold back the next real telegram).
 *
 * After a frame fails its checksum only its start byte is skipped, so a real frame hidden behind a false start is
 * still found; but no bare APDU is taken from the bytes the failed frame claimed: the `DB 08 …` inside a frame with
 * a transmission error is exactly what a checksum exists to keep out (without a GCM tag, a flipped ciphertext bit
 * would decrypt into a wrong reading).
 *
 * Integrity first, decided once per stream: bare APDUs (`DB`, `0F`, `E0`: nothing checksums them) are taken only
 * while the stream has shown no link layer. The first verified HDLC/M-Bus frame or DSMR text telegram — or a
 * frame that proved its header and then failed (HDLC FCS after a good HCS, an HDLC header with a good HCS but no
 * opening flag, an M-Bus `68 L L 68` with a bad checksum) — makes it a link stream for good (`linkLayer`), and no
 * bare APDU is ever read from it again; an APDU right behind an HDLC LLC `E6 E7 00` is the body of a frame whose
 * header was not verified and is reported (`hdlc.unverified`), not read.
 *
 * HDLC details: the FCS decides; a closing flag may be missing (Wiener Netze: a signature trailer follows) or be
 * shared with the next frame (`7E … FCS 7E A0 …`: the flag after a frame opens the next one, also across chunks).
 * With `trailer`, the 96 bytes after an HDLC frame that start with the SHA-256 of the frame are its signature
 * trailer: attached to the frame (`frame.trailer`), or skipped as `framing.trailer` when the frame had already
 * been delivered (`await` holds a frame until its trailer has arrived: needed to verify signatures).
 *
 * Usage: `const s = new FrameScanner({ measureApdu }); for (const e of s.push(chunk)) …` — every byte pushed ends
 * up in exactly one event (`frame.bytes` + `frame.trailer` or `skipped.count`), or stays `buffered` until more
 * arrives or `flush()`.
 */
import { scanMbusFrame } from './mbus.js';
import { scanHdlcFrame } from './hdlc.js';
import { scanBlockTransferApdu, scanGloCipherApdu, scanPlainApdu, type MeasureApdu } from './raw-apdu.js';
import { scanDsmrText } from './dsmr-text.js';
import type { FrameScan, LinkFrame, ScanEvent } from './types.js';

export type FrameKind = 'mbus' | 'hdlc' | 'raw' | 'dsmr';

/** What the stream turned out to carry: a link layer, bare APDUs (`none`), or not known yet. */
export type LinkLayer = 'unknown' | 'none' | 'mbus' | 'hdlc' | 'dsmr';

/** Signature trailer after HDLC frames (Wiener Netze: SHA-256 of the frame ‖ ECDSA P-256 r‖s = 96 bytes). */
export interface TrailerOptions {
  /** Trailer length in bytes (96). */
  length: number;
  /** The digest the trailer starts with, of the frame bytes as received (SHA-256, injected: no crypto here). */
  digest: (frame: Uint8Array) => Uint8Array;
  /** Hold each HDLC frame until its trailer (or a byte that is no trailer) has arrived. */
  await?: boolean;
}

/** Skip codes that are no error: bytes between frames, a signature trailer not needed. */
export const BENIGN_SKIPS: ReadonlySet<string> = new Set(['framing.garbage', 'framing.trailer']);

/** Failures after which the bytes were surely a link frame (its header verified or its structure was complete). */
const LINK_EVIDENCE: Record<string, LinkLayer> = {
  'hdlc.fcs': 'hdlc',
  'hdlc.length': 'hdlc',
  'hdlc.flag': 'hdlc',
  'hdlc.unverified': 'hdlc',
  'mbus.checksum': 'mbus',
  'mbus.unverified': 'mbus',
  'mbus.stop-byte': 'mbus',
  'dsmr.crc': 'dsmr',
};

const FLAG = 0x7e;
/** Bytes remembered before the buffer: the LLC `E6 E7 00` and a byte standing in for a missing flag. */
const LOOK_BEHIND = 3;
const isFormatByte = (b: number | undefined): boolean => b !== undefined && (b & 0xf0) === 0xa0;

export interface ScannerOptions {
  /** Link layers to look for (default all three). */
  kinds?: FrameKind[];
  /** Measures plaintext `0F` APDUs; without it bare plaintext is not recognised in a stream. */
  measureApdu?: MeasureApdu;
  /** Bytes kept while waiting for a frame to complete (default 4096). */
  maxBuffer?: number;
  /** Recognise signature trailers after HDLC frames. */
  trailer?: TrailerOptions;
}

/** Where the last link frame ended, for a shared closing flag and a trailer that arrives after its frame. */
interface AfterFrame {
  /** Stream offset just after the frame. */
  at: number;
  /** The frame's closing flag was consumed (it may be the next frame's opening flag). */
  flagConsumed: boolean;
  /** The frame's bytes (a copy) when its trailer may still come; digest computed on demand. */
  bytes?: Uint8Array;
  digest?: Uint8Array;
}

type Scan = FrameScan;

export class FrameScanner {
  private store = new Uint8Array(0);
  /** An empty view, reused (the buffer is empty after most pushes of whole frames). */
  private readonly empty = new Uint8Array(0);
  /** Unconsumed bytes: a view of `store`. */
  private buf: Uint8Array = this.store.subarray(0, 0);
  /** Stream offset of buf[0]. */
  private base = 0;
  private readonly kinds: Set<FrameKind>;
  private readonly maxBuffer: number;
  /** Stream offset up to which bare APDUs are not accepted (bytes claimed by a frame that failed its check). */
  private suspectUntil = 0;
  private link: LinkLayer = 'unknown';
  private after: AfterFrame | undefined;
  /** Set while `flush()` scans: nothing more will arrive. */
  private atEnd = false;
  /** The last bytes consumed before buf[0] (newest last), so look-behind checks do not depend on chunking. */
  private tail: number[] = [];

  constructor(private readonly opts: ScannerOptions = {}) {
    this.kinds = new Set(opts.kinds ?? ['mbus', 'hdlc', 'raw', 'dsmr']);
    this.maxBuffer = opts.maxBuffer ?? 4096;
  }

  /** Bytes waiting for the rest of a frame. */
  get buffered(): number {
    return this.buf.length;
  }

  /** The stream's link layer as decided so far (`none`: bare APDUs; a link layer: bare APDUs refused). */
  get linkLayer(): LinkLayer {
    return this.link;
  }

  private remember(consumed: number): void {
    // A plain loop: this runs once per push (spreads and slices of the tail were a visible share of a telegram).
    const from = Math.max(0, consumed - LOOK_BEHIND);
    const tail = this.tail;
    for (let i = from; i < consumed; i++) {
      if (tail.length === LOOK_BEHIND) tail.shift();
      tail.push(this.buf[i]!);
    }
  }

  /** The byte at buffer index `i`, also for a few indices before the buffer (-1 = the last consumed byte). */
  private byteAt(i: number): number | undefined {
    return i >= 0 ? this.buf[i] : this.tail[this.tail.length + i];
  }

  private decide(layer: LinkLayer): void {
    if (this.link === 'unknown' || (this.link === 'none' && layer !== 'none')) this.link = layer;
  }

  private bareAllowed(): boolean {
    return this.link === 'unknown' || this.link === 'none';
  }

  /**
   * Appends a chunk and returns every frame / skipped run it completes. When nothing is buffered (whole frames per
   * chunk: TCP bridges, capture files), the chunk is scanned in place and its frames are views of it — the caller
   * must not modify a chunk after pushing it (Node's stream buffers are never reused). Frames found in the
   * internal buffer are copied, since that buffer is reused.
   */
  push(chunk: Uint8Array): ScanEvent[] {
    if (chunk.length === 0) return [];
    const inPlace = this.buf.length === 0;
    if (inPlace) this.buf = chunk;
    else this.append(chunk);
    const events: ScanEvent[] = [];
    const consumed = this.scan(events);
    this.remember(consumed);
    this.base += consumed;
    if (inPlace) {
      this.buf = this.empty;
      if (consumed < chunk.length) this.append(chunk.subarray(consumed));
    } else {
      this.buf = this.buf.subarray(consumed);
      for (const ev of events) if (ev.type === 'frame') ev.frame = detach(ev.frame);
    }
    return events;
  }

  /**
   * Appends to the buffer without copying it on every push: `buf` is a view of `store`, which grows by doubling
   * and is compacted when the view reaches its end (serial ports deliver a few bytes at a time).
   */
  private append(chunk: Uint8Array): void {
    const used = this.buf.length;
    const start = this.buf.byteOffset - this.store.byteOffset;
    if (start + used + chunk.length > this.store.length) {
      const next =
        used + chunk.length > this.store.length / 2
          ? new Uint8Array(Math.max(256, 2 * (used + chunk.length)))
          : this.store;
      next.set(this.buf, 0); // TypedArray#set copies correctly when source and target overlap
      this.store = next;
      this.buf = next.subarray(0, used);
    }
    const at = this.buf.byteOffset - this.store.byteOffset;
    this.store.set(chunk, at + used);
    this.buf = this.store.subarray(at, at + used + chunk.length);
  }

  /**
   * End of stream: frames that were waiting only for the byte after them (an HDLC frame whose closing flag never
   * came) are delivered; whatever else is buffered is reported as skipped.
   */
  flush(): ScanEvent[] {
    if (this.buf.length === 0) return [];
    this.atEnd = true;
    const events: ScanEvent[] = [];
    const consumed = this.scan(events);
    this.remember(consumed);
    this.atEnd = false;
    this.base += consumed;
    this.buf = this.buf.subarray(consumed);
    for (const ev of events) if (ev.type === 'frame') ev.frame = detach(ev.frame);
    if (this.buf.length === 0) return events;
    const ev: ScanEvent = {
      type: 'skipped',
      count: this.buf.length,
      code: 'framing.truncated',
      reason: 'incomplete frame at the end of the input',
      offset: this.base,
    };
    this.base += this.buf.length;
    this.buf = this.store.subarray(0, 0);
    return [...events, ev];
  }

  private isStart(i: number): boolean {
    return this.afterFrameStart(i) || this.ordinaryStart(i);
  }

  /** Right after an HDLC frame: a late signature trailer, or a frame opened by the shared closing flag. */
  private afterFrameStart(i: number): boolean {
    const b = this.buf[i]!;
    if (this.after?.at !== this.base + i || !this.kinds.has('hdlc')) return false;
    if (b !== FLAG && this.after.bytes && this.opts.trailer) return true;
    return this.after.flagConsumed && isFormatByte(b);
  }

  private ordinaryStart(i: number): boolean {
    const b = this.buf[i]!;
    const at = this.base + i;
    if (b === 0x68) return this.kinds.has('mbus');
    if (b === FLAG) return this.kinds.has('hdlc');
    if (b === 0x2f) return this.kinds.has('dsmr');
    if (b === 0xdb || b === 0x0f || b === 0xe0) {
      if (!this.kinds.has('raw') || !this.bareAllowed() || at < this.suspectUntil) return false;
      return b !== 0x0f || this.opts.measureApdu !== undefined;
    }
    // An HDLC header whose opening flag is missing: reported, so its body is never read as a bare APDU.
    // (After a 7E that start was tried already.)
    const before = this.byteAt(i - 1);
    return (
      isFormatByte(b) &&
      before !== undefined &&
      before !== FLAG &&
      this.link !== 'none' &&
      this.kinds.has('hdlc')
    );
  }

  private scanAt(i: number): Scan {
    const b = this.buf[i]!;
    if (this.afterFrameStart(i)) {
      const r = this.scanAfterFrame(i);
      if (r) return r;
      if (!this.ordinaryStart(i))
        return { kind: 'skipped', count: 1, code: 'framing.garbage', reason: 'bytes outside any frame' };
    }
    if (b === 0x68) return scanMbusFrame(this.buf, i);
    if (b === FLAG) return this.withTrailer(scanHdlcFrame(this.buf, i, this.atEnd), 0);
    if (b === 0x2f) return scanDsmrText(this.buf, i);
    if (b === 0xdb || b === 0x0f || b === 0xe0) return this.scanBare(i);
    return this.scanFlagless(i);
  }

  /** A bare APDU, unless it sits right behind an HDLC LLC header (the body of a frame that did not verify). */
  private scanBare(i: number): Scan {
    const b = this.buf[i]!;
    const r =
      b === 0xdb
        ? scanGloCipherApdu(this.buf, i)
        : b === 0xe0
          ? scanBlockTransferApdu(this.buf, i)
          : scanPlainApdu(this.buf, i, this.opts.measureApdu!);
    // Only the stream's first unit is looked behind: once bare APDUs are established, their neighbours are
    // other APDUs' bytes.
    if (r.kind !== 'frame' || this.link !== 'unknown') return r;
    const llc =
      this.kinds.has('hdlc') &&
      this.byteAt(i - 3) === 0xe6 &&
      (this.byteAt(i - 2) === 0xe7 || this.byteAt(i - 2) === 0xe6) &&
      this.byteAt(i - 1) === 0x00;
    // M-Bus: … CI STSAP 01 DTSAP 67 right before the APDU (68 L L 68 53 FF 00 01 67 DB 08 …).
    const mbus = this.kinds.has('mbus') && this.byteAt(i - 2) === 0x01 && this.byteAt(i - 1) === 0x67;
    if (!llc && !mbus) return r;
    const layer = llc ? 'HDLC' : 'M-Bus';
    return {
      kind: 'skipped',
      count: r.end - i,
      code: llc ? 'hdlc.unverified' : 'mbus.unverified',
      reason: `APDU inside an ${layer} frame whose header did not verify (${llc ? 'opening flag missing, or ' : ''}the capture starts mid-frame): not decoded`,
    };
  }

  /** An HDLC header without its opening flag (`… A0 9B 01 02 01 10 HCS …` after a byte that is no 7E). */
  private scanFlagless(i: number): Scan {
    // The byte before stands in for the flag (the HCS starts after it); at the buffer's start, a copy.
    const src = i >= 1 ? this.buf : Uint8Array.of(0, ...this.buf.subarray(i, i + 0x800));
    const at = i >= 1 ? i - 1 : 0;
    const shift = i - 1 - at;
    const scanned = scanHdlcFrame(src, at, this.atEnd);
    const r: Scan =
      scanned.kind === 'need-more' && src !== this.buf && src.length - 1 < this.buf.length - i
        ? { kind: 'skipped', count: 1, code: 'framing.garbage', reason: 'bytes outside any frame' }
        : scanned;
    if (r.kind === 'need-more') return r;
    if (r.kind === 'skipped' && (r.code === 'hdlc.hcs' || r.code === 'hdlc.format'))
      return { kind: 'skipped', count: 1, code: 'framing.garbage', reason: 'bytes outside any frame' };
    const end = (r.kind === 'frame' ? r.end : (r.claimedEnd ?? at + 2)) + shift;
    return {
      kind: 'skipped',
      count: 1,
      code: 'hdlc.flag',
      reason: 'HDLC frame without its opening 7E flag: dropped, not decoded',
      claimedEnd: end,
    };
  }

  /** Right after a frame: its signature trailer arriving late, or the next frame opened by the shared flag. */
  private scanAfterFrame(i: number): Scan | undefined {
    const after = this.after!;
    const b = this.buf[i]!;
    const t = this.opts.trailer;
    if (b !== FLAG && after.bytes && t) {
      after.digest ??= t.digest(after.bytes);
      const avail = Math.min(this.buf.length - i, after.digest.length);
      if (avail > 0 && sameBytes(this.buf, i, after.digest, avail)) {
        if (this.buf.length - i < t.length) return { kind: 'need-more' };
        return {
          kind: 'skipped',
          count: t.length,
          code: 'framing.trailer',
          reason: 'signature trailer (SHA-256 ‖ ECDSA) of the frame before, not verified (no signature key)',
        };
      }
    }
    if (!after.flagConsumed || !isFormatByte(b)) return undefined;
    // Scan a copy with the shared flag in front; offsets map back by one.
    const copy = new Uint8Array(Math.min(this.buf.length - i, 0x800 + 96) + 1);
    copy[0] = FLAG;
    copy.set(this.buf.subarray(i, i + copy.length - 1), 1);
    const r = this.withTrailer(scanHdlcFrame(copy, 0, this.atEnd), i - 1);
    if (r.kind === 'need-more') return copy.length - 1 < this.buf.length - i ? undefined : r;
    if (r.kind === 'frame') {
      // The flag was delivered with the frame before: this frame's bytes start after it (`meta.sharedFlag`).
      const f = r.frame;
      const bytes = this.buf.subarray(i, i + f.bytes.length - 1);
      const at = f.payload.byteOffset - f.bytes.byteOffset - 1;
      const frame = { ...f, bytes, payload: bytes.subarray(at, at + f.payload.length) };
      frame.meta = { ...f.meta, sharedFlag: true };
      if (f.trailer) frame.trailer = f.trailer;
      return { ...r, frame, end: r.end - 1 + i };
    }
    if (r.code === 'hdlc.hcs' || r.code === 'hdlc.format') return undefined; // not a frame after all
    return { ...r, claimedEnd: r.claimedEnd === undefined ? undefined : r.claimedEnd - 1 + i };
  }

  /**
   * Attaches the signature trailer that follows an HDLC frame (its first bytes are the frame's digest). `shift`
   * maps indices of the scanned buffer (a copy with a shared flag in front) to `buf`.
   */
  private withTrailer(r: Scan, shift: number): Scan {
    const t = this.opts.trailer;
    if (!t || r.kind !== 'frame') return r;
    const e = r.end + shift; // index in buf
    const avail = this.buf.length - e;
    if (avail === 0) return t.await && !this.atEnd ? { kind: 'need-more' } : r;
    if (!t.await && this.buf[e] === FLAG) return r; // the next frame: no trailer here
    // Awaited (a key is configured): whatever follows, unless it is the next frame's flag, is the trailer — a
    // damaged one must fail verification, not pass as "no trailer".
    const matches = () => {
      const digest = t.digest(r.frame.bytes);
      return sameBytes(this.buf, e, digest, Math.min(avail, digest.length));
    };
    if ((!t.await || this.buf[e] === FLAG) && !matches()) return r;
    if (avail < t.length) return this.atEnd ? r : { kind: 'need-more' };
    return {
      ...r,
      frame: { ...r.frame, trailer: this.buf.subarray(e, e + t.length) },
      end: r.end + t.length,
    };
  }

  private nextStart(from: number): number {
    for (let i = from; i < this.buf.length; i++) if (this.isStart(i)) return i;
    return this.buf.length;
  }

  /** Scans the buffer, appending events; returns the number of bytes consumed. */
  private scan(events: ScanEvent[]): number {
    let i = 0;
    let garbageFrom = -1;
    const garbage = (upTo: number, code = 'framing.garbage', reason = 'bytes outside any frame') => {
      if (garbageFrom >= 0 && upTo > garbageFrom) {
        events.push({
          type: 'skipped',
          count: upTo - garbageFrom,
          code,
          reason,
          offset: this.base + garbageFrom,
        });
      }
      garbageFrom = -1;
    };
    while (i < this.buf.length) {
      const start = this.nextStart(i);
      if (start > i) {
        if (garbageFrom < 0) garbageFrom = i;
        i = start;
        continue;
      }
      const r = this.scanAt(i);
      if (r.kind === 'frame') {
        garbage(i);
        events.push({ type: 'frame', frame: r.frame, offset: this.base + i });
        this.decide(r.frame.kind === 'raw' ? 'none' : r.frame.kind);
        this.noteFrameEnd(r.frame, r.end);
        i = r.end;
      } else if (r.kind === 'skipped') {
        if (r.code === 'framing.garbage' || r.code === 'mbus.header' || r.code === 'hdlc.format') {
          if (garbageFrom < 0) garbageFrom = i; // a start byte that is no frame at all: plain garbage
        } else {
          garbage(i);
          events.push({
            type: 'skipped',
            count: r.count,
            code: r.code,
            reason: r.reason,
            offset: this.base + i,
          });
        }
        const evidence = LINK_EVIDENCE[r.code];
        if (evidence) this.decide(evidence);
        // A stream of bare APDUs keeps them: a stray 7E with a bad HCS there is noise, not a frame's claim.
        const claims = r.code !== 'hdlc.hcs' || this.link !== 'none';
        if (claims && r.claimedEnd !== undefined) {
          this.suspectUntil = Math.max(this.suspectUntil, this.base + r.claimedEnd);
        }
        i += r.count;
      } else {
        const later = this.findCompleteFrameAfter(i);
        if (later < 0) {
          if (this.buf.length - i <= this.maxBuffer) break;
          if (garbageFrom < 0) garbageFrom = i; // a claimed frame longer than we are willing to wait for
          i += 1;
          continue;
        }
        if (garbageFrom < 0) garbageFrom = i;
        garbage(later, 'framing.garbage', 'incomplete frame start followed by a complete frame');
        i = later;
      }
    }
    if (garbageFrom >= 0) {
      garbage(i);
    }
    return i;
  }

  /** Remembers where a frame ended: its closing flag may open the next frame, its trailer may still come. */
  private noteFrameEnd(frame: LinkFrame, end: number): void {
    if (frame.kind !== 'hdlc') {
      this.after = undefined;
      return;
    }
    const late = this.opts.trailer !== undefined && !frame.trailer && end === this.buf.length;
    this.after = {
      at: this.base + end,
      flagConsumed: frame.meta.closingFlag === true && !frame.trailer,
      bytes: late ? frame.bytes.slice() : undefined,
    };
  }

  /**
   * Index of the first later start that is a complete, checksum-verified link frame (M-Bus or HDLC), or -1.
   * Bare APDUs do not count: the `DB 08 …` inside a frame that is still arriving is complete before its frame.
   */
  private findCompleteFrameAfter(from: number): number {
    for (let j = this.nextStart(from + 1); j < this.buf.length; j = this.nextStart(j + 1)) {
      const b = this.buf[j];
      if ((b === 0x68 || b === 0x7e) && this.scanAt(j).kind === 'frame') return j;
    }
    return -1;
  }
}

/** A copy of a frame that no longer shares memory with the scanner's reused buffer. */
function detach(frame: LinkFrame): LinkFrame {
  const bytes = frame.bytes.slice();
  const at = frame.payload.byteOffset - frame.bytes.byteOffset;
  const out = { ...frame, bytes, payload: bytes.subarray(at, at + frame.payload.length) };
  if (frame.trailer) out.trailer = frame.trailer.slice();
  return out;
}

function sameBytes(buf: Uint8Array, at: number, want: Uint8Array, n: number): boolean {
  for (let k = 0; k < n; k++) if (buf[at + k] !== want[k]) return false;
  return true;
}
