/**
 * Hand-off types of the framing layer: the scanner turns a byte stream into verified link frames, the
 * assembler turns frames into whole APDUs.
 */
import type { DecodeError } from '../errors.js';

/** A checksum-verified link-layer frame. */
export interface LinkFrame {
  kind: 'mbus' | 'hdlc' | 'raw' | 'dsmr';
  /** The whole frame, start to stop byte (for `raw`: the whole APDU). */
  bytes: Uint8Array;
  /** Link payload: the APDU segment (M-Bus: after STSAP/DTSAP; HDLC: info field without LLC `E6 E7 00`). */
  payload: Uint8Array;
  /** Segmentation as the link layer says it. */
  segment: {
    /** True when this frame completes the APDU (M-Bus CI FIN bit, HDLC format S bit clear, raw always). */
    final: boolean;
    /** Segment number (M-Bus CI low nibble; HDLC: frames counted by the assembler, 0 here). */
    index: number;
  };
  /** Signature trailer sent after the frame (Wiener Netze: SHA-256 of `bytes` ‖ ECDSA P-256 r‖s, 96 bytes). */
  trailer?: Uint8Array;
  /** Link details for diagnostics (`ci`, `control`, `address`, `llc`, `lengthQuirk` …). */
  meta: Record<string, number | string | boolean>;
}

/** What a single-frame scanner (`scanMbusFrame`, `scanHdlcFrame`, the bare-APDU scanners) finds at an offset. */
export type FrameScan =
  | { kind: 'frame'; frame: LinkFrame; /** index just after the frame */ end: number }
  | { kind: 'need-more' }
  | {
      kind: 'skipped';
      count: number;
      code: string;
      reason: string;
      /** End (exclusive) of the frame the header claimed, when a complete frame failed its check. */
      claimedEnd?: number;
    };

/** One result of a scan step: a frame, or bytes dropped with a reason (never thrown). */
export type ScanEvent =
  | { type: 'frame'; frame: LinkFrame; /** stream offset of the first byte */ offset: number }
  | {
      type: 'skipped';
      /** number of bytes dropped */
      count: number;
      /** error code: `framing.garbage`, `mbus.checksum`, `mbus.stop-byte`, `hdlc.hcs`, `hdlc.fcs`, `hdlc.format` … */
      code: string;
      /** human-readable reason */
      reason: string;
      offset: number;
    };

/** Result of assembling frames into an APDU. */
export type AssembleEvent =
  | { type: 'apdu'; apdu: Uint8Array; frames: LinkFrame[] }
  | { type: 'pending' }
  | { type: 'error'; error: DecodeError; frames: LinkFrame[] };
