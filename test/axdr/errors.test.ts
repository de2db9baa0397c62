import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAxdr, decodeAxdrLength, encodeAxdr, MAX_DEPTH } from '../../src/axdr/index.js';
import { DecodeError } from '../../src/errors.js';
import { parseHex } from '../../src/util/hex.js';
import { loadVectors, prng } from '../helpers/vectors.js';

/**
 * [hex, code, offset]: truncated → offset where the bytes ran out (buffer end, or end of a compact-array's
 * contents); otherwise the offending tag, length or description.
 */
const ERRORS: readonly (readonly [string, string, number])[] = [
  ['', 'axdr.truncated', 0],
  ['12', 'axdr.truncated', 1],
  ['1209', 'axdr.truncated', 2],
  ['05000000', 'axdr.truncated', 4],
  ['14FFFFFFFFFFFFFF', 'axdr.truncated', 8],
  ['19FFFFFFFFFFFFFFFFFF8000', 'axdr.truncated', 12],
  ['09050102', 'axdr.truncated', 4],
  ['0981', 'axdr.truncated', 2],
  ['098201', 'axdr.truncated', 3],
  ['0A84FFFFFFFF41', 'axdr.truncated', 7],
  ['041000', 'axdr.truncated', 3],
  ['02021101', 'axdr.truncated', 4],
  ['07', 'axdr.unknown-tag', 0],
  ['0201FF', 'axdr.unknown-tag', 2],
  ['0202110108', 'axdr.unknown-tag', 4],
  ['1D00', 'axdr.unknown-tag', 0],
  ['0980', 'axdr.invalid', 1],
  ['098500000000000001', 'axdr.invalid', 1],
  ['01FF', 'axdr.invalid', 1],
  ['018401000000110111', 'axdr.invalid', 1],
  ['0205110111', 'axdr.invalid', 1],
  ['0203110111', 'axdr.truncated', 5],
  ['0DAB', 'axdr.invalid', 1],
  ['0D0F', 'axdr.invalid', 1],
  // compact-array: a description repeating an empty element, a nested compact-array, contents too short
  ['1301FFFF0002AABB', 'axdr.invalid', 1],
  ['1313', 'axdr.invalid', 1],
  ['1301FFFF11020102', 'axdr.truncated', 8],
  ['13071201AA', 'axdr.unknown-tag', 1],
  ['13110501', 'axdr.truncated', 4],
  ['131203010203', 'axdr.truncated', 6],
];

for (const [hex, code, offset] of ERRORS) {
  test(`${hex || '(empty)'} → ${code} at ${offset}`, () => {
    assert.throws(
      () => decodeAxdr(parseHex(hex)),
      (e: unknown) => {
        assert.ok(e instanceof DecodeError, String(e));
        assert.equal(e.code, code, e.message);
        assert.equal(e.layer, 'axdr');
        assert.equal(e.offset, offset, e.message);
        return true;
      },
    );
  });
}

test('decodeAxdrLength rejects the indefinite form and lengths over 4 bytes', () => {
  for (const hex of ['80', '85', 'FF']) {
    assert.throws(
      () => decodeAxdrLength(parseHex(hex)),
      (e: unknown) => e instanceof DecodeError && e.code === 'axdr.invalid',
    );
  }
});

const nested = (levels: number): string => '0201'.repeat(levels) + '00';

test(`nesting: ${MAX_DEPTH} levels decode, ${MAX_DEPTH + 1} are refused`, () => {
  assert.equal(decodeAxdr(parseHex(nested(MAX_DEPTH))).end, MAX_DEPTH * 2 + 1);
  assert.throws(
    () => decodeAxdr(parseHex(nested(MAX_DEPTH + 1))),
    (e: unknown) => e instanceof DecodeError && e.code === 'axdr.invalid' && e.offset === MAX_DEPTH * 2,
  );
});

test('hostile element counts are refused before anything is allocated', () => {
  // array claiming 4 294 967 295 elements followed by a few bytes
  assert.throws(
    () => decodeAxdr(parseHex('0184FFFFFFFF000000')),
    (e: unknown) =>
      e instanceof DecodeError && e.code === 'axdr.invalid' && /4294967295 elements/.test(e.message),
  );
});

const CODES = new Set(['axdr.truncated', 'axdr.unknown-tag', 'axdr.invalid']);

function decodeOrCode(buf: Uint8Array): string {
  try {
    const { end } = decodeAxdr(buf);
    assert.ok(end > 0 && end <= buf.length, `end ${end} outside 1..${buf.length}`);
    return 'ok';
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    assert.ok(CODES.has(e.code), e.code);
    assert.ok(e.offset !== undefined && e.offset >= 0 && e.offset <= buf.length, `offset ${e.offset}`);
    return e.code;
  }
}

test('random bytes never throw anything but a DecodeError and never overrun', () => {
  const rnd = prng(0xa7d2);
  const seen = new Set<string>();
  const cases = Number(process.env.KAIFAREADER_FUZZ_CASES ?? 20000);
  for (let i = 0; i < cases; i++) {
    const buf = Uint8Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256));
    // bias towards valid tags so decoding goes deep
    if (rnd() < 0.7) buf[0] = [0x01, 0x02, 0x13][Math.floor(rnd() * 3)]!;
    seen.add(decodeOrCode(buf));
  }
  assert.ok(seen.has('ok') && seen.has('axdr.truncated') && seen.has('axdr.unknown-tag'), [...seen].join());
});

test('mutated real plaintexts never throw anything but a DecodeError', () => {
  const rnd = prng(99);
  const bodies = loadVectors()
    .filter((v) => v.plain_apdu_hex?.startsWith('0F'))
    .map((v) => parseHex(v.plain_apdu_hex!).subarray(18));
  for (const body of bodies) {
    for (let i = 0; i < 300; i++) {
      const m = Uint8Array.from(body);
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++)
        m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
      decodeOrCode(m.subarray(0, Math.floor(rnd() * (m.length + 1))));
    }
  }
});

test('encodeAxdr refuses values outside their type', () => {
  assert.throws(() => encodeAxdr({ type: 'uint8', value: 256 }), RangeError);
  assert.throws(() => encodeAxdr({ type: 'int16', value: 1.5 }), RangeError);
  assert.throws(() => encodeAxdr({ type: 'uint64', value: -1n }), RangeError);
  assert.throws(() => encodeAxdr({ type: 'bcd', value: 100 }), RangeError);
  assert.throws(() => encodeAxdr({ type: 'bit-string', bits: '102' }), RangeError);
  assert.throws(() => encodeAxdr({ type: 'visible-string', value: '€' }), RangeError);
  assert.throws(() => encodeAxdr({ type: 'compact-array', items: [] }), RangeError);
});
