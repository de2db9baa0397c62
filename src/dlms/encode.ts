/**
 * Encoders for round-trip tests and the simulator: data-notification → general-glo-ciphering APDU (the inverse
 * of data-notification.ts, general-cipher.ts and decipher.ts).
 */
import type { AxdrValue, CosemDateTime } from '../axdr/types.js';
import { encodeAxdr, encodeAxdrLength } from '../axdr/encode.js';
import { encodeCosemDateTime } from '../cosem/date-time.js';
import { gcmEncrypt, gcmIv, gcmKeystreamXor } from './aes-gcm.js';
import { DATA_NOTIFICATION } from './data-notification.js';
import { GENERAL_GLO_CIPHERING, SC_AUTHENTICATION, SC_ENCRYPTION } from './general-cipher.js';

export interface DataNotificationFields {
  longInvokeId: number;
  /** Absent → `00` (no date-time). */
  dateTime?: CosemDateTime;
  body: AxdrValue;
}

/** `0F <invoke id 4> (0C <date-time 12> | 00) <body>` */
export function encodeDataNotification(n: DataNotificationFields): Uint8Array {
  const body = encodeAxdr(n.body);
  const dt = n.dateTime ? Uint8Array.of(0x0c, ...encodeCosemDateTime(n.dateTime)) : Uint8Array.of(0x00);
  const out = new Uint8Array(5 + dt.length + body.length);
  out[0] = DATA_NOTIFICATION;
  new DataView(out.buffer).setUint32(1, n.longInvokeId >>> 0);
  out.set(dt, 5);
  out.set(body, 5 + dt.length);
  return out;
}

export interface CipherFields {
  key: Uint8Array;
  /** Needed for SC 0x30 (authenticated encryption). */
  authKey?: Uint8Array;
  systemTitle: Uint8Array;
  invocationCounter: number;
  /** 0x20/0x21 encryption only (Austrian default), 0x30 encryption + 12-byte tag. */
  securityControl: number;
}

/** Plaintext APDU → `DB 08 <system title> <length> <SC> <IC> <ciphertext> [tag]`. */
export function encodeGeneralGloCiphering(plaintext: Uint8Array, c: CipherFields): Uint8Array {
  const iv = gcmIv(c.systemTitle, c.invocationCounter);
  const sc = c.securityControl;
  let content: Uint8Array;
  if (sc & SC_ENCRYPTION && sc & SC_AUTHENTICATION) {
    if (!c.authKey) throw new Error('security control 0x30 needs an authentication key');
    const [ct, tag] = gcmEncrypt(c.key, iv, Uint8Array.of(sc, ...c.authKey), plaintext);
    content = Buffer.concat([ct, tag]);
  } else if (sc & SC_ENCRYPTION) {
    content = gcmKeystreamXor(c.key, iv, plaintext);
  } else {
    content = plaintext;
  }
  const len = encodeAxdrLength(5 + content.length);
  const out = new Uint8Array(10 + len.length + 5 + content.length);
  out.set([GENERAL_GLO_CIPHERING, 0x08]);
  out.set(c.systemTitle.subarray(0, 8), 2);
  out.set(len, 10);
  let at = 10 + len.length;
  out[at++] = sc;
  new DataView(out.buffer).setUint32(at, c.invocationCounter >>> 0);
  out.set(content, at + 4);
  return out;
}
