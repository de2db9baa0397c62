import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatObis, normalizeObis, obisToBytes, parseObis } from '../../src/cosem/index.js';
import { DecodeError } from '../../src/errors.js';
import { parseHex, toHex } from '../../src/util/hex.js';

/** [text, canonical]: every accepted text form. */
const PARSE: readonly (readonly [string, string])[] = [
  ['1.0.1.8.0.255', '1.0.1.8.0.255'],
  ['1-0:1.8.0*255', '1.0.1.8.0.255'],
  ['1-0:1.8.0.255', '1.0.1.8.0.255'],
  ['1-0:1.8.0', '1.0.1.8.0.255'],
  ['1.8.0', '1.0.1.8.0.255'],
  ['32.7.0', '1.0.32.7.0.255'],
  ['0-0:96.1.0*255', '0.0.96.1.0.255'],
  ['1-1:0.2.129*255', '1.1.0.2.129.255'],
  ['0.0.1.0.0.255', '0.0.1.0.0.255'],
  ['  1.0.2.8.0.255 ', '1.0.2.8.0.255'],
  ['1.0.1.8.0.101', '1.0.1.8.0.101'],
  ['0.0.0.0.0.0', '0.0.0.0.0.0'],
];

for (const [text, canonical] of PARSE) {
  test(`parseObis(${JSON.stringify(text)}) = ${canonical}`, () => {
    assert.equal(formatObis(parseObis(text)), canonical);
    assert.equal(normalizeObis(text), canonical);
  });
}

const BAD = [
  '',
  '1.8',
  '1.0.1.8.0',
  '1.0.1.8.0.256',
  '1-0:1.8',
  'a.b.c',
  '1.0.1.8.0.255.1',
  '1-0:1.8.0*',
  '-1.8.0',
  '1..8.0',
];

for (const text of BAD) {
  test(`parseObis refuses ${JSON.stringify(text)} with cosem.obis`, () => {
    assert.throws(
      () => parseObis(text),
      (e: unknown) =>
        e instanceof DecodeError && e.code === 'cosem.obis' && e.message.includes(JSON.stringify(text)),
    );
  });
}

test('formatObis reads the 6 bytes of a telegram', () => {
  assert.equal(formatObis(parseHex('0100010800FF')), '1.0.1.8.0.255');
  assert.equal(formatObis(parseHex('0000600100FF')), '0.0.96.1.0.255');
  assert.equal(formatObis([1, 1, 0, 2, 129, 255]), '1.1.0.2.129.255');
});

test('formatObis refuses anything but 6 bytes', () => {
  for (const hex of ['', '0100010800', '0100010800FF00']) {
    assert.throws(
      () => formatObis(parseHex(hex)),
      (e: unknown) => e instanceof DecodeError && e.code === 'cosem.obis',
    );
  }
});

test('obisToBytes gives the telegram bytes for text and tuples', () => {
  assert.equal(toHex(obisToBytes('1-0:32.7.0*255')), '0100200700FF');
  assert.equal(toHex(obisToBytes([0, 0, 42, 0, 0, 255])), '00002A0000FF');
  assert.throws(
    () => obisToBytes([1, 0, 1, 8, 0, 256]),
    (e: unknown) => e instanceof DecodeError && e.code === 'cosem.obis',
  );
});
