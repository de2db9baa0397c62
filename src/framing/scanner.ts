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
 * Usage: `const s = new FrameScanner({ measureApdu }); for (const e of s.push(chunk)) …` — every byte pushed ends
 * up in exactly one event (`frame.bytes` or `skipped.count`), or stays `buffered` until more arrives or `flush()`.
 */
import { scanMbusFrame } from './mbus.js';
import { scanHdlcFrame } from './hdlc.js';
import { scanGloCipherApdu, scanPlainApdu, type MeasureApdu } from './raw-apdu.js';
import type { FrameScan, LinkFrame, ScanEvent } from './types.js';

export type FrameKind = 'mbus' | 'hdlc' | 'raw';

export interface ScannerOptions {
  /** Link layers to look for (default all three). */
  kinds?: FrameKind[];
  /** Measures plaintext `0F` APDUs; without it bare plaintext is not recognised in a stream. */
  measureApdu?: MeasureApdu;
  /** Bytes kept while waiting for a frame to complete (default 4096). */
  maxBuffer?: number;
}

type Scan = FrameScan;

export class FrameScanner {
  private store = new Uint8Array(0);
  /** Unconsumed bytes: a view of `store`. */
  private buf: Uint8Array = this.store.subarray(0, 0);
  /** Stream offset of buf[0]. */
  private base = 0;
  private readonly kinds: Set<FrameKind>;
  private readonly maxBuffer: number;
  /** Stream offset up to which bare APDUs are not accepted (bytes claimed by a frame that failed its check). */
  private suspectUntil = 0;

  constructor(private readonly opts: ScannerOptions = {}) {
    this.kinds = new Set(opts.kinds ?? ['mbus', 'hdlc', 'raw']);
    this.maxBuffer = opts.maxBuffer ?? 4096;
  }

  /** Bytes waiting for the rest of a frame. */
  get buffered(): number {
    return this.buf.length;
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
    this.base += consumed;
    if (inPlace) {
      this.buf = this.store.subarray(0, 0);
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

  /** Drops whatever is buffered (end of stream), reported as skipped. */
  flush(): ScanEvent[] {
    if (this.buf.length === 0) return [];
    const ev: ScanEvent = {
      type: 'skipped',
      count: this.buf.length,
      code: 'framing.truncated',
      reason: 'incomplete frame at the end of the input',
      offset: this.base,
    };
    this.base += this.buf.length;
    this.buf = this.store.subarray(0, 0);
    return [ev];
  }

  private isStart(i: number): boolean {
    const b = this.buf[i]!;
    if ((b === 0xdb || b === 0x0f) && this.base + i < this.suspectUntil) return false;
    return (
      (b === 0x68 && this.kinds.has('mbus')) ||
      (b === 0x7e && this.kinds.has('hdlc')) ||
      (b === 0xdb && this.kinds.has('raw')) ||
      (b === 0x0f && this.kinds.has('raw') && this.opts.measureApdu !== undefined)
    );
  }

  private scanAt(i: number): Scan {
    const b = this.buf[i];
    if (b === 0x68) return scanMbusFrame(this.buf, i);
    if (b === 0x7e) return scanHdlcFrame(this.buf, i);
    if (b === 0xdb) return scanGloCipherApdu(this.buf, i);
    return scanPlainApdu(this.buf, i, this.opts.measureApdu!);
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
        if ('claimedEnd' in r && r.claimedEnd !== undefined) {
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
  return { ...frame, bytes, payload: bytes.subarray(at, at + frame.payload.length) };
}
