/**
 * Deciphers a general-glo/ded-ciphering APDU with the user's keys (see aes-gcm.ts for the construction).
 * A tag-less telegram (SC 0x20/0x21, the Austrian default) cannot prove the key: the caller checks the
 * plaintext's structure and reports `plaintext.invalid` when it does not parse.
 */
import { DecodeError } from '../errors.js';
import { gcmDecrypt, gcmEncrypt, gcmIv, gcmKeystreamXor, tagsEqual } from './aes-gcm.js';
import { SC_AUTHENTICATION, SC_COMPRESSION, SC_ENCRYPTION, type GeneralCipher } from './general-cipher.js';

export interface CipherKeys {
  /** Global unicast encryption key (16 bytes). */
  encryptionKey?: Uint8Array;
  /** Authentication key (16 bytes), needed only to verify tags (SC 0x30 / 0x10). */
  authenticationKey?: Uint8Array;
}

export interface Deciphered {
  plaintext: Uint8Array;
  /** True when a GCM tag was present and verified with the authentication key. */
  tagVerified: boolean;
}

export function decipherApdu(c: GeneralCipher, keys: CipherKeys): Deciphered {
  const sc = c.securityControl;
  if (sc & SC_COMPRESSION) {
    throw new DecodeError(
      'security.unsupported',
      'compressed APDUs (security control bit 0x80) are not supported',
      'security',
    );
  }
  const iv = gcmIv(c.systemTitle, c.invocationCounter);
  const ak = keys.authenticationKey;
  if (!(sc & SC_ENCRYPTION)) {
    // Authentication only (or none): the information is plain; verify the GMAC tag when we can.
    if (c.authTag && ak) {
      if (!keys.encryptionKey) throw missingKey('verify this authenticated telegram');
      const [, tag] = gcmEncrypt(
        keys.encryptionKey,
        iv,
        aad(sc, ak, c.ciphertext),
        new Uint8Array(0),
        c.authTag.length,
      );
      if (!tagsEqual(tag, c.authTag)) {
        throw new DecodeError(
          'gcm.auth-failed',
          'the GCM tag does not verify: the keys are wrong',
          'security',
        );
      }
      return { plaintext: c.ciphertext, tagVerified: true };
    }
    return { plaintext: c.ciphertext, tagVerified: false };
  }
  const key = keys.encryptionKey;
  if (!key) throw missingKey('decrypt it');
  if (c.authTag && ak)
    return { plaintext: gcmDecrypt(key, iv, aad(sc, ak), c.ciphertext, c.authTag), tagVerified: true };
  return { plaintext: gcmKeystreamXor(key, iv, c.ciphertext), tagVerified: false };
}

/** Additional authenticated data: SC ‖ AK (‖ the plain information, authentication only). */
function aad(sc: number, ak: Uint8Array, information?: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + ak.length + (information?.length ?? 0));
  out[0] = sc;
  out.set(ak, 1);
  if (information) out.set(information, 1 + ak.length);
  return out;
}

function missingKey(what: string): DecodeError {
  return new DecodeError(
    'key.missing',
    `the telegram is encrypted: a key is needed to ${what} (key_hex_string in meter.json or --key; your grid operator sends it on request)`,
    'security',
  );
}

/** Security mode for status/output. */
export function securityMode(sc: number): 'none' | 'encrypted' | 'authenticated-encrypted' {
  if (sc & SC_ENCRYPTION) return sc & SC_AUTHENTICATION ? 'authenticated-encrypted' : 'encrypted';
  return 'none';
}
