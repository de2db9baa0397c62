import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameScanner, SegmentAssembler, type MeasureApdu, type ScanEvent } from '../../src/framing/index.js';
import { parseHex, toHex } from '../../src/util/hex.js';
import { captureBytes, chunk, loadVector, prng } from '../helpers/vectors.js';

/**
 * A small A-XDR measurer for the test (the lead plugs the real one from the A-XDR layer): data-notification
 * `0F <invoke id 4> <date-time: 0C + 12 | 09 0C + 12 | 00> <one value>`.
 */
const FIXED: Record<number, number> = {
  0x00: 0, 0x03: 1, 0x05: 4, 0x06: 4, 0x0f: 1, 0x10: 2, 0x11: 1, 0x12: 2,
  0x14: 8, 0x15: 8, 0x16: 1, 0x17: 4, 0x18: 8, 0x19: 12, 0x1a: 5, 0x1b: 4,
}; // prettier-ignore
class NeedMore extends Error {}
class Invalid extends Error {}
function byteAt(b: Uint8Array, at: number): number {
  if (at >= b.length) throw new NeedMore();
  return b[at]!;
}
function length(b: Uint8Array, at: number): [number, number] {
  const first = byteAt(b, at);
  if (first < 0x80) return [first, at + 1];
  let n = 0;
  for (let i = 1; i <= (first & 0x7f); i++) n = n * 256 + byteAt(b, at + i);
  return [n, at + 1 + (first & 0x7f)];
}
function valueEnd(b: Uint8Array, at: number, depth = 0): number {
  const tag = byteAt(b, at);
  if (depth > 16) throw new Invalid();
  if (tag in FIXED) return at + 1 + FIXED[tag]!;
  const [n, next] = length(b, at + 1);
  if (tag === 0x01 || tag === 0x02) {
    let p = next;
    for (let i = 0; i < n; i++) p = valueEnd(b, p, depth + 1);
    return p;
  }
  if (tag === 0x09 || tag === 0x0a || tag === 0x0c) return next + n;
  throw new Invalid();
}
const measure: MeasureApdu = (b, offset) => {
  try {
    if (byteAt(b, offset) !== 0x0f) return 'invalid';
    let p = offset + 5;
    const dt = byteAt(b, p);
    p = dt === 0x0c ? p + 13 : dt === 0x09 ? p + 14 : dt === 0x00 ? p + 1 : -1;
    if (p < 0) return 'invalid';
    const end = valueEnd(b, p);
    return end > b.length ? 'need-more' : end - offset;
  } catch (e) {
    if (e instanceof NeedMore) return 'need-more';
    return 'invalid';
  }
};

const frames = (events: ScanEvent[]) => events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
const scanAll = (chunks: Uint8Array[], s = new FrameScanner({ measureApdu: measure })) =>
  chunks.flatMap((c) => s.push(c));

const lux = loadVector('luxembourg-smarty_nexxtlab_1');
const luxBytes = captureBytes(lux);
const salzburg = loadVector('salzburg_nooxnet-apdu_1');
const salzburgBytes = captureBytes(salzburg);

test('luxembourg: the bare DB 08 APDU is framed whole, alone, twice and in any chunking', () => {
  const one = frames(scanAll([luxBytes]));
  assert.equal(one.length, 1);
  assert.equal(one[0]!.kind, 'raw');
  assert.equal(toHex(one[0]!.payload), toHex(luxBytes));
  const twice = Buffer.concat([luxBytes, luxBytes]);
  for (const chunks of [
    [twice],
    chunk(twice, () => 0),
    chunk(twice, prng(7), 50),
    chunk(twice, prng(8), 3),
  ]) {
    const got = frames(scanAll(chunks));
    assert.deepEqual(
      got.map((f) => toHex(f.bytes)),
      [toHex(luxBytes), toHex(luxBytes)],
    );
  }
  const a = new SegmentAssembler();
  const r = a.push(one[0]!);
  assert.equal(r.type === 'apdu' && toHex(r.apdu.subarray(0, 2)), 'DB08');
});

test('luxembourg: garbage before, between and after the bare APDUs is skipped', () => {
  const g = parseHex('00 FF DB 07 11 DB 08 6B 6B 6B');
  const events = scanAll([g, luxBytes, g, luxBytes, g]);
  assert.equal(frames(events).length, 2);
  const skipped = events
    .filter((e) => e.type === 'skipped')
    .reduce((n, e) => n + (e.type === 'skipped' ? e.count : 0), 0);
  assert.equal(
    skipped,
    3 * g.length,
    'all garbage reported, the trailing run too (its DB 08 6B… is no start)',
  );
});

test('salzburg plaintext 0F APDU: framed with an injected measureApdu, in any chunking', () => {
  assert.equal(salzburgBytes[0], 0x0f);
  assert.equal(measure(salzburgBytes, 0), salzburgBytes.length, 'the test measurer agrees with the capture');
  for (const chunks of [[salzburgBytes], chunk(salzburgBytes, () => 0), chunk(salzburgBytes, prng(3), 40)]) {
    const got = frames(scanAll([...chunks, salzburgBytes]));
    assert.deepEqual(
      got.map((f) => [f.kind, f.bytes.length]),
      [
        ['raw', salzburgBytes.length],
        ['raw', salzburgBytes.length],
      ],
    );
  }
  // Without a measurer a bare plaintext cannot be delimited: it is not taken for a frame.
  assert.equal(frames(new FrameScanner().push(salzburgBytes)).length, 0);
});

test('a measureApdu that throws or lies never makes the scanner throw or overrun', () => {
  const throwing = new FrameScanner({
    measureApdu: () => {
      throw new Error('boom');
    },
  });
  assert.equal(frames(throwing.push(salzburgBytes)).length, 0);
  const lying = new FrameScanner({ measureApdu: () => 10_000 });
  assert.equal(frames(lying.push(salzburgBytes)).length, 0);
});

test('implausible DB 08 starts are garbage: lower-case manufacturer id, bad security control', () => {
  const lower = luxBytes.slice();
  lower[2] = 0x73; // "sAG"
  assert.equal(frames(scanAll([lower])).length, 0);
  const sc = luxBytes.slice();
  sc[13] = 0x05; // security control after 82 02 7A: 0x30 → 0x05
  assert.equal(frames(scanAll([sc])).length, 0);
});

for (const id of ['evn_netznoe-pdf_1', 'burgenland_amsreader-gh501_1', 'tinetz_gurux18232_1']) {
  test(`${id}: a frame with a transmission error yields no bare APDU from its inside; the next telegram is found`, () => {
    const v = loadVector(id);
    const good = captureBytes(v);
    const bad = good.slice();
    bad[40]! ^= 0x04; // a ciphertext bit in the first frame
    const events = scanAll([bad, good]);
    const got = frames(events);
    assert.ok(
      got.every((f) => f.kind !== 'raw'),
      `no raw frame: ${got.map((f) => f.kind)}`,
    );
    const codes = events.flatMap((e) => (e.type === 'skipped' ? [e.code] : []));
    assert.ok(codes.includes(v.framing === 'hdlc' ? 'hdlc.fcs' : 'mbus.checksum'), codes.join());
    // The whole good telegram follows, and assembles into one APDU.
    const tail = got.slice(-v.frames_hex.length).map((f) => toHex(f.bytes));
    assert.deepEqual(
      tail,
      v.frames_hex.map((h) => h.toUpperCase()),
    );
  });
}
