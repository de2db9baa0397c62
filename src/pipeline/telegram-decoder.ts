/**
 * The streaming decoder: bytes in (any chunking), telegrams and diagnostics out. Composes the frame scanner,
 * segment assembler (which also collects general-block-transfer blocks) and the APDU decoder. Pure: the receive time of each chunk
 * is passed in. Never throws for bad input.
 */
import { FrameScanner, type FrameKind, type LinkLayer } from '../framing/scanner.js';
import { SegmentAssembler } from '../framing/assemble.js';
import type { LinkFrame } from '../framing/types.js';
import { DecodeError } from '../errors.js';
import type { CipherKeys } from '../dlms/decipher.js';
import { decodeApdu, type DecodedTelegram } from './decode-apdu.js';
import { measurePlainApdu } from './measure.js';
import {
  SIGNATURE_TRAILER_LENGTH,
  frameDigest,
  signatureKey,
  verifyFrameSignature,
} from '../dlms/signature.js';
import type { KeyObject } from 'node:crypto';

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
  /**
   * The meter's signature public key (uncompressed P-256 point, 65 bytes; Wiener Netze): every HDLC frame must
   * carry a trailer that verifies, else `signature.invalid` / `signature.missing` and no readings. Throws
   * `signature.key` (a DecodeError) from the constructor for a malformed key.
   */
  signaturePublicKey?: Uint8Array;
  /** Per-OBIS scaler overrides for registers sent without scaler (config `scalers`, `decode --scaler`). */
  scalers?: Readonly<Record<string, number>>;
  /** The configured meter id the snapshots are for (`meters[].id`, default `default`). */
  meter?: string;
}

export class TelegramDecoder {
  private readonly scanner: FrameScanner;
  private readonly segments = new SegmentAssembler();
  private readonly keys: CipherKeys;
  private readonly signature: KeyObject | undefined;

  constructor(private readonly opts: TelegramDecoderOptions = {}) {
    this.signature = opts.signaturePublicKey ? signatureKey(opts.signaturePublicKey) : undefined;
    this.scanner = new FrameScanner({
      kinds: opts.kinds,
      measureApdu: measurePlainApdu,
      trailer: { length: SIGNATURE_TRAILER_LENGTH, digest: frameDigest, await: this.signature !== undefined },
    });
    this.keys = opts.keys ?? {};
  }

  /** The stream's link layer as decided so far (bare APDUs are read only while it is `none` or `unknown`). */
  get linkLayer(): LinkLayer {
    return this.scanner.linkLayer;
  }

  /** A frame whose signature does not verify yields its error instead of going on (no readings). */
  private signatureError(frame: LinkFrame): DecodeError | undefined {
    if (!this.signature || frame.kind !== 'hdlc') return undefined;
    try {
      // A frame whose opening flag closed the frame before: the meter signed it with that flag.
      const bytes = frame.meta.sharedFlag ? Uint8Array.of(0x7e, ...frame.bytes) : frame.bytes;
      verifyFrameSignature(bytes, frame.trailer, this.signature);
      return undefined;
    } catch (e) {
      if (e instanceof DecodeError) return e;
      throw e;
    }
  }

  /** Feeds a chunk received at `receivedAt` (ms since epoch). */
  push(chunk: Uint8Array, receivedAt: number): DecoderEvent[] {
    const out: DecoderEvent[] = [];
    const events = this.scanner.push(chunk);
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if (ev.type === 'skipped') {
        out.push(ev);
        continue;
      }
      if (this.opts.emitFrames) out.push({ type: 'frame', frame: ev.frame });
      const bad = this.signatureError(ev.frame);
      if (bad) {
        out.push({ type: 'error', error: bad, frames: [ev.frame] });
        continue;
      }
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
        meter: this.opts.meter,
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
    const out: DecoderEvent[] = this.scanner.flush();
    const rest = this.segments.flush();
    if (rest?.type === 'error') out.push({ type: 'error', error: rest.error, frames: rest.frames });
    return out;
  }

  /** Bytes waiting for the rest of a frame (diagnostics). */
  get buffered(): number {
    return this.scanner.buffered;
  }
}
