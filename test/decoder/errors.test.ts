/**
 * Error tables: bad input of every layer gives its specific code (through decodeApdu or the whole stream), and after
 * an error no telegram is emitted for that APDU. Round trips: bodies of every layout, encoded with SC 0x20/0x21/0x30
 * or none and framed as M-Bus, HDLC or a bare APDU, decode back to the same readings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeApdu, type ApduContext } from '../../src/pipeline/decode-apdu.js';
import { encodeTelegram } from '../../src/pipeline/encode-telegram.js';
import {
  encodeDataNotification,
  encodeGeneralGloCiphering,
  type CipherFields,
} from '../../src/dlms/encode.js';
import type { AxdrValue } from '../../src/axdr/types.js';
import type { CipherKeys } from '../../src/dlms/decipher.js';
import type { Framing } from '../../src/model/snapshot.js';
import { captureBytes, loadVector, loadVectors, type Vector } from '../helpers/vectors.js';
import { decodeChunks, hex, keysOf, RECEIVED_AT, telegrams, type TelegramEvent } from './support.js';

const ST = hex('4B464D1020007840'); // "KFM" + serial
const EK = hex('00112233445566778899AABBCCDDEEFF');
const AK = hex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const KEYS: CipherKeys = { encryptionKey: EK, authenticationKey: AK };
const WRONG_KEY = 'the key is probably wrong or belongs to another meter';

const ctx = (keys: CipherKeys = KEYS, profile?: string): ApduContext => ({
  keys,
  profile,
  receivedAt: RECEIVED_AT,
  framing: 'raw',
});

function codeOf(apdu: Uint8Array, c: ApduContext = ctx()): string {
  const r = decodeApdu(apdu, c);
  return r.ok ? 'ok' : r.error.code;
}

const cipherFields = (securityControl: number, systemTitle = ST): CipherFields => ({
  key: EK,
  authKey: AK,
  systemTitle,
  invocationCounter: 0x1234,
  securityControl,
});

// ---- A-XDR builders ----
const obis = (code: string): AxdrValue => ({
  type: 'octet-string',
  value: Uint8Array.from(code.split('.').map(Number)),
});
const text = (s: string): AxdrValue => ({
  type: 'octet-string',
  value: Uint8Array.from(Buffer.from(s, 'latin1')),
});
const u16 = (value: number): AxdrValue => ({ type: 'uint16', value });
const u32 = (value: number): AxdrValue => ({ type: 'uint32', value });
const su = (scaler: number, unit: number): AxdrValue => ({
  type: 'structure',
  items: [
    { type: 'int8', value: scaler },
    { type: 'enum', value: unit },
  ],
});
const struct = (...items: AxdrValue[]): AxdrValue => ({ type: 'structure', items });
const DATE_TIME = hex('07E7071A03140514 00 FF88 80'); // 2023-07-26 20:05:20, deviation -120, DST
const V = 35;
const A = 33;
const W = 27;
const WH = 30;

const plaintextOf = (body: AxdrValue, withTime = true): Uint8Array =>
  encodeDataNotification({
    longInvokeId: 0x42,
    dateTime: withTime
      ? {
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
        }
      : undefined,
    body,
  });

/** A TINETZ-style body: {OBIS, value, {scaler, unit}} structures. */
const TINETZ_BODY = struct(
  struct(obis('0.0.96.1.0.255'), text('1KFM0200000001')),
  struct(obis('1.0.32.7.0.255'), u16(2301), su(-1, V)),
  struct(obis('1.0.31.7.0.255'), u16(123), su(-2, A)),
  struct(obis('1.0.1.8.0.255'), u32(123456), su(0, WH)),
);

// ---- error tables through decodeApdu ----

