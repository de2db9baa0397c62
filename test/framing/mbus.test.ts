import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMbusFrames, scanMbusFrame, type MbusScan } from '../../src/framing/index.js';
import { parseHex, toHex } from '../../src/util/hex.js';
import { checksum } from '../../src/framing/mbus.js';
import { loadVectors, prng } from '../helpers/vectors.js';

const mbusVectors = loadVectors().filter((v) => v.framing.startsWith('mbus'));

function frameOf(r: MbusScan) {
  assert.equal(r.kind, 'frame', JSON.stringify(r));
  return r.kind === 'frame' ? r.frame : (undefined as never);
}

test('every M-Bus vector frame verifies, with CI FIN / segment number and the payload after DTSAP', () => {
  assert.ok(mbusVectors.length >= 7);
  for (const v of mbusVectors) {
    const n = v.frames_hex.length;
    assert.equal(n, v.framing === 'mbus-1frame' ? 1 : 2, v.id);
    v.frames_hex.forEach((h, i) => {
      const bytes = parseHex(h);
      const r = scanMbusFrame(bytes, 0);
      const f = frameOf(r);
      assert.equal(r.kind === 'frame' && r.end, bytes.length);
      assert.equal(f.kind, 'mbus');
      // Single frames carry CI 0x10, pairs 0x00 then 0x11 (README of the vectors).
      const ci = n === 1 ? 0x10 : i === 0 ? 0x00 : 0x11;
      assert.equal(f.meta.ci, ci, v.id);
      assert.deepEqual(f.segment, { final: i === n - 1, index: n === 1 ? 0 : i });
      assert.equal(f.meta.c, 0x53);
      assert.equal(f.meta.a, 0xff);
      assert.equal(toHex(f.payload), h.slice(18, -4).toUpperCase());
      if (i === 0) assert.equal(toHex(f.payload.subarray(0, 2)), 'DB08');
    });
  }
});

test('a frame embedded at an offset is found there; the end is an absolute index', () => {
  const frame = parseHex(mbusVectors[0]!.frames_hex[1]!);
  const buf = new Uint8Array(frame.length + 5);
  buf.set(frame, 3);
  const r = scanMbusFrame(buf, 3);
  assert.equal(r.kind === 'frame' && r.end, 3 + frame.length);
});

test('every prefix of a frame is need-more, never a skip', () => {
  const frame = parseHex(mbusVectors[0]!.frames_hex[1]!);
  for (let n = 1; n < frame.length; n++)
    assert.equal(scanMbusFrame(frame.subarray(0, n), 0).kind, 'need-more', `${n}`);
});

/** Error table: [what, bytes, expected code]. */
const single = encodeMbusFrames(Uint8Array.of(0x0f, 1, 2, 3, 4))[0]!; // 68 0A 0A 68 53 FF 10 01 67 0F 01 02 03 04 CS 16
const withByte = (at: number, value: number): Uint8Array => {
  const b = single.slice();
  b[at] = value;
  return b;
};
const errors: Array<[string, Uint8Array, string]> = [
  ['L fields differ', withByte(2, 0x0b), 'mbus.header'],
  ['no second 0x68', withByte(3, 0x67), 'mbus.header'],
  [
    'checksum off by one',
    withByte(single.length - 2, (single[single.length - 2]! + 1) & 0xff),
    'mbus.checksum',
  ],
  ['data byte flipped', withByte(10, single[10]! ^ 0x80), 'mbus.checksum'],
  ['stop byte missing', withByte(single.length - 1, 0x17), 'mbus.stop-byte'],
];
for (const [what, bytes, code] of errors) {
  test(`M-Bus error: ${what} → ${code}, skipping only the start byte`, () => {
    const r = scanMbusFrame(bytes, 0);
    assert.equal(r.kind, 'skipped');
    assert.equal(r.kind === 'skipped' && r.code, code);
    assert.equal(r.kind === 'skipped' && r.count, 1);
  });
}

