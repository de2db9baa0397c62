/**
 * Plaintext data-notification → link frames as a meter would send them (tests, simulator, benchmarks).
 */
import { encodeGeneralGloCiphering, type CipherFields } from '../dlms/encode.js';
import { encodeMbusFrames } from '../framing/mbus.js';
import { encodeHdlcFrames } from '../framing/hdlc.js';
import type { Framing } from '../model/snapshot.js';

export interface TelegramFields {
  /** The plaintext APDU (`0F …`, see encodeDataNotification). */
  plaintext: Uint8Array;
  framing: Framing;
  /** Absent → the plaintext is sent as is. */
  cipher?: CipherFields;
}

export function encodeTelegram(t: TelegramFields): Uint8Array[] {
  const apdu = t.cipher ? encodeGeneralGloCiphering(t.plaintext, t.cipher) : t.plaintext;
  if (t.framing === 'mbus') return encodeMbusFrames(apdu);
  if (t.framing === 'hdlc') return encodeHdlcFrames(apdu, { maxInfo: 2000 });
  return [apdu];
}