const APDU_ERRORS: Array<[string, string, ApduContext?]> = [
  ['C0010000080000010000FF0200', 'apdu.unknown-tag'], // a get-request is no push telegram
  ['DB084B464D10200078', 'apdu.truncated'], // ends inside the system title
  ['DB084B464D1020007840', 'apdu.truncated'], // ends before the length
  ['DB084B464D102000784020210000000111', 'apdu.truncated'], // announces 32 bytes, has 6
  ['DB084B464D10200078408201', 'apdu.truncated'], // ends inside a 2-byte length
  ['DB074B464D10200078', 'apdu.system-title'],
  ['DB084B464D1020007840840000000000', 'apdu.length'], // 4-byte length form
  ['DB084B464D10200078400321000000', 'apdu.length'], // content shorter than SC + IC
  ['DB084B464D10200078400521000000AA', 'key.missing', ctx({})],
  ['DB084B464D10200078400D30000000AA112233445566778899', 'apdu.truncated'], // SC 0x30 shorter than its tag
  ['DB084B464D102000784006A000000001AA', 'security.unsupported'], // compression bit (0x80) with encryption
  ['0F00000042', 'apdu.truncated'], // data-notification header only
  ['0F00000042010203', 'apdu.date-time'], // date-time neither 00 nor 0C
  ['0F000000420002', 'axdr.truncated'], // body ends inside its first element
];

for (const [h, code, c] of APDU_ERRORS) {
  test(`decodeApdu ${h} → ${code}`, () => {
    const r = decodeApdu(hex(h), c ?? ctx());
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, code);
    assert.ok(r.error.message.length > 10, 'a message that says what is wrong');
  });
}

test('axdr.* of a corrupted plaintext are reported as such when a GCM tag proves the key (SC 0x30)', () => {
  const plain = plaintextOf(TINETZ_BODY);
  const unknownTag = plain.slice();
  // 0F, invoke id (1–4), 0C + date-time (5–17), body 02 04 (18–19), first element's tag at 20
  assert.equal(unknownTag[18], 0x02);
  unknownTag[20] = 0xee;
  const cases: Array<[string, Uint8Array, string]> = [
    ['one byte cut', plain.subarray(0, -1), 'axdr.truncated'],
    ['one byte added', Uint8Array.of(...plain, 0x00), 'axdr.trailing'],
    ['unknown tag', unknownTag, 'axdr.unknown-tag'],
  ];
  for (const [what, pt, code] of cases) {
    assert.equal(codeOf(encodeGeneralGloCiphering(pt, cipherFields(0x30))), code, `${what}, SC 0x30`);
    assert.equal(codeOf(pt), code, `${what}, plaintext`);
    // Without a tag the same damage cannot be told from a wrong key.
    const r = decodeApdu(encodeGeneralGloCiphering(pt, cipherFields(0x21)), ctx());
    assert.ok(
      !r.ok && r.error.code === 'plaintext.invalid' && r.error.message.includes(WRONG_KEY),
      `${what}, SC 0x21`,
    );
  }
});

test('layout.unknown: bare values that no profile matches', () => {
  const body = struct(u16(1), u16(2), u16(3));
  for (const apdu of [plaintextOf(body), encodeGeneralGloCiphering(plaintextOf(body), cipherFields(0x30))]) {
    const r = decodeApdu(apdu, ctx());
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'layout.unknown');
    assert.match(r.error.message, /structure of 3 without OBIS codes.*kaifareader capture/);
  }
});

test('profile.unknown names the known profiles; a profile that does not fit the body is layout.unknown', () => {
  const r = decodeApdu(plaintextOf(TINETZ_BODY), ctx(KEYS, 'no-such-meter'));
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'profile.unknown');
  assert.match(r.error.message, /no-such-meter.*obis-structures.*burgenland-e450/);
  assert.equal(codeOf(plaintextOf(TINETZ_BODY), ctx(KEYS, 'burgenland-e450')), 'layout.unknown');
  assert.equal(codeOf(plaintextOf(TINETZ_BODY), ctx(KEYS, 'obis-structures')), 'ok');
});

