/**
 * The live diagnosis: what the daemon believes is wrong, with a hint that says what to do. Pure: computed from
 * counters and times (ms) that the status tracker keeps.
 */
import type { Diagnosis } from '../status/status.js';

export interface DiagnosisInput {
  now: number;
  /** When reading started or the source (re)opened. */
  sourceOpenedAt?: number;
  /** Current source error (port missing, permission denied …) with its hint. */
  sourceError?: { message: string; hint?: string };
  lastByteAt?: number;
  lastFrameAt?: number;
  lastTelegramAt?: number;
  /** Bytes received since the last valid frame. */
  bytesSinceFrame: number;
  /**
   * Error codes of the failed telegrams in the recent window (RECENT_EVENTS events, RECENT_MS) since the last good
   * one (newest last). Older failures have aged out: one false-positive frame in line noise is forgotten.
   */
  failuresInARow: string[];
  /** Frames rejected (checksum, HCS, FCS …) in the same recent window. */
  frameErrors?: number;
}

/** Seconds without any byte after which the line counts as silent (meters push every 1–5 s). */
export const SILENCE_MS = 15_000;
/** Bytes without a valid frame after which baud rate / parity are suspected. */
export const NO_FRAME_BYTES = 600;
/** Failed telegrams in a row before the key is blamed (one bad telegram can be line noise). */
export const WRONG_KEY_STREAK = 3;
/**
 * The recent window the telegram diagnoses look at: the last RECENT_EVENTS failures (rejected frames and failed
 * telegrams) within RECENT_MS. Random bytes on the line give a stream of rejected frames with, now and then, a
 * frame whose checksum passes by chance and whose content fails as `layout.unknown`: that one event must not
 * decide the diagnosis — it ages out of the window, and it never outweighs the rejections around it.
 */
export const RECENT_EVENTS = 20;
export const RECENT_MS = 120_000;

const KEY_CODES = new Set(['plaintext.invalid', 'gcm.auth-failed']);

export const HINTS = {
  starting: 'waiting for the first telegram (the meter pushes every 1–5 s)',
  ok: 'telegrams arrive and decode',
  noBytes:
    'no bytes from the meter: check the wiring and the M-Bus adapter; the meter pushes every 1–5 s (is the customer interface enabled by the grid operator?)',
  noFrames:
    'bytes arrive but no valid frame: check baud rate (2400 for M-Bus) and parity (8N1 or 8E1) of the port',
  wrongKey:
    'frames arrive but do not decrypt: the key is probably wrong or belongs to another meter (check key_hex_string)',
  keyMissing: 'the telegrams are encrypted: put the key from your grid operator into key_hex_string',
  unknownLayout:
    'telegrams decrypt but their layout is unknown: please share the output of kaifareader decode --explain on a capture (kaifareader capture --port … --out capture.txt)',
} as const;

export function diagnose(d: DiagnosisInput): Diagnosis {
  if (d.sourceError) {
    return {
      state: 'port-error',
      hint: d.sourceError.hint ? `${d.sourceError.message}: ${d.sourceError.hint}` : d.sourceError.message,
    };
  }
  const last = d.failuresInARow.at(-1);
  // key-missing and unknown-layout follow from one telegram each, so they must also be what most recent failures
  // say (a real meter repeats them every few seconds; line noise does not).
  const dominant = (code: string) =>
    2 * d.failuresInARow.filter((c) => c === code).length >= d.failuresInARow.length + (d.frameErrors ?? 0);
  if (last === 'key.missing' && dominant(last)) return { state: 'key-missing', hint: HINTS.keyMissing };
  if (
    d.failuresInARow.length >= WRONG_KEY_STREAK &&
    d.failuresInARow.slice(-WRONG_KEY_STREAK).every((c) => KEY_CODES.has(c))
  ) {
    return { state: 'wrong-key', hint: HINTS.wrongKey };
  }
  if (last === 'layout.unknown' && dominant(last))
    return { state: 'unknown-layout', hint: HINTS.unknownLayout };
  const since = d.lastByteAt ?? d.sourceOpenedAt;
  if (since !== undefined && d.now - since >= SILENCE_MS) {
    const secs = Math.round((d.now - since) / 1000);
    return { state: 'no-bytes', hint: `${HINTS.noBytes} (nothing for ${secs} s)` };
  }
  if (d.bytesSinceFrame >= NO_FRAME_BYTES) return { state: 'no-frames', hint: HINTS.noFrames };
  // After the port (re)opened, nothing is proven until a telegram decodes on it.
  const stale =
    d.lastTelegramAt !== undefined && d.sourceOpenedAt !== undefined && d.lastTelegramAt < d.sourceOpenedAt;
  if (d.lastTelegramAt === undefined || stale) return { state: 'starting', hint: HINTS.starting };
  return { state: 'ok', hint: HINTS.ok };
}
