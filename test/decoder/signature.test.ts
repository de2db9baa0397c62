/**
 * Wiener Netze frame signatures (issue 10 §2): the peer captures wienernetze-* carry one HDLC frame and its
 * 96-byte trailer (SHA-256 ‖ ECDSA P-256 r‖s) and their meters' published public keys. With the key the trailer
 * must verify; a flipped byte or the wrong key gives signature.invalid and no readings. Without a key the trailer
 * is skipped cleanly in any chunking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc16x25 } from '../../src/framing/crc16.js';
import { BENIGN_SKIPS } from '../../src/framing/scanner.js';
import { runDecode } from '../../src/cli/decode-command.js';
import { prng } from '../helpers/vectors.js';
import { decodeChunks, telegrams } from './support.js';

const PEER = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'peer');
interface Capture {
  id: string;
  frames_hex: string[];
  key_hex: string;
  signature_public_key_hex: string;
  expected: Record<string, { value: number | string }>;
}
const load = (id: string): Capture => JSON.parse(readFileSync(join(PEER, `${id}.json`), 'utf8')) as Capture;
const CAPTURES = [load('wienernetze-am550-b_pyir_1'), load('wienernetze-im350_pyir_1')];
const bytesOf = (c: Capture) => Uint8Array.from(Buffer.from(c.frames_hex.join(''), 'hex'));
const point = (c: Capture) => Uint8Array.from(Buffer.from(c.signature_public_key_hex, 'hex'));
const keys = (c: Capture) => ({ encryptionKey: Uint8Array.from(Buffer.from(c.key_hex, 'hex')) });

function chunkings(bytes: Uint8Array): Uint8Array[][] {
  const rnd = prng(bytes.length);
  const out: Uint8Array[][] = [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))];
  for (let n = 0; n < 10; n++) {
    const parts: Uint8Array[] = [];
    for (let at = 0; at < bytes.length;) {
      const len = 1 + Math.floor(rnd() * 80);
      parts.push(bytes.subarray(at, at + len));
      at += len;
    }
    out.push(parts);
  }
  return out;
}

/** The frame's last FCS recomputed after a change inside it (so only the signature can catch it). */
function refcs(frame: Uint8Array): void {
  const fcsAt = frame.length - 3;
  const fcs = crc16x25(frame, 1, fcsAt);
  frame[fcsAt] = fcs & 0xff;
  frame[fcsAt + 1] = fcs >> 8;
}

for (const c of CAPTURES) {
  test(`${c.id}: the trailer verifies with the meter's key, in any chunking, and the readings come out`, () => {
    for (const parts of chunkings(bytesOf(c))) {
      const events = decodeChunks(parts, { keys: keys(c), signaturePublicKey: point(c) });
      const t = telegrams(events);
      assert.equal(t.length, 1, JSON.stringify(events.filter((e) => e.type !== 'telegram')));
      assert.equal(events.filter((e) => e.type === 'error' || e.type === 'skipped').length, 0);
      const a = t[0]!.snapshot.readings.find((r) => r.obis === '1.0.1.8.0.255');
      assert.equal(a?.value, c.expected['1.0.1.8.0.255']!.value);
    }
  });

  test(`${c.id}: without a key the trailer is skipped cleanly (no error), in any chunking`, () => {
    for (const parts of chunkings(bytesOf(c))) {
      const events = decodeChunks(parts, { keys: keys(c) });
      assert.equal(telegrams(events).length, 1);
      const bad = events.filter(
        (e) => e.type === 'error' || (e.type === 'skipped' && !BENIGN_SKIPS.has(e.code)),
      );
      assert.deepEqual(bad, []);
    }
  });

  test(`${c.id}: a flipped byte in the frame or the signature, or the wrong key → signature.invalid, no readings`, () => {
    const bytes = bytesOf(c);
    const frameLen = bytes.length - 96;
    const inFrame = bytes.slice();
    inFrame[frameLen - 10]! ^= 0x01; // a ciphertext byte; the FCS is fixed up so only the signature notices
    refcs(inFrame.subarray(0, frameLen));
    const inSignature = bytes.slice();
    inSignature[bytes.length - 5]! ^= 0x80;
    const other = CAPTURES.find((x) => x !== c)!;
    for (const [what, input, key] of [
      ['frame byte', inFrame, point(c)],
      ['signature byte', inSignature, point(c)],
      ['wrong key', bytes, point(other)],
    ] as const) {
      for (const parts of chunkings(input).slice(0, 4)) {
        const events = decodeChunks(parts, { keys: keys(c), signaturePublicKey: key });
        assert.equal(telegrams(events).length, 0, what);
        const codes = events.flatMap((e) => (e.type === 'error' ? [e.error.code] : []));
        assert.deepEqual(codes, ['signature.invalid'], what);
      }
    }
  });
}

test('decode --signature-key: verifies, reports signature.invalid for the wrong key, refuses a malformed key', () => {
  const [a, b] = CAPTURES as [Capture, Capture];
  const ok = runDecode(a.frames_hex, {
    key: a.key_hex,
    signatureKey: a.signature_public_key_hex,
    json: true,
  });
  assert.equal(ok.code, 0, ok.stdout);
  const wrong = runDecode(a.frames_hex, {
    key: a.key_hex,
    signatureKey: b.signature_public_key_hex,
    json: true,
  });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stdout, /"code":"signature.invalid"/);
  assert.doesNotMatch(wrong.stdout, /"readings"/);
  const malformed = runDecode(a.frames_hex, { key: a.key_hex, signatureKey: '04ABCD' });
  assert.equal(malformed.code, 64);
  assert.match(malformed.stderr, /uncompressed P-256 point/);
});