// ---- whole stream: wrong keys, damaged frames ----

const decodable = loadVectors().filter((v) => v.decodable);

function referenceTelegram(v: Vector): TelegramEvent {
  const [t] = telegrams(decodeChunks([captureBytes(v)], { keys: keysOf(v) }));
  assert.ok(t, v.id);
  return t;
}

const flipKey = (k: Uint8Array | undefined): Uint8Array => Uint8Array.from(k ?? EK, (b) => b ^ 0x5a);

function onlyError(events: ReturnType<typeof decodeChunks>): string[] {
  assert.equal(telegrams(events).length, 0, 'no telegram after an error');
  return events.flatMap((e) => (e.type === 'error' ? [e.error.code] : e.type === 'skipped' ? [e.code] : []));
}

const tagless = decodable.filter((v) => referenceTelegram(v).snapshot.security.mode === 'encrypted');

test('the fixtures hold tag-less (SC 0x20/0x21) and tagged (SC 0x30) vectors', () => {
  assert.ok(tagless.length >= 4, tagless.map((v) => v.id).join());
  assert.ok(tagless.some((v) => v.id === 'vorarlberg_philippsev-vkw_1'));
});

for (const v of tagless) {
  test(`${v.id}: a wrong key gives plaintext.invalid with "${WRONG_KEY}"`, () => {
    const events = decodeChunks([captureBytes(v)], {
      keys: { encryptionKey: flipKey(keysOf(v).encryptionKey) },
    });
    assert.deepEqual(onlyError(events), ['plaintext.invalid']);
    const e = events.find((x) => x.type === 'error');
    assert.ok(e?.type === 'error' && e.error.message.includes(WRONG_KEY));
    assert.equal(e.error.layer, 'security');
  });
}

for (const v of decodable.filter((x) => referenceTelegram(x).snapshot.security.tagVerified)) {
  test(`${v.id} (SC 0x30): a wrong authentication or encryption key gives gcm.auth-failed`, () => {
    const k = keysOf(v);
    const wrongAk = decodeChunks([captureBytes(v)], {
      keys: { ...k, authenticationKey: flipKey(k.authenticationKey) },
    });
    assert.deepEqual(onlyError(wrongAk), ['gcm.auth-failed']);
    const wrongEk = decodeChunks([captureBytes(v)], {
      keys: { ...k, encryptionKey: flipKey(k.encryptionKey) },
    });
    assert.deepEqual(onlyError(wrongEk), ['gcm.auth-failed']);
    const noKey = decodeChunks([captureBytes(v)], {});
    assert.deepEqual(onlyError(noKey), ['key.missing']);
  });
}

test('mbus.checksum via the stream: the damaged frame is skipped, its partner reported, no telegram', () => {
  const v = loadVector('vorarlberg_philippsev-vkw_1');
  const [f1, f2] = v.frames_hex.map(hex);
  const bad = f1!.slice();
  bad[100]! ^= 0x04;
  const codes = onlyError(decodeChunks([bad, f2!], { keys: keysOf(v) }));
  assert.ok(codes.includes('mbus.checksum'), codes.join());
  assert.ok(codes.includes('mbus.segment-order'), codes.join());
  // The stream recovers: the next good telegram decodes.
  const after = decodeChunks([bad, f2!, f1!, f2!], { keys: keysOf(v) });
  assert.equal(telegrams(after).length, 1);
});

test('hdlc.fcs via the stream: the damaged frame is skipped, no telegram', () => {
  const v = loadVector('burgenland_amsreader-gh501_1');
  const bad = hex(v.frames_hex[0]!);
  bad[60]! ^= 0x10;
  const codes = onlyError(decodeChunks([bad], { keys: keysOf(v) }));
  assert.equal(codes[0], 'hdlc.fcs'); // then the rest of the frame is garbage
  assert.ok(
    codes.slice(1).every((c) => c.startsWith('framing.')),
    codes.join(),
  );
});

