/**
 * Segment assembly: link frames → one APDU.
 *
 * M-Bus: CI low nibble = segment number, bit 0x10 = FIN. Segments must arrive 0, 1, 2 … without gaps; a new
 * segment 0 restarts (the previous incomplete telegram is reported as `mbus.segment-order`). HDLC: the format
 * S bit marks "more segments follow". Raw APDUs are complete by themselves. A mixed APDU is never emitted.
 */
import { DecodeError } from '../errors.js';
import type { AssembleEvent, LinkFrame } from './types.js';

/** Largest APDU assembled from segments (DLMS max PDU sizes are ≤ 65 535; push telegrams are < 2 KiB). */
const MAX_APDU = 65_535;

export class SegmentAssembler {
  private frames: LinkFrame[] = [];
  private size = 0;

  push(frame: LinkFrame): AssembleEvent {
    if (frame.kind === 'raw') return this.complete([frame]);
    const pending = this.frames;
    const expected = frame.kind === 'mbus' ? pending.length & 0x0f : frame.segment.index;
    const kindChanged = pending.length > 0 && pending[0]!.kind !== frame.kind;
    if (frame.kind === 'mbus' && (frame.segment.index !== expected || kindChanged)) {
      return this.outOfOrder(frame, pending);
    }
    if (kindChanged) return this.outOfOrder(frame, pending);
    this.frames = [...pending, frame];
    this.size += frame.payload.length;
    if (this.size > MAX_APDU) {
      const frames = this.frames;
      this.reset();
      return { type: 'error', error: new DecodeError('framing.too-long', 'segmented APDU exceeds 64 KiB', 'framing'), frames };
    }
    if (!frame.segment.final) return { type: 'pending' };
    const frames = this.frames;
    this.reset();
    return this.complete(frames);
  }

  /** Whether segments are waiting for the rest of their APDU. */
  get pending(): number {
    return this.frames.length;
  }

  private outOfOrder(frame: LinkFrame, pending: LinkFrame[]): AssembleEvent {
    this.reset();
    const restart = frame.kind === 'hdlc' || frame.segment.index === 0;
    const error = new DecodeError(
      'mbus.segment-order',
      pending.length > 0
        ? `telegram incomplete: expected segment ${pending.length}, got segment ${frame.segment.index} (a frame was lost)`
        : `segment ${frame.segment.index} arrived without the segments before it (a frame was lost)`,
      frame.kind === 'hdlc' ? 'hdlc' : 'mbus',
    );
    if (restart) {
      // The new frame starts a new APDU; report the dropped one.
      const next = this.push(frame);
      if (pending.length === 0) return next;
      if (next.type === 'apdu') return next; // single-frame telegram right after a lost segment: keep it
      return { type: 'error', error, frames: pending };
    }
    return { type: 'error', error, frames: [...pending, frame] };
  }

  private reset(): void {
    this.frames = [];
    this.size = 0;
  }

  private complete(frames: LinkFrame[]): AssembleEvent {
    if (frames.length === 1) return { type: 'apdu', apdu: frames[0]!.payload, frames };
    const apdu = new Uint8Array(frames.reduce((n, f) => n + f.payload.length, 0));
    let at = 0;
    for (const f of frames) {
      apdu.set(f.payload, at);
      at += f.payload.length;
    }
    return { type: 'apdu', apdu, frames };
  }
}
