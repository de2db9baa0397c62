/**
 * AES-128-GCM as DLMS security suite 0/1 uses it (Green Book 9.2.3):
 *   IV (12 bytes) = system title (8) ‖ invocation counter (4)
 *   encryption only (SC 0x20/0x21): GCM's keystream = AES-128-CTR with counter block IV ‖ 00000002
 *   authenticated encryption (SC 0x30): AAD = SC ‖ authentication key, tag truncated to 12 bytes
 *   authentication only (SC 0x10): AAD = SC ‖ AK ‖ plaintext, empty ciphertext
 *
 * The tag-less path computes the CTR keystream with one long-lived AES-128-ECB cipher per key (encrypting the
 * counter blocks), which avoids creating a cipher object per telegram; node:crypto is the only dependency.
 */
import { createCipheriv, createDecipheriv, timingSafeEqual, type Cipher } from 'node:crypto';
import { DecodeError } from '../errors.js';

const ecbCache = new Map<string, Cipher>();

function ecbFor(key: Uint8Array): Cipher {
  const id = Buffer.from(key).toString('latin1');
  let c = ecbCache.get(id);
  if (!c) {
    if (ecbCache.size > 16) ecbCache.clear();
    c = createCipheriv('aes-128-ecb', key, null);
    c.setAutoPadding(false);
    ecbCache.set(id, c);
  }
  return c;
}

/** Builds the 12-byte GCM IV from system title and invocation counter. */
export function gcmIv(systemTitle: Uint8Array, invocationCounter: number): Buffer {
  const iv = Buffer.allocUnsafe(12);
  iv.set(systemTitle.subarray(0, 8), 0);
  iv.writeUInt32BE(invocationCounter >>> 0, 8);
  return iv;
}

/** XORs `data` with GCM's keystream (counter blocks IV ‖ 2, IV ‖ 3, …): decrypts and encrypts alike. */
export function gcmKeystreamXor(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const blocks = Math.ceil(data.length / 16);
  const counters = Buffer.allocUnsafe(blocks * 16);
  for (let b = 0; b < blocks; b++) {
    const o = b * 16;
    counters.set(iv, o);
    counters.writeUInt32BE((b + 2) >>> 0, o + 12);
  }
  const ks = ecbFor(key).update(counters);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ ks[i]!;
  return out;
}

/** AES-128-GCM decryption with tag check; throws `gcm.auth-failed` when the tag does not verify. */
export function gcmDecrypt(
  key: Uint8Array,
  iv: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
): Uint8Array {
  const d = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: tag.length });
  d.setAAD(aad);
  d.setAuthTag(tag);
  const out = d.update(ciphertext);
  try {
    d.final();
  } catch {
    throw new DecodeError(
      'gcm.auth-failed',
      'the GCM tag does not verify: the encryption or authentication key is wrong (or belongs to another meter)',
      'security',
    );
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** AES-128-GCM encryption → [ciphertext, tag (tagLength bytes)]. */
export function gcmEncrypt(
  key: Uint8Array,
  iv: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  tagLength = 12,
): [Uint8Array, Uint8Array] {
  const c = createCipheriv('aes-128-gcm', key, iv, { authTagLength: tagLength });
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return [new Uint8Array(ct), new Uint8Array(c.getAuthTag())];
}

/** Constant-time tag comparison. */
export function tagsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