test('dsmr.crc: a damaged DSMR telegram with a valid GCM tag; plaintext.invalid without a tag', () => {
  const v = loadVector('luxembourg-smarty_nexxtlab_1');
  const ref = referenceTelegram(v);
  const text = Buffer.from(ref.plaintext).toString('latin1');
  const at = text.indexOf('1-0:1.8.0(') + 12;
  const damaged = Buffer.from(
    text.slice(0, at) + (text[at] === '1' ? '2' : '1') + text.slice(at + 1),
    'latin1',
  );
  const k = keysOf(v);
  const systemTitle = hex(ref.snapshot.security.systemTitle!);
  const fields = (securityControl: number): CipherFields => ({
    key: k.encryptionKey!,
    authKey: k.authenticationKey,
    systemTitle,
    invocationCounter: 7,
    securityControl,
  });
  assert.equal(codeOf(encodeGeneralGloCiphering(damaged, fields(0x30)), ctx(k)), 'dsmr.crc');
  assert.equal(codeOf(encodeGeneralGloCiphering(damaged, fields(0x20)), ctx(k)), 'plaintext.invalid');
  assert.equal(codeOf(encodeGeneralGloCiphering(ref.plaintext, fields(0x20)), ctx(k)), 'ok');
});

// ---- round trips ----

const FRAMINGS: Framing[] = ['mbus', 'hdlc', 'raw'];
const SECURITY = [undefined, 0x20, 0x21, 0x30] as const;

function roundTrip(
  plaintext: Uint8Array,
  framing: Framing,
  sc: number | undefined,
  systemTitle = ST,
  profile?: string,
) {
  const frames = encodeTelegram({
    plaintext,
    framing,
    cipher: sc === undefined ? undefined : cipherFields(sc, systemTitle),
  });
  const events = decodeChunks(frames, { keys: KEYS, profile });
  const problems = events.filter((e) => e.type !== 'telegram');
  assert.deepEqual(problems, [], `${framing}, SC ${sc}`);
  const [t, ...more] = telegrams(events);
  assert.ok(t && more.length === 0, `${framing}, SC ${sc}: one telegram`);
  assert.equal(t.snapshot.framing, framing);
  assert.equal(
    t.snapshot.security.mode,
    sc === undefined ? 'none' : sc === 0x30 ? 'authenticated-encrypted' : 'encrypted',
  );
  assert.equal(t.snapshot.security.tagVerified ?? false, sc === 0x30);
  return t;
}

/**
 * `{OBIS, value}` pairs carry no units; they are implied from the system title's manufacturer (L+G), which a
 * plaintext telegram does not transmit.
 */
function withoutImpliedUnits<T extends { unit?: string }>(
  readings: T[],
  profile: string,
  sc: number | undefined,
): T[] {
  if (sc !== undefined || profile !== 'obis-pairs') return readings;
  return readings.map(({ unit: _unit, ...r }) => r as T);
}

const expectedReadings = (ref: TelegramEvent, sc: number | undefined) =>
  withoutImpliedUnits(ref.snapshot.readings, ref.snapshot.profile, sc);

for (const v of decodable) {
  test(`round trip of ${v.id}'s plaintext: SC none/0x20/0x21/0x30 × M-Bus/HDLC/raw → the same readings`, () => {
    const ref = referenceTelegram(v);
    const st = ref.snapshot.security.systemTitle ? hex(ref.snapshot.security.systemTitle) : ST;
    for (const framing of FRAMINGS) {
      for (const sc of SECURITY) {
        if (sc === undefined && framing === 'raw' && ref.plaintext[0] !== 0x0f) continue; // bare DSMR text has no start byte
        const t = roundTrip(ref.plaintext, framing, sc, st);
        assert.deepEqual(t.snapshot.readings, expectedReadings(ref, sc), `${framing}, SC ${sc}`);
        assert.equal(t.snapshot.profile, ref.snapshot.profile);
      }
    }
  });
}

