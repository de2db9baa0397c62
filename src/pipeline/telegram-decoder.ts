/**
 * The streaming decoder: bytes in (any chunking), telegrams and diagnostics out. Composes the frame scanner,
 * segment assembler (which also collects general-block-transfer blocks) and the APDU decoder. Pure: the receive time of each chunk
 * is passed in. Never throws for bad input.
 */
import { FrameScanner, type FrameKind } from '../framing/scanner.js';
import { SegmentAssembler } from '../framing/assemble.js';
import type { LinkFrame } from '../framing/types.js';
import type { DecodeError } from '../errors.js';
import type { CipherKeys } from '../dlms/decipher.js';
import { decodeApdu, type DecodedTelegram } from './decode-apdu.js';
import { measurePlainApdu } from './measure.js';

export type DecoderEvent =
  | ({ type: 'telegram'; frames: LinkFrame[] } & DecodedTelegram)
  | { type: 'error'; error: DecodeError; frames: LinkFrame[] }
  | { type: 'skipped'; count: number; code: string; reason: string; offset: number }
  | { type: 'frame'; frame: LinkFrame };

export interface TelegramDecoderOptions {
  keys?: CipherKeys;
  profile?: string;
  /** Link layers to accept (default all). */
  kinds?: FrameKind[];
  /** Also report every verified frame (diagnostics, `decode --verbose`). */
  emitFrames?: boolean;
  /** Per-OBIS scaler overrides for registers sent without scaler (config `scalers`, `decode --scaler`). */
  scalers?: Readonly<Record<string, number>>;
}

export class TelegramDecoder {
  private readonly scanner: FrameScanner;
  private readonly segments = new SegmentAssembler();
  private readonly keys: CipherKeys;

  constructor(private readonly opts: TelegramDecoderOptions = {}) {
    this.scanner = new FrameScanner({ kinds: opts.kinds, measureApdu: measurePlainApdu });
    this.keys = opts.keys ?? {};
  }

  /** Feeds a chunk received at `receivedAt` (ms since epoch). */
  push(chunk: Uint8Array, receivedAt: number): DecoderEvent[] {
    const out: DecoderEvent[] = [];
    for (const ev of this.scanner.push(chunk)) {
      if (ev.type === 'skipped') {
        out.push(ev);
        continue;
      }
      if (this.opts.emitFrames) out.push({ type: 'frame', frame: ev.frame });
      const seg = this.segments.push(ev.frame);
      if (seg.type === 'pending') continue;
      if (seg.type === 'error') {
        out.push({ type: 'error', error: seg.error, frames: seg.frames });
        continue;
      }
      // seg.apdu is whole: the assembler also collects general-block-transfer (E0) blocks.
      const r = decodeApdu(seg.apdu, {
        keys: this.keys,
        profile: this.opts.profile,
        scalers: this.opts.scalers,
        receivedAt,
        framing: seg.frames[0]!.kind,
      });
      if (r.ok) {
        const { snapshot, plaintext, longInvokeId } = r.value;
        out.push({ type: 'telegram', frames: seg.frames, snapshot, plaintext, longInvokeId });
      } else {
        out.push({ type: 'error', error: r.error, frames: seg.frames });
      }
    }
    return out;
  }

  /** End of input: whatever is left is reported as skipped. */
  flush(): DecoderEvent[] {
    return this.scanner.flush();
  }

  /** Bytes waiting for the rest of a frame (diagnostics). */
  get buffered(): number {
    return this.scanner.buffered;
  }
}
