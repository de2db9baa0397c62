import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeAxdr,
  decodeAxdrLength,
  encodeAxdr,
  encodeAxdrLength,
  type AxdrValue,
} from '../../src/axdr/index.js';
import { parseHex, toHex } from '../../src/util/hex.js';
import { loadVectors } from '../helpers/vectors.js';

const bytes = (hex: string): Uint8Array => parseHex(hex);
const oct = (hex: string): AxdrValue => ({ type: 'octet-string', value: bytes(hex) });

/** [hex, value]: every data tag a push telegram uses, values worked out by hand from the Blue Book layouts. */
const KATS: readonly (readonly [string, AxdrValue])[] = [
  ['00', { type: 'null' }],
  ['0301', { type: 'boolean', value: true }],
  ['0300', { type: 'boolean', value: false }],
  ['040AC040', { type: 'bit-string', bits: '1100000001' }],
  ['040100', { type: 'bit-string', bits: '0' }],
  ['0400', { type: 'bit-string', bits: '' }],
  ['05FFFFFFFE', { type: 'int32', value: -2 }],
  ['057FFFFFFF', { type: 'int32', value: 2147483647 }],
  ['0600392152', { type: 'uint32', value: 3744082 }],
  ['06FFFFFFFF', { type: 'uint32', value: 4294967295 }],
  ['09060100010800FF', oct('0100010800FF')],
  ['0900', oct('')],
  ['0A03414243', { type: 'visible-string', value: 'ABC' }],
  ['0A0E314B464D30323030313735323639', { type: 'visible-string', value: '1KFM0200175269' }],
  ['0C03E282AC', { type: 'utf8-string', value: '€' }],
  ['0D42', { type: 'bcd', value: 42 }],
  ['0FFF', { type: 'int8', value: -1 }],
  ['0F7F', { type: 'int8', value: 127 }],
  ['10FF38', { type: 'int16', value: -200 }],
  ['10091A', { type: 'int16', value: 2330 }],
  ['11C8', { type: 'uint8', value: 200 }],
  ['120921', { type: 'uint16', value: 2337 }],
  ['12FFFF', { type: 'uint16', value: 65535 }],
  ['14FFFFFFFFFFFFFFFF', { type: 'int64', value: -1n }],
  ['148000000000000000', { type: 'int64', value: -9223372036854775808n }],
  ['15FFFFFFFFFFFFFFFF', { type: 'uint64', value: 18446744073709551615n }],
  ['150000000000000102', { type: 'uint64', value: 258n }],
  ['1623', { type: 'enum', value: 35 }],
  ['173F800000', { type: 'float32', value: 1 }],
  ['17C0200000', { type: 'float32', value: -2.5 }],
  ['18400921FB54442D18', { type: 'float64', value: Math.PI }],
  [
    '1907E7071A0314051400FF8880',
    {
      type: 'date-time',
      value: {
        year: 2023,
        month: 7,
        day: 26,
        dayOfWeek: 3,
        hour: 20,
        minute: 5,
        second: 20,
        hundredths: 0,
        deviation: -120,
        clockStatus: 0x80,
      },
      raw: bytes('07E7071A0314051400FF8880'),
    },
  ],
  [
    '19FFFFFFFFFFFFFFFFFF800000',
    { type: 'date-time', value: { clockStatus: 0 }, raw: bytes('FFFFFFFFFFFFFFFFFF800000') },
  ],
  ['1A07E7071AFF', { type: 'date', value: { year: 2023, month: 7, day: 26 }, raw: bytes('07E7071AFF') }],
  ['1B140514FF', { type: 'time', value: { hour: 20, minute: 5, second: 20 }, raw: bytes('140514FF') }],
  [
    '0102110111FF',
    {
      type: 'array',
      items: [
        { type: 'uint8', value: 1 },
        { type: 'uint8', value: 255 },
      ],
    },
  ],
  ['0100', { type: 'array', items: [] }],
  [
    '02020FFF1623',
    {
      type: 'structure',
      items: [
        { type: 'int8', value: -1 },
        { type: 'enum', value: 35 },
      ],
    },
  ],
  // Kaifa register: structure { obis, uint16 value, structure { scaler, unit } }
  [
    '020309060100200700FF12091A02020FFF1623',
    {
      type: 'structure',
      items: [
        oct('0100200700FF'),
        { type: 'uint16', value: 2330 },
        {
          type: 'structure',
          items: [
            { type: 'int8', value: -1 },
            { type: 'enum', value: 35 },
          ],
        },
      ],
    },
  ],
  // compact-array of structure { uint8, uint16 }, contents 6 bytes = two elements
  [
    '130202111206010001020002',
    {
      type: 'compact-array',
      description: { type: 'structure', fields: [{ type: 'uint8' }, { type: 'uint16' }] },
      items: [
        {
          type: 'structure',
          items: [
            { type: 'uint8', value: 1 },
            { type: 'uint16', value: 1 },
          ],
        },
        {
          type: 'structure',
          items: [
            { type: 'uint8', value: 2 },
            { type: 'uint16', value: 2 },
          ],
        },
      ],
    },
  ],
  // compact-array whose element is an array of 3 uint8
  [
    '1301000311 03010203',
    {
      type: 'compact-array',
      description: { type: 'array', count: 3, element: { type: 'uint8' } },
      items: [
        {
          type: 'array',
          items: [
            { type: 'uint8', value: 1 },
            { type: 'uint8', value: 2 },
            { type: 'uint8', value: 3 },
          ],
        },
      ],
    },
  ],
  // compact-array of octet-strings (length-prefixed inside the contents)
  [
    '13090502AABB01CC',
    { type: 'compact-array', description: { type: 'octet-string' }, items: [oct('AABB'), oct('CC')] },
  ],
  ['130900', { type: 'compact-array', description: { type: 'octet-string' }, items: [] }],
];

