/**
 * Known answers for AES-128-GCM as DLMS uses it (security suite 0).
 *
 * DLMS Green Book example (glo-get-request of the clock, Table 40 in recent editions; "GB ed.7 p.285"):
 *   system title 4D4D4D0000BC614E, invocation counter 01234567,
 *   EK 000102030405060708090A0B0C0D0E0F, AK D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF,
 *   plaintext C0010000080000010000FF0200
 *   SC 0x30 → C8 1E 30 01234567 411312FF935A47566827C467BC 7D825C3BE4A77C3FCC056B6B
 *   SC 0x10 → C8 1E 10 01234567 C0010000080000010000FF0200 06725D910F9221D263877516
 *   SC 0x20 → C8 12 20 01234567 411312FF935A47566827C467BC
 * Values as published in u9n/dlms-cosem tests/test_security.py (test_encrypt_authenticated, SC 0x30) and
 * tests/test_xdlms/test_get.py ("Table 40 – Example: glo-get-request xDLMS APDU"), and in the Elster DLMS
 * library's CoderXDlmsApduTest.java (testEncodeGetRequestNormal{Authenticated,Encrypted,AuthenticatedEncrypted},
 * "GB ed.7 p.285").
 *
 * NIST: McGrew & Viega, "The Galois/Counter Mode of Operation" (gcm-spec.pdf), test cases 2, 3 and 4 (AES-128).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import {
  gcmDecrypt,
  gcmEncrypt,
  gcmIv,
  gcmKeystreamXor,
  gcmKeystreamXorCtr,
  gcmKeystreamXorEcb,
} from '../../src/dlms/aes-gcm.js';
import { decipherApdu } from '../../src/dlms/decipher.js';
import { decodeGeneralCipher, type GeneralCipher } from '../../src/dlms/general-cipher.js';
import { encodeGeneralGloCiphering } from '../../src/dlms/encode.js';
import { DecodeError } from '../../src/errors.js';
import { toHex } from '../../src/util/hex.js';
import { prng } from '../helpers/vectors.js';
import { hex } from './support.js';

const ST = hex('4D4D4D0000BC614E');
const IC = 0x01234567;
const EK = hex('000102030405060708090A0B0C0D0E0F');
const AK = hex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const PLAIN = hex('C0010000080000010000FF0200');
const GB_CIPHERTEXT = '411312FF935A47566827C467BC';
const GB_TAG_30 = '7D825C3BE4A77C3FCC056B6B';
const GB_TAG_10 = '06725D910F9221D263877516';

const cipher = (securityControl: number, ciphertext: string, tag?: string): GeneralCipher => ({
  tag: 0xdb,
  systemTitle: ST,
  securityControl,
  invocationCounter: IC,
  ciphertext: hex(ciphertext),
  authTag: tag ? hex(tag) : undefined,
});

test('IV = system title ‖ invocation counter', () => {
  assert.equal(toHex(gcmIv(ST, IC)), '4D4D4D0000BC614E01234567');
});

test('Green Book SC 0x30: encrypt gives the published ciphertext and 12-byte tag', () => {
  const [ct, tag] = gcmEncrypt(EK, gcmIv(ST, IC), Uint8Array.of(0x30, ...AK), PLAIN);
  assert.equal(toHex(ct), GB_CIPHERTEXT);
  assert.equal(toHex(tag), GB_TAG_30);
});

test('Green Book SC 0x30: the general-glo-ciphering encoder writes the published bytes after DB 08 <title>', () => {
  const apdu = encodeGeneralGloCiphering(PLAIN, {
    key: EK,
    authKey: AK,
    systemTitle: ST,
    invocationCounter: IC,
    securityControl: 0x30,
  });
  assert.equal(toHex(apdu), `DB08${toHex(ST)}1E3001234567${GB_CIPHERTEXT}${GB_TAG_30}`);
  const c = decodeGeneralCipher(apdu);
  assert.equal(toHex(c.ciphertext), GB_CIPHERTEXT);
  assert.equal(toHex(c.authTag!), GB_TAG_30);
  const d = decipherApdu(c, { encryptionKey: EK, authenticationKey: AK });
  assert.equal(toHex(d.plaintext), toHex(PLAIN));
  assert.equal(d.tagVerified, true);
});

test('Green Book SC 0x30: decipher verifies the tag, and fails for any wrong key or byte', () => {
  const good = decipherApdu(cipher(0x30, GB_CIPHERTEXT, GB_TAG_30), {
    encryptionKey: EK,
    authenticationKey: AK,
  });
  assert.equal(toHex(good.plaintext), toHex(PLAIN));
  const wrongAk = AK.slice();
  wrongAk[15]! ^= 1;
  const wrongEk = EK.slice();
  wrongEk[0]! ^= 0x80;
  const flipped = `${GB_CIPHERTEXT.slice(0, -2)}BD`;
  const badTag = `${GB_TAG_30.slice(0, -2)}6A`;
  for (const [what, c, keys] of [
    [
      'wrong authentication key',
      cipher(0x30, GB_CIPHERTEXT, GB_TAG_30),
      { encryptionKey: EK, authenticationKey: wrongAk },
    ],
    [
      'wrong encryption key',
      cipher(0x30, GB_CIPHERTEXT, GB_TAG_30),
      { encryptionKey: wrongEk, authenticationKey: AK },
    ],
    [
      'ciphertext bit flipped',
      cipher(0x30, flipped, GB_TAG_30),
      { encryptionKey: EK, authenticationKey: AK },
    ],
    ['tag bit flipped', cipher(0x30, GB_CIPHERTEXT, badTag), { encryptionKey: EK, authenticationKey: AK }],
  ] as const) {
    assert.throws(
      () => decipherApdu(c, keys),
      (e: unknown) => e instanceof DecodeError && e.code === 'gcm.auth-failed',
      what,
    );
  }
});

test('Green Book SC 0x30 without an authentication key: the keystream still deciphers (tag not checked)', () => {
  const d = decipherApdu(cipher(0x30, GB_CIPHERTEXT, GB_TAG_30), { encryptionKey: EK });
  assert.equal(toHex(d.plaintext), toHex(PLAIN));
  assert.equal(d.tagVerified, false);
});

test('Green Book SC 0x20 (encryption only): keystream XOR gives the published ciphertext, and back', () => {
  assert.equal(toHex(gcmKeystreamXor(EK, gcmIv(ST, IC), PLAIN)), GB_CIPHERTEXT);
  const d = decipherApdu(cipher(0x20, GB_CIPHERTEXT), { encryptionKey: EK });
  assert.equal(toHex(d.plaintext), toHex(PLAIN));
  assert.equal(d.tagVerified, false);
  const apdu = encodeGeneralGloCiphering(PLAIN, {
    key: EK,
    systemTitle: ST,
    invocationCounter: IC,
    securityControl: 0x20,
  });
  assert.equal(toHex(apdu), `DB08${toHex(ST)}122001234567${GB_CIPHERTEXT}`);
});

test('the keystream XOR paths (ECB with the JIT, native CTR under --jitless) agree with each other and the Green Book', () => {
  assert.equal(toHex(gcmKeystreamXorCtr(EK, gcmIv(ST, IC), PLAIN)), GB_CIPHERTEXT);
  assert.equal(toHex(gcmKeystreamXorEcb(EK, gcmIv(ST, IC), PLAIN)), GB_CIPHERTEXT);
  const rnd = prng(12);
  for (let n = 0; n < 400; n += 1 + Math.floor(rnd() * 7)) {
    // Odd offsets: ciphertext views into an APDU are rarely 4-byte aligned.
    const data = Uint8Array.from({ length: n + 3 }, () => Math.floor(rnd() * 256)).subarray(3);
    const iv = Uint8Array.from({ length: 12 }, () => Math.floor(rnd() * 256));
    const key = Uint8Array.from({ length: 16 }, () => Math.floor(rnd() * 256));
    assert.equal(
      toHex(gcmKeystreamXorCtr(key, iv, data)),
      toHex(gcmKeystreamXorEcb(key, iv, data)),
      `${n} bytes`,
    );
  }
});

test('Green Book SC 0x10 (authentication only): the published GMAC tag verifies over the plain APDU', () => {
  // AAD = SC ‖ AK ‖ information, empty plaintext: the tag is GCM's tag of no data.
  const [, tag] = gcmEncrypt(EK, gcmIv(ST, IC), Uint8Array.of(0x10, ...AK, ...PLAIN), new Uint8Array(0));
  assert.equal(toHex(tag), GB_TAG_10);
  const d = decipherApdu(cipher(0x10, toHex(PLAIN), GB_TAG_10), { encryptionKey: EK, authenticationKey: AK });
  assert.equal(toHex(d.plaintext), toHex(PLAIN));
  assert.equal(d.tagVerified, true);
  assert.throws(
    () =>
      decipherApdu(cipher(0x10, toHex(PLAIN), `${GB_TAG_10.slice(0, -2)}17`), {
        encryptionKey: EK,
        authenticationKey: AK,
      }),
    (e: unknown) => e instanceof DecodeError && e.code === 'gcm.auth-failed',
  );
  const unchecked = decipherApdu(cipher(0x10, toHex(PLAIN), GB_TAG_10), {});
  assert.equal(unchecked.tagVerified, false);
});

test('encrypted telegram without a key: key.missing; compression: security.unsupported', () => {
  assert.throws(
    () => decipherApdu(cipher(0x20, GB_CIPHERTEXT), {}),
    (e: unknown) => e instanceof DecodeError && e.code === 'key.missing',
  );
  assert.throws(
    () => decipherApdu(cipher(0xa0, GB_CIPHERTEXT), { encryptionKey: EK }),
    (e: unknown) => e instanceof DecodeError && e.code === 'security.unsupported',
  );
});

const NIST = [
  {
    name: 'test case 2',
    key: '00000000000000000000000000000000',
    iv: '000000000000000000000000',
    aad: '',
    plain: '00000000000000000000000000000000',
    cipher: '0388dace60b6a392f328c2b971b2fe78',
    tag: 'ab6e47d42cec13bdf53a67b21257bddf',
  },
  {
    name: 'test case 3',
    key: 'feffe9928665731c6d6a8f9467308308',
    iv: 'cafebabefacedbaddecaf888',
    aad: '',
    plain:
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255',
    cipher:
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985',
    tag: '4d5c2af327cd64a62cf35abd2ba6fab4',
  },
  {
    name: 'test case 4 (AAD, 60 bytes: a partial last block)',
    key: 'feffe9928665731c6d6a8f9467308308',
    iv: 'cafebabefacedbaddecaf888',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    plain:
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    cipher:
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    tag: '5bc94fbc3221a5db94fae95ae7121a47',
  },
];

for (const t of NIST) {
  test(`NIST GCM ${t.name}: keystream path, encrypt and decrypt with tag`, () => {
    const [key, iv, aad, plain] = [hex(t.key), hex(t.iv), hex(t.aad), hex(t.plain)];
    assert.equal(toHex(gcmKeystreamXor(key, iv, plain)), t.cipher.toUpperCase(), 'tag-less keystream');
    assert.equal(toHex(gcmKeystreamXor(key, iv, hex(t.cipher))), t.plain.toUpperCase(), 'and back');
    const [ct, tag] = gcmEncrypt(key, iv, aad, plain, 16);
    assert.equal(toHex(ct), t.cipher.toUpperCase());
    assert.equal(toHex(tag), t.tag.toUpperCase());
    assert.equal(toHex(gcmDecrypt(key, iv, aad, hex(t.cipher), hex(t.tag))), t.plain.toUpperCase());
    assert.equal(
      toHex(gcmDecrypt(key, iv, aad, hex(t.cipher), hex(t.tag).subarray(0, 12))),
      t.plain.toUpperCase(),
      '12-byte tag',
    );
  });
}

test('gcmKeystreamXor equals node aes-128-gcm ciphertext for random keys, IVs and lengths (cross-check)', () => {
  const rnd = prng(0x6c3);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
  for (let i = 0; i < 300; i++) {
    const key = bytes(16);
    const iv = bytes(12);
    const plain = bytes(Math.floor(rnd() * 700));
    const c = createCipheriv('aes-128-gcm', key, iv);
    const reference = Buffer.concat([c.update(plain), c.final()]);
    assert.equal(
      toHex(gcmKeystreamXor(key, iv, plain)),
      toHex(reference),
      `case ${i}, ${plain.length} bytes`,
    );
  }
});

test('gcmKeystreamXor: many keys in turn (the per-key cipher cache) stay correct', () => {
  const keys = Array.from({ length: 40 }, (_, k) =>
    Uint8Array.from({ length: 16 }, (_, i) => (i * 31 + k * 7) & 0xff),
  );
  const iv = gcmIv(ST, IC);
  for (let round = 0; round < 3; round++) {
    for (const key of keys) {
      const c = createCipheriv('aes-128-gcm', key, iv);
      const reference = Buffer.concat([c.update(PLAIN), c.final()]);
      assert.equal(toHex(gcmKeystreamXor(key, iv, PLAIN)), toHex(reference));
    }
  }
});

test('gcmDecrypt reports gcm.auth-failed with a message that says what to check', () => {
  const [key, iv] = [hex(NIST[1]!.key), hex(NIST[1]!.iv)];
  const badTag = hex(NIST[1]!.tag);
  badTag[0]! ^= 1;
  assert.throws(
    () => gcmDecrypt(key, iv, new Uint8Array(0), hex(NIST[1]!.cipher), badTag),
    (e: unknown) =>
      e instanceof DecodeError && e.code === 'gcm.auth-failed' && /key is wrong/.test(e.message),
  );
});
