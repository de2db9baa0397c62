import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHex, parseKey, toHex } from '../src/util/hex.js';
import { DecodeError } from '../src/errors.js';

test('parseHex accepts whitespace, 0x and both cases', () => {
  assert.equal(toHex(parseHex('0x7e a0\n0A:ff')), '7EA00AFF');
});

test('parseHex rejects odd digits and non-hex', () => {
  assert.throws(
    () => parseHex('abc'),
    (e: unknown) => e instanceof DecodeError && e.code === 'input.hex',
  );
  assert.throws(
    () => parseHex('zz'),
    (e: unknown) => e instanceof DecodeError && e.code === 'input.hex',
  );
});

test('parseKey normalises and checks the length without echoing the key', () => {
  assert.equal(toHex(parseKey('0x36c66639 e48a8ca4 d6bc8b28 2a793bbb')), '36C66639E48A8CA4D6BC8B282A793BBB');
  assert.throws(
    () => parseKey('36C66639E48A8CA4D6BC8B282A793B'),
    (e: unknown) =>
      e instanceof DecodeError &&
      e.code === 'input.key' &&
      !e.message.includes('36C666') &&
      /got 30 digits/.test(e.message),
  );
});