test('the checksum is the byte sum of C … last data byte mod 256 (hand-computed frame)', () => {
  // 68 05 05 68 | 53 FF 10 01 67 | CS 16 with CS = 0x53 + 0xFF + 0x10 + 0x01 + 0x67 = 0x1CA → 0xCA
  const r = scanMbusFrame(parseHex('68 05 05 68 53 FF 10 01 67 CA 16'), 0);
  assert.equal(frameOf(r).payload.length, 0);
  assert.equal(scanMbusFrame(parseHex('68 05 05 68 53 FF 10 01 67 CB 16'), 0).kind, 'skipped');
});

test('encoder: Kaifa layout 68 FA FA 68 53 FF 00 01 67 …, CI 00/01/…/1n, options validated', () => {
  const apdu = new Uint8Array(600).map((_, i) => i & 0xff);
  const frames = encodeMbusFrames(apdu);
  assert.deepEqual(
    frames.map((f) => toHex(f.subarray(0, 9))),
    // 600 − 2 × 245 = 110 data bytes + 5 link fields = L 0x73 in the last frame
    ['68FAFA6853FF000167', '68FAFA6853FF010167', '6873736853FF120167'],
  );
  assert.equal(frames[2]!.length, 4 + 0x73 + 2);
  const got = frames.map((f) => frameOf(scanMbusFrame(f, 0)).payload);
  assert.equal(toHex(Buffer.concat(got)), toHex(apdu));
  assert.deepEqual(
    encodeMbusFrames(apdu, { c: 0x73, a: 0x01, maxSegment: 100 }).map((f) => [f[4], f[5], f[6]]),
    [0, 1, 2, 3, 4, 5].map((i) => [0x73, 0x01, i === 5 ? 0x15 : i]),
  );
  assert.throws(() => encodeMbusFrames(apdu, { maxSegment: 251 }), RangeError);
  assert.throws(() => encodeMbusFrames(apdu, { maxSegment: 0 }), RangeError);
  assert.throws(() => encodeMbusFrames(new Uint8Array(17 * 245)), RangeError);
});

test('T210-D quirk: 68 01 01 68 read as L = 257 (flagged), anything else with L < 5 is mbus.length', () => {
  const apdu = new Uint8Array(300).map((_, i) => (i * 13) & 0xff);
  const [first, second] = encodeMbusFrames(apdu, { maxSegment: 252, lowByteLength: true });
  assert.equal(toHex(first!.subarray(0, 4)), '68010168');
  const f = frameOf(scanMbusFrame(first!, 0));
  assert.equal(f.meta.lengthQuirk, true);
  assert.equal(f.bytes.length, 263);
  assert.equal(toHex(f.payload), toHex(apdu.subarray(0, 252)));
  assert.equal(frameOf(scanMbusFrame(second!, 0)).meta.lengthQuirk, undefined);
  // Until 263 bytes are there it waits; a broken one is reported once it can be checked.
  assert.equal(scanMbusFrame(first!.subarray(0, 262), 0).kind, 'need-more');
  const broken = first!.slice();
  broken[100]! ^= 1;
  const r = scanMbusFrame(broken, 0);
  assert.equal(r.kind === 'skipped' && r.code, 'mbus.length');
});

test('an ordinary short frame with a bad checksum is reported at once (no waiting for L + 256)', () => {
  // Kaifa second frames are as short as L = 0x0D; a transmission error must not look like "need more".
  const f = encodeMbusFrames(new Uint8Array(8).fill(0x42))[0]!;
  assert.equal(f[1], 0x0d);
  f[12]! ^= 4;
  const r = scanMbusFrame(f, 0);
  assert.equal(r.kind === 'skipped' && r.code, 'mbus.checksum');
});

test('the word-at-a-time checksum equals the plain byte sum mod 256 (any offset, length and content)', () => {
  const rnd = prng(68);
  for (let k = 0; k < 300; k++) {
    const n = Math.floor(rnd() * 2100);
    // Mostly 0xFF bytes in some buffers: the lanes' worst case for carries.
    const full = rnd() < 0.3;
    const buf = Uint8Array.from({ length: n + 5 }, () => (full ? 0xff : Math.floor(rnd() * 256)));
    const start = Math.floor(rnd() * 5);
    const end = start + Math.floor(rnd() * (buf.length - start + 1));
    let sum = 0;
    for (let i = start; i < end; i++) sum += buf[i]!;
    assert.equal(checksum(buf, start, end), sum & 0xff, `${start}..${end} of ${buf.length}`);
  }
});