/** Compares with octet-strings and raw fields as hex (they are views into the input). */
function norm(v: unknown): unknown {
  if (v instanceof Uint8Array) return `hex:${toHex(v)}`;
  if (Array.isArray(v)) return v.map(norm);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
  return v;
}

for (const [hex, expected] of KATS) {
  test(`decode ${hex} → ${expected.type}`, () => {
    const buf = bytes(hex);
    const { value, end } = decodeAxdr(buf);
    assert.deepEqual(norm(value), norm(expected));
    assert.equal(end, buf.length);
  });
  test(`encode ${expected.type} → ${hex}`, () => {
    assert.equal(toHex(encodeAxdr(expected)), toHex(bytes(hex)));
  });
}

test('decodeAxdr starts at the given offset and reports the end', () => {
  const buf = bytes('FFFF1209210000');
  assert.deepEqual(decodeAxdr(buf, 2), { value: { type: 'uint16', value: 2337 }, end: 5 });
});

test('structures nest: a data-notification body of registers', () => {
  const hex =
    '0202' + '020309060100200700FF12091A02020FFF1623' + '020309060100010800FF060039215202020F00161E';
  const { value, end } = decodeAxdr(bytes(hex));
  assert.equal(end, hex.length / 2);
  assert.equal(value.type, 'structure');
  const second = value.type === 'structure' ? value.items[1] : undefined;
  assert.deepEqual(norm(second), {
    type: 'structure',
    items: [
      { type: 'octet-string', value: 'hex:0100010800FF' },
      { type: 'uint32', value: 3744082 },
      {
        type: 'structure',
        items: [
          { type: 'int8', value: 0 },
          { type: 'enum', value: 30 },
        ],
      },
    ],
  });
});

/** [hex, length, end]: the A-XDR length forms. */
const LENGTHS: readonly (readonly [string, number, number])[] = [
  ['00', 0, 1],
  ['7F', 127, 1],
  ['8180', 128, 2],
  ['81F8', 248, 2],
  ['820155', 341, 3],
  ['83010000', 65536, 4],
  ['84FFFFFFFF', 4294967295, 5],
];

for (const [hex, length, end] of LENGTHS) {
  test(`A-XDR length ${hex} = ${length}`, () => {
    assert.deepEqual(decodeAxdrLength(bytes(hex)), { length, end });
  });
  test(`encodeAxdrLength(${length}) = ${hex}`, () => {
    assert.equal(toHex(encodeAxdrLength(length)), hex);
  });
}

test('octet-strings with 1-, 2- and 3-byte lengths decode and re-encode', () => {
  for (const n of [127, 128, 255, 256, 341, 70000]) {
    const data = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
    const enc = encodeAxdr({ type: 'octet-string', value: data });
    const { value, end } = decodeAxdr(enc);
    assert.equal(end, enc.length);
    assert.equal(value.type === 'octet-string' && toHex(value.value), toHex(data));
  }
});

test('every real plaintext body decodes to its last byte and re-encodes to the same bytes', () => {
  let checked = 0;
  for (const v of loadVectors()) {
    if (!v.plain_apdu_hex?.startsWith('0F')) continue;
    const apdu = bytes(v.plain_apdu_hex);
    // data-notification: 0F, invoke id (4), date-time 0C + 12 bytes, then the body
    assert.equal(apdu[5], 0x0c, v.id);
    const { value, end } = decodeAxdr(apdu, 18);
    assert.equal(end, apdu.length, v.id);
    assert.equal(toHex(encodeAxdr(value)), toHex(apdu.subarray(18)), v.id);
    checked++;
  }
  assert.ok(checked >= 8, `only ${checked} plaintexts found`);
});
