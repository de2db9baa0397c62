/**
 * Ciphered APDUs of the DLMS Green Book (general-glo-ciphering 0xDB, general-ded-ciphering 0xDC):
 *
 *   DB 08 <system title 8> <A-XDR length> <security control 1> <invocation counter 4> <ciphertext> [tag 12]
 *   e.g. DB 08 4B464D102002ACA5 82 01 55 21 0026FBC4 …   (system title "KFM…", length 341, SC 0x21, IC 0x0026FBC4)
 *
 * The length counts security control + invocation counter + ciphertext (+ tag) and takes 1–3 bytes (`4D`,
 * `81 F8`, `82 01 55`), so nothing after it sits at a fixed offset. Security control: bits 0–3 security suite,
 * 0x10 authentication, 0x20 encryption, 0x40 key set (broadcast key), 0x80 compression.
 */
import { DecodeError } from '../errors.js';

export const GENERAL_GLO_CIPHERING = 0xdb;
export const GENERAL_DED_CIPHERING = 0xdc;
export const GCM_TAG_LENGTH = 12;

export const SC_AUTHENTICATION = 0x10;
export const SC_ENCRYPTION = 0x20;
export const SC_BROADCAST_KEY = 0x40;
export const SC_COMPRESSION = 0x80;

export interface GeneralCipher {
  tag: number;
  systemTitle: Uint8Array;
  securityControl: number;
  invocationCounter: number;
  /** Encrypted (or, with authentication only, plain) information; without the tag. */
  ciphertext: Uint8Array;
  /** 12-byte GCM tag when security control has the authentication bit. */
  authTag?: Uint8Array;
}

/**
 * Reads the A-XDR length of the ciphered content at `at` → [length, next offset]. Not axdr's decodeAxdrLength:
 * here a bad length is an APDU error (`apdu.length`, at most 3 length bytes), not a body error.
 */
function readAxdrLength(buf: Uint8Array, at: number): [number, number] {
  const layer = 'apdu';
  if (at >= buf.length) throw new DecodeError('apdu.truncated', 'APDU ends inside a length field', layer, at);
  const first = buf[at]!;
  if (first < 0x80) return [first, at + 1];
  const n = first & 0x7f;
  if (n === 0 || n > 3)
    throw new DecodeError('apdu.length', `invalid A-XDR length prefix 0x${first.toString(16)}`, layer, at);
  if (at + n >= buf.length)
    throw new DecodeError('apdu.truncated', 'APDU ends inside a length field', layer, at);
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + buf[at + i]!;
  return [len, at + n + 1];
}

/** Decodes a general-glo/ded-ciphering APDU. Throws DecodeError (apdu.*) for malformed input. */
export function decodeGeneralCipher(apdu: Uint8Array): GeneralCipher {
  const tag = apdu[0];
  if (tag !== GENERAL_GLO_CIPHERING && tag !== GENERAL_DED_CIPHERING) {
    throw new DecodeError(
      'apdu.unknown-tag',
      `not a ciphered APDU (tag 0x${(tag ?? 0).toString(16)})`,
      'apdu',
      0,
    );
  }
  const stLen = apdu[1];
  if (stLen !== 8)
    throw new DecodeError('apdu.system-title', `system title of ${stLen} bytes (expected 8)`, 'apdu', 1);
  if (apdu.length < 11)
    throw new DecodeError('apdu.truncated', 'ciphered APDU truncated in its header', 'apdu', apdu.length);
  const systemTitle = apdu.subarray(2, 10);
  const [len, at] = readAxdrLength(apdu, 10);
  if (len < 5)
    throw new DecodeError('apdu.length', `ciphered content of ${len} bytes is too short`, 'apdu', 10);
  if (at + len > apdu.length) {
    throw new DecodeError(
      'apdu.truncated',
      `ciphered APDU announces ${len} bytes but has ${apdu.length - at}`,
      'apdu',
      apdu.length,
    );
  }
  const securityControl = apdu[at]!;
  const invocationCounter =
    ((apdu[at + 1]! << 24) | (apdu[at + 2]! << 16) | (apdu[at + 3]! << 8) | apdu[at + 4]!) >>> 0;
  const end = at + len;
  const hasTag = (securityControl & SC_AUTHENTICATION) !== 0;
  if (hasTag && len < 5 + GCM_TAG_LENGTH) {
    throw new DecodeError('apdu.truncated', 'authenticated APDU shorter than its 12-byte tag', 'apdu', end);
  }
  const ctEnd = hasTag ? end - GCM_TAG_LENGTH : end;
  return {
    tag,
    systemTitle,
    securityControl,
    invocationCounter,
    ciphertext: apdu.subarray(at + 5, ctEnd),
    authTag: hasTag ? apdu.subarray(ctEnd, end) : undefined,
  };
}
