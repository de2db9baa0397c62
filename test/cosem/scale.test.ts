import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyScaler } from '../../src/cosem/index.js';
import { prng } from '../helpers/vectors.js';

/** [raw, scaler, expected]: the expected value is the decimal literal of the exact result (parsed from text where
 * the literal has more digits than a double holds). */
const TABLE: readonly (readonly [number | bigint, number, number])[] = [
  [2337, -1, 233.7],
  [2330, -1, 233],
  [31, -2, 0.31],
  [52, -2, 0.52],
  [9406459, 1, 94064590],
  [1, -3, 0.001],
  [-5, -1, -0.5],
  [0, -3, 0],
  [3744082, 0, 3744082],
  [678, -3, 0.678],
  [1019, -3, 1.019],
  [3, 3, 3000],
  [123456789, -9, 0.123456789],
  [1n, -1, 0.1],
  [4294967295n, -2, 42949672.95],
  [18446744073709551615n, -3, Number('18446744073709551.615')],
  [-9223372036854775808n, 0, -9223372036854775808],
  [12345678901234567890n, -10, Number('1234567890.123456789')],
  [7, -30, 7e-30],
  [7, 30, 7e30],
  [1.5, -1, 0.15],
];

for (const [raw, scaler, expected] of TABLE) {
  test(`applyScaler(${raw}, ${scaler}) = ${expected}`, () => {
    assert.equal(applyScaler(raw, scaler), expected);
  });
}

test('applyScaler equals the parsed decimal literal for random register values', () => {
  const rnd = prng(7);
  for (let i = 0; i < 20000; i++) {
    const raw = Math.floor((rnd() - 0.5) * 2 ** (1 + Math.floor(rnd() * 52)));
    const scaler = Math.floor(rnd() * 19) - 9;
    assert.equal(applyScaler(raw, scaler), Number(`${raw}e${scaler}`), `${raw} e${scaler}`);
    assert.equal(applyScaler(BigInt(raw), scaler), Number(`${raw}e${scaler}`), `${raw}n e${scaler}`);
  }
});