type Expected = Array<[string, number | string, string?]>;

const LAYOUTS: Array<{
  name: string;
  body: AxdrValue;
  profile: string;
  expected: Expected;
  systemTitle?: string;
}> = [
  {
    name: 'OBIS structures (TINETZ)',
    body: TINETZ_BODY,
    profile: 'obis-structures',
    expected: [
      ['0.0.96.1.0.255', '1KFM0200000001'],
      ['1.0.32.7.0.255', 230.1, 'V'],
      ['1.0.31.7.0.255', 1.23, 'A'],
      ['1.0.1.8.0.255', 123456, 'Wh'],
    ],
  },
  {
    name: 'flat OBIS list (EVN)',
    body: struct(
      { type: 'octet-string', value: DATE_TIME },
      obis('1.0.32.7.0.255'),
      u16(2301),
      su(-1, V),
      obis('1.0.1.7.0.255'),
      u32(812),
      su(0, W),
      text('123456789012'),
    ),
    profile: 'obis-flat',
    expected: [
      ['0.0.1.0.0.255', '2023-07-26 20:05:20'],
      ['1.0.32.7.0.255', 230.1, 'V'],
      ['1.0.1.7.0.255', 812, 'W'],
      ['0.0.96.1.0.255', '123456789012'],
    ],
  },
  {
    name: '{OBIS, value} pairs (L+G E450, units implied for LGZ)',
    body: struct(
      { type: 'octet-string', value: DATE_TIME },
      obis('1.0.1.8.0.255'),
      u32(4408736),
      obis('1.0.1.7.0.255'),
      u32(2893),
    ),
    profile: 'obis-pairs',
    systemTitle: '4C475A6772A9A111',
    expected: [
      ['0.0.1.0.0.255', '2023-07-26 20:05:20'],
      ['1.0.1.8.0.255', 4408736, 'Wh'],
      ['1.0.1.7.0.255', 2893, 'W'],
    ],
  },
  {
    name: 'positions: Netz Burgenland E450',
    body: struct(
      u16(236),
      u16(237),
      u16(235),
      u16(5),
      u16(4),
      u16(26),
      u32(29),
      u32(0),
      u32(31358606),
      u32(7619),
      text('30137181'),
    ),
    profile: 'burgenland-e450',
    expected: [
      ['1.0.32.7.0.255', 236, 'V'],
      ['1.0.52.7.0.255', 237, 'V'],
      ['1.0.72.7.0.255', 235, 'V'],
      ['1.0.31.7.0.255', 0.05, 'A'],
      ['1.0.51.7.0.255', 0.04, 'A'],
      ['1.0.71.7.0.255', 0.26, 'A'],
      ['1.0.1.7.0.255', 29, 'W'],
      ['1.0.2.7.0.255', 0, 'W'],
      ['1.0.1.8.0.255', 31358606, 'Wh'],
      ['1.0.2.8.0.255', 7619, 'Wh'],
      ['0.0.96.1.0.255', '30137181'],
    ],
  },
  {
    name: 'positions: Siemens IM350',
    body: struct(
      obis('0.6.25.9.0.255'),
      text('18037098'),
      { type: 'octet-string', value: hex('0A081700') },
      { type: 'octet-string', value: hex('07E5051303') },
      u32(3531997),
      u32(1),
      u32(392120),
      u32(282666),
      u32(146),
      u32(2),
    ),
    profile: 'siemens-im350',
    expected: [
      ['0.0.96.1.0.255', '18037098'],
      ['1.0.1.8.0.255', 3531997, 'Wh'],
      ['1.0.2.8.0.255', 1, 'Wh'],
      ['1.0.3.8.0.255', 392120, 'varh'],
      ['1.0.4.8.0.255', 282666, 'varh'],
      ['1.0.1.7.0.255', 146, 'W'],
      ['1.0.2.7.0.255', 2, 'W'],
    ],
  },
  {
    name: 'positions: Kaifa MA304 (Norway)',
    body: struct(
      text('KFM_001'),
      text('6970631405808469'),
      text('MA304H3E'),
      ...[119, 1, 2, 289, 678, 808, 1019, 2287, 2301, 2298].map(u32),
      { type: 'octet-string', value: hex('07E402030110000AFF800000') },
      ...[10494991, 3, 79233, 2059951].map(u32),
    ),
    profile: 'kaifa-ma304-norway',
    expected: [
      ['1.1.0.2.129.255', 'KFM_001'],
      ['0.0.96.1.0.255', '6970631405808469'],
      ['0.0.96.1.7.255', 'MA304H3E'],
      ['1.0.1.7.0.255', 119, 'W'],
      ['1.0.2.7.0.255', 1, 'W'],
      ['1.0.3.7.0.255', 2, 'var'],
      ['1.0.4.7.0.255', 289, 'var'],
      ['1.0.31.7.0.255', 0.678, 'A'],
      ['1.0.51.7.0.255', 0.808, 'A'],
      ['1.0.71.7.0.255', 1.019, 'A'],
      ['1.0.32.7.0.255', 228.7, 'V'],
      ['1.0.52.7.0.255', 230.1, 'V'],
      ['1.0.72.7.0.255', 229.8, 'V'],
      ['0.0.1.0.0.255', '2020-02-03 16:00:10'],
      ['1.0.1.8.0.255', 10494991, 'Wh'],
      ['1.0.2.8.0.255', 3, 'Wh'],
      ['1.0.3.8.0.255', 79233, 'varh'],
      ['1.0.4.8.0.255', 2059951, 'varh'],
    ],
  },
];

