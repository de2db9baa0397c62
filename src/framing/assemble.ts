/**
 * Segment assembly: link frames → one APDU.
 *
 * M-Bus: CI low nibble = segment number, bit 0x10 = FIN. Segments must arrive 0, 1, 2 … without gaps; a new
 * segment 0 restarts (the incomplete telegram before it is reported as `mbus.segment-order`, unless the new one is
 * complete at once — then the new APDU is delivered and the scanner's `skipped` event already told of the loss).
 * HDLC: the format S bit marks "more segments follow"; a frame carrying the LLC `E6 E7 00` while segments are
 * pending starts a new APDU (`hdlc.segment-order`). Raw APDUs are complete by themselves. A mixed APDU is never
 * emitted.
 *
 * General-block-transfer is folded in (option `blockTransfer`, default on): a link-level APDU starting with `E0`
 * goes through a {@link BlockTransferAssembler} and the inner APDU (e.g. `DB 08 …`) comes out, with all the frames
 * that carried it. Example: e450-gbt_dlmsparser_1 = three HDLC frames, each final, each one GBT block →
 * `pending`, `pending`, then `apdu` `DB 08 4C 47 5A …` of 272 bytes.
 */
import { DecodeError } from '../errors.js';
import { BlockTransferAssembler, GBT_TAG } from './general-block-transfer.js';
import type { AssembleEvent, LinkFrame } from './types.js';

/** Largest APDU assembled from segments (DLMS max PDU sizes are ≤ 65 535; push telegrams are < 2 KiB). */
const MAX_APDU = 65_535;

export interface AssemblerOptions {
  /** Reassemble general-block-transfer (`E0 …`) APDUs into their inner APDU (default true). */
  blockTransfer?: boolean;
}

export class SegmentAssembler {
  private frames: LinkFrame[] = [];
  private size = 0;
  private readonly gbt: BlockTransferAssembler | undefined;
  /** Frames of the general-block-transfer in progress. */
  private gbtFrames: LinkFrame[] = [];

  constructor(opts: AssemblerOptions = {}) {
    this.gbt = (opts.blockTransfer ?? true) ? new BlockTransferAssembler() : undefined;
  }

  /** Feeds one verified frame; returns the APDU it completes, `pending`, or an error (never throws). */
  push(frame: LinkFrame): AssembleEvent {
    const linked = this.pushLink(frame);
    return linked.type === 'apdu' ? this.unblock(linked) : linked;
  }

  /** Segments waiting for the rest of their APDU. */
  get pending(): number {
    return this.frames.length;
  }

  /**
   * End of input: segments still waiting for the rest of their telegram are reported (`telegram.incomplete`),
   * with the count the APDU's own length implies, e.g. a Kaifa `68 FA FA 68 … CI 00 … DB 08 … 82 01 07` first
   * frame alone = 245 of 2 + 8 + 3 + 263 = 276 bytes → "telegram incomplete: 1 of 2 segments".
   */
  flush(): AssembleEvent | undefined {
    const frames = this.frames;
    if (frames.length === 0) return undefined;
    const got = this.size;
    this.reset();
    const total = claimedApduLength(frames[0]!.payload);
    const per = frames[0]!.payload.length;
    const what =
      total !== undefined && total > got && per > 0
        ? `${frames.length} of ${frames.length + Math.ceil((total - got) / per)} segments`
        : `${frames.length} segment${frames.length === 1 ? '' : 's'} and not the last one`;
    const error = new DecodeError(
      'telegram.incomplete',
      `telegram incomplete: ${what} (the input ends before the rest of the telegram; capture longer)`,
      'framing',
    );
    return { type: 'error', error, frames };
  }

  private pushLink(frame: LinkFrame): AssembleEvent {
    if (frame.kind === 'raw' || frame.kind === 'dsmr') {
      this.reset();
      return complete([frame]);
    }
    const pending = this.frames;
    if (pending.length > 0 && !continues(frame, pending)) return this.restart(frame, pending);
    if (pending.length === 0 && !isFirst(frame)) {
      return { type: 'error', error: orderError(frame, pending), frames: [frame] };
    }
    this.frames = [...pending, frame];
    this.size += frame.payload.length;
    if (this.size > MAX_APDU) {
      const frames = this.frames;
      this.reset();
      const error = new DecodeError('framing.too-long', 'segmented APDU exceeds 64 KiB', 'framing');
      return { type: 'error', error, frames };
    }
    if (!frame.segment.final) return { type: 'pending' };
    const frames = this.frames;
    this.reset();
    return complete(frames);
  }

