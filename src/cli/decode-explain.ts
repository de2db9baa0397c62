/**
 * `decode --explain` and `decode --scaler OBIS=POWER`: the explanation of one decoder event (the decrypted A-XDR
 * tree and which profile claimed which element, src/profiles/explain.ts), and the parser of scaler overrides.
 */
import { DecodeError } from '../errors.js';
import type { DecoderEvent } from '../pipeline/telegram-decoder.js';
import { decodeDataNotification, DATA_NOTIFICATION } from '../dlms/data-notification.js';
import { explainBody } from '../profiles/explain.js';
import { UnknownLayoutError, type InterpretContext } from '../profiles/detect.js';

/** Explanation lines for a telegram or a `layout.unknown` error; empty for anything else. */
export function explainEvent(ev: DecoderEvent, ctx: InterpretContext): string[] {
  if (ev.type === 'error' && ev.error instanceof UnknownLayoutError) return explainBody(ev.error.body, ctx);
  if (ev.type !== 'telegram' || ev.plaintext[0] !== DATA_NOTIFICATION) return [];
  return explainBody(decodeDataNotification(ev.plaintext).body, ctx);
}

const SCALER = /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})=(-?\d{1,2})$/;

/** `--scaler 1.1.31.7.0.255=-2` (repeatable) → `{ '1.1.31.7.0.255': -2 }`. */
export function parseScalers(specs: string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of specs) {
    const m = SCALER.exec(s.trim());
    if (!m) {
      throw new DecodeError(
        'input.scaler',
        `--scaler "${s}" is not OBIS=POWER: write e.g. --scaler 1.1.31.7.0.255=-2 (the register × 10^POWER)`,
        'input',
      );
    }
    out[m[1]!] = Number(m[2]);
  }
  return out;
}
