import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAxdr } from '../../src/axdr/index.js';
import {
  decodeCosemDateTime,
  encodeCosemDateTime,
  formatCosemDateTime,
  formatLocalText,
  toCosemDateTime,
  toEpochMs,
  type CosemDateTime,
} from '../../src/cosem/index.js';
import { DecodeError } from '../../src/errors.js';
import { parseHex, toHex } from '../../src/util/hex.js';
import { loadVectors } from '../helpers/vectors.js';

/** The data-notification header date-time of every real plaintext: `0F <invoke id 4> 0C <12 bytes>`. */
const withHeader = loadVectors().filter((v) => v.plain_apdu_hex?.startsWith('0F') && v.meter_time);

test('the vectors carry header date-times to check against', () => {
  assert.ok(withHeader.length >= 8, String(withHeader.length));
});

for (const v of withHeader) {
  test(`header date-time of ${v.id} = ${v.meter_time!.text}`, () => {
    const apdu = parseHex(v.plain_apdu_hex!);
    assert.equal(apdu[5], 0x0c);
    const dt = decodeCosemDateTime(apdu, 6);
    const mt = v.meter_time!;
    assert.equal(formatLocalText(dt), mt.text);
    assert.equal(dt.deviation ?? null, mt.deviation_min);
    assert.equal((dt.clockStatus ?? 0xff).toString(16).padStart(2, '0').toUpperCase(), mt.clock_status);
    assert.equal(toHex(encodeCosemDateTime(dt)), toHex(apdu.subarray(6, 18)));
  });
}

/** [12 bytes hex, ISO text, local text]. */
const FORMATS: readonly (readonly [string, string, string])[] = [
  ['07E7071A0314051400FF8880', '2023-07-26T20:05:20+02:00', '2023-07-26 20:05:20'],
  ['07E50307070E372100FFC400', '2021-03-07T14:55:33+01:00', '2021-03-07 14:55:33'],
  ['07E7031C02130B14FF800000', '2023-03-28T19:11:20', '2023-03-28 19:11:20'],
  ['07E7031C02130B1432800000', '2023-03-28T19:11:20.50', '2023-03-28 19:11:20'],
  ['07E8021D04000000000000FF', '2024-02-29T00:00:00+00:00', '2024-02-29 00:00:00'],
  ['07E801010100000000003C00', '2024-01-01T00:00:00-01:00', '2024-01-01 00:00:00'],
  ['07E80101FF0000FFFF8000FF', '2024-01-01T00:00', '2024-01-01 00:00'],
  ['FFFFFFFFFF0C1E00FF8000FF', '12:30:00', '12:30:00'],
  ['07E80101FFFFFFFFFF8000FF', '2024-01-01', '2024-01-01'],
  ['FFFFFFFFFFFFFFFFFF8000FF', '', ''],
];

for (const [hex, iso, local] of FORMATS) {
  test(`format ${hex} → ${iso || '(nothing specified)'}`, () => {
    const dt = decodeCosemDateTime(parseHex(hex));
    assert.equal(formatCosemDateTime(dt), iso);
    assert.equal(formatLocalText(dt), local);
    assert.equal(toHex(encodeCosemDateTime(dt)), hex);
  });
}

test('not-specified fields decode to undefined', () => {
  assert.deepEqual(decodeCosemDateTime(parseHex('FFFFFFFFFFFFFFFFFF8000FF')), {});
  assert.deepEqual(decodeCosemDateTime(parseHex('07E7031C02130B14FF800000')), {
    year: 2023,
    month: 3,
    day: 28,
    dayOfWeek: 2,
    hour: 19,
    minute: 11,
    second: 20,
    clockStatus: 0,
  });
});

test('toEpochMs applies the deviation (UTC = local + deviation) and needs it', () => {
  const summer = decodeCosemDateTime(parseHex('07E7071A0314051400FF8880'));
  assert.equal(toEpochMs(summer), Date.parse('2023-07-26T18:05:20Z'));
  assert.equal(toEpochMs(summer), Date.parse(formatCosemDateTime(summer)));
  assert.equal(toEpochMs(decodeCosemDateTime(parseHex('07E7031C02130B14FF800000'))), undefined);
});

/** [12 bytes hex, field named in the message]: impossible fields. */
const IMPOSSIBLE: readonly (readonly [string, string])[] = [
  ['07E70D1A0314051400FF8880', 'month'],
  ['07E7001A0314051400FF8880', 'month'],
  ['07E7FE1A0314051400FF8880', 'month'],
  ['07E7070003140514008000FF', 'day'],
  ['07E7041F0314051400FF8880', 'day 31'],
  ['07E7021D0314051400FF8880', 'day 29'],
  ['07E7071A0814051400FF8880', 'dayOfWeek'],
  ['07E7071A0318051400FF8880', 'hour'],
  ['07E7071A03143C1400FF8880', 'minute'],
  ['07E7071A0314053C00FF8880', 'second'],
  ['07E7071A0314051464FF8880', 'hundredths'],
  ['07E7071A03140514000321FF', 'deviation'],
];

for (const [hex, field] of IMPOSSIBLE) {
  test(`${hex} is refused: ${field}`, () => {
    assert.throws(
      () => decodeCosemDateTime(parseHex(hex)),
      (e: unknown) => e instanceof DecodeError && e.code === 'cosem.date-time' && e.message.includes(field),
    );
  });
}

test('a date-time needs 12 bytes', () => {
  assert.throws(
    () => decodeCosemDateTime(parseHex('07E7071A0314051400FF88')),
    (e: unknown) =>
      e instanceof DecodeError && e.code === 'cosem.date-time' && /12 bytes, got 11/.test(e.message),
  );
});

test('partly specified dates cannot be formatted', () => {
  const dt: CosemDateTime = { year: 2023, day: 1, hour: 1, minute: 0 };
  assert.throws(
    () => formatCosemDateTime(dt),
    (e: unknown) => e instanceof DecodeError && e.code === 'cosem.date-time',
  );
});

test('toCosemDateTime reads clock octet-strings and A-XDR date-time values', () => {
  const clock = decodeAxdr(parseHex('090C07E7071A0314051400FF8880')).value;
  assert.equal(formatCosemDateTime(toCosemDateTime(clock)!), '2023-07-26T20:05:20+02:00');
  const tagged = decodeAxdr(parseHex('1907E7071A0314051400FF8880')).value;
  assert.equal(formatCosemDateTime(toCosemDateTime(tagged)!), '2023-07-26T20:05:20+02:00');
  assert.equal(toCosemDateTime(decodeAxdr(parseHex('0903414243')).value), undefined);
  assert.equal(toCosemDateTime(decodeAxdr(parseHex('120921')).value), undefined);
});