  /** A frame that does not continue the pending segments: report them, start over with this frame if it can. */
  private restart(frame: LinkFrame, pending: LinkFrame[]): AssembleEvent {
    this.reset();
    if (!isFirst(frame))
      return { type: 'error', error: orderError(frame, pending), frames: [...pending, frame] };
    const next = this.pushLink(frame);
    if (next.type === 'apdu') return next; // a whole telegram right after a lost segment: keep it
    return { type: 'error', error: orderError(frame, pending), frames: pending };
  }

  /** Passes a link-level APDU through general-block-transfer reassembly. */
  private unblock(ev: Extract<AssembleEvent, { type: 'apdu' }>): AssembleEvent {
    if (!this.gbt || (ev.apdu[0] !== GBT_TAG && this.gbtFrames.length === 0)) return ev;
    const r = this.gbt.push(ev.apdu);
    const frames =
      r.type === 'apdu' && ev.apdu[0] !== GBT_TAG ? ev.frames : [...this.gbtFrames, ...ev.frames];
    if (r.type === 'pending') {
      this.gbtFrames = frames;
      return r;
    }
    this.gbtFrames = [];
    return r.type === 'apdu'
      ? { type: 'apdu', apdu: r.apdu, frames }
      : { type: 'error', error: r.error, frames };
  }

  private reset(): void {
    this.frames = [];
    this.size = 0;
  }
}

/** Whether a frame can begin an APDU: M-Bus segment 0; any HDLC frame (the S bit only says more follow). */
function isFirst(frame: LinkFrame): boolean {
  return frame.kind !== 'mbus' || frame.segment.index === 0;
}

/** Whether `frame` is the next segment after `pending`. */
function continues(frame: LinkFrame, pending: LinkFrame[]): boolean {
  if (pending[0]!.kind !== frame.kind) return false;
  if (frame.kind === 'mbus') return frame.segment.index === (pending.length & 0x0f);
  return frame.meta.llc !== true;
}

function orderError(frame: LinkFrame, pending: LinkFrame[]): DecodeError {
  const layer = frame.kind === 'hdlc' ? 'hdlc' : 'mbus';
  const message =
    pending.length === 0
      ? `segment ${frame.segment.index} arrived without the segments before it (a frame was lost)`
      : frame.kind === 'mbus' && pending[0]!.kind === 'mbus'
        ? `telegram incomplete: expected segment ${pending.length}, got segment ${frame.segment.index} (a frame was lost)`
        : `telegram incomplete: a new APDU started before the last segment of the previous one (a frame was lost)`;
  return new DecodeError(`${layer}.segment-order`, message, layer);
}

/** Whole length a `DB 08 <system title> <length> …` APDU states for itself, when the first segment tells it. */
function claimedApduLength(p: Uint8Array): number | undefined {
  if (p[0] !== 0xdb || p[1] !== 0x08 || p.length < 12) return undefined;
  const first = p[10]!;
  if (first < 0x80) return 11 + first;
  const n = first & 0x7f;
  if (n < 1 || n > 2 || p.length < 11 + n) return undefined;
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + p[10 + i]!;
  return 11 + n + len;
}

function complete(frames: LinkFrame[]): AssembleEvent {
  if (frames.length === 1) return { type: 'apdu', apdu: frames[0]!.payload, frames };
  let total = 0;
  for (const f of frames) total += f.payload.length;
  // From Node's buffer pool (no zero-filled backing store per telegram), as a plain Uint8Array view.
  const pooled = Buffer.allocUnsafe(total);
  const apdu = new Uint8Array(pooled.buffer, pooled.byteOffset, total);
  let at = 0;
  for (const f of frames) {
    apdu.set(f.payload, at);
    at += f.payload.length;
  }
  return { type: 'apdu', apdu, frames };
}