const asTable = (t: TelegramEvent): Expected =>
  t.snapshot.readings.map((r) => (r.unit ? [r.obis, r.value, r.unit] : [r.obis, r.value]));

for (const l of LAYOUTS) {
  test(`round trip, hand-built body: ${l.name}`, () => {
    const st = l.systemTitle ? hex(l.systemTitle) : ST;
    for (const framing of FRAMINGS) {
      for (const sc of SECURITY) {
        const t = roundTrip(plaintextOf(l.body, l.profile !== 'obis-flat'), framing, sc, st);
        assert.equal(t.snapshot.profile, l.profile, `${framing}, SC ${sc}`);
        const expected =
          sc === undefined && l.profile === 'obis-pairs' ? l.expected.map(([o, v]) => [o, v]) : l.expected;
        assert.deepEqual(asTable(t), expected, `${framing}, SC ${sc}`);
      }
    }
    // The same body read with its profile given explicitly.
    assert.deepEqual(asTable(roundTrip(plaintextOf(l.body), 'mbus', 0x21, st, l.profile)), l.expected);
  });
}

test('round trip, hand-built DSMR text inside the cipher (no CRC line)', () => {
  const dsmr = Buffer.from(
    '/XYZ5\\2ABC\r\n\r\n1-0:1.8.0(000123.456*kWh)\r\n0-0:96.1.1(4530303433)\r\n1-0:32.7.0(230.1*V)\r\n!\r\n',
    'latin1',
  );
  for (const framing of FRAMINGS) {
    for (const sc of [0x20, 0x30]) {
      const t = roundTrip(dsmr, framing, sc);
      assert.equal(t.snapshot.profile, 'dsmr-p1');
      // The decoder states known quantities in their key's unit: 123.456 kWh sent → 123456 Wh (energy_import_wh).
      assert.deepEqual(asTable(t), [
        ['1.0.1.8.0.255', 123456, 'Wh'],
        ['0.0.96.1.1.255', '4530303433'],
        ['1.0.32.7.0.255', 230.1, 'V'],
      ]);
    }
  }
});
