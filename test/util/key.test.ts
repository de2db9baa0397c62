import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Key } from '../../src/util/key.js';
import { DecodeError } from '../../src/errors.js';

const HEX = '36C66639E48A8CA4D6BC8B282A793BBB';

test('Key.parse: 16 bytes from any accepted spelling; the digits never appear in JSON, text or inspect', () => {
  const k = Key.parse('0x36 c6 66 39 e4 8a 8c a4 d6 bc 8b 28 2a 79 3b bb');
  assert.equal(Buffer.from(k.bytes).toString('hex').toUpperCase(), HEX);
  const shown = [JSON.stringify({ key: k }), String(k), `${k}`, inspect({ key: k }, { depth: 5 })].join(' ');
  assert.doesNotMatch(shown, /36C6|36c6|c666|C666/);
  assert.match(JSON.stringify({ key: k }), /"key":"<redacted>"/);
  assert.ok(k.equals(Key.parse(HEX)));
  assert.ok(!k.equals(Key.parse(HEX.replace('B', 'C'))));
});

test('Key.parse: a wrong length is input.key with the length and without the digits', () => {
  assert.throws(
    () => Key.parse('36C66639', 'encryption key'),
    (e: unknown) =>
      e instanceof DecodeError &&
      e.code === 'input.key' &&
      /encryption key must be 32 hex digits \(16 bytes\), got 8 digits/.test(e.message) &&
      !e.message.includes('36C66639'),
  );
  assert.throws(() => Key.of(new Uint8Array(15)), /16 bytes, got 15/);
});
