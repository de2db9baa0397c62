import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  crc16x25,
  encodeHdlcFrame,
  encodeHdlcFrames,
  scanHdlcFrame,
  type HdlcScan,
} from '../../src/framing/index.js';
import { parseHex, toHex } from '../../src/util/hex.js';
import { loadVector, loadVectors } from '../helpers/vectors.js';

function frameOf(r: HdlcScan) {
  assert.equal(r.kind, 'frame', JSON.stringify(r));
  return r.kind === 'frame' ? r.frame : (undefined as never);
}

test('every HDLC vector frame verifies (HCS and FCS) and its payload starts with DB 08, 0F or E0', () => {
  const hdlc = loadVectors().filter((v) => v.framing === 'hdlc');
  assert.equal(hdlc.length, 7);
  for (const v of hdlc) {
    for (const h of v.frames_hex) {
      const bytes = parseHex(h);
      const r = scanHdlcFrame(bytes, 0);
      const f = frameOf(r);
      assert.equal(r.kind === 'frame' && r.end, bytes.length, v.id);
      assert.equal(f.segment.final, true, `${v.id}: no vector uses HDLC segmentation`);
      assert.equal(f.meta.length, bytes.length - 2);
      assert.ok(
        [0xdb, 0x0f, 0xe0].includes(f.payload[0]!),
        `${v.id}: payload starts ${toHex(f.payload.subarray(0, 2))}`,
      );
    }
  }
});

/** [vector, destination bytes, source bytes, destination, source, control] as read from the captures' headers. */
const addressing: Array<[string, number, number, number, number, number]> = [
  ['kamstrup-omnipower_dlmsparser_1', 1, 1, 0x41, 0x03, 0x13], // 7E A1 E9 41 03 13
  ['norway-aidon_hassams-hourly_1', 1, 2, 0x41, 0x0883, 0x13], // 7E A1 8A 41 08 83 13
  ['burgenland_amsreader-gh501_1', 2, 1, 0xceff, 0x03, 0x13], // 7E A0 76 CE FF 03 13
  ['wels-im350_shrdzm_1', 1, 4, 0xcf, 0x00020023, 0x13], // 7E A0 70 CF 00 02 00 23 13
  ['norway-kaifa-ma304h3e_hassams-hourly_1', 1, 2, 0x01, 0x0201, 0x10], // 7E A0 9B 01 02 01 10
];
for (const [id, dstLen, srcLen, dst, src, control] of addressing) {
  test(`${id}: ${dstLen}-byte destination, ${srcLen}-byte source address`, () => {
    const f = frameOf(scanHdlcFrame(parseHex(loadVector(id).frames_hex[0]!), 0));
    assert.equal(f.meta.destinationBytes, dstLen);
    assert.equal(f.meta.sourceBytes, srcLen);
    assert.equal(f.meta.destination, dst);
    assert.equal(f.meta.source, src);
    assert.equal(f.meta.control, control);
    assert.equal(f.meta.llc, true);
  });
}

test('11-bit length: Kamstrup A1 E9 = 489 → a 491-byte frame', () => {
  const bytes = parseHex(loadVector('kamstrup-omnipower_dlmsparser_1').frames_hex[0]!);
  assert.equal(toHex(bytes.subarray(1, 3)), 'A1E9');
  const f = frameOf(scanHdlcFrame(bytes, 0));
  assert.equal(f.meta.length, 489);
  assert.equal(f.bytes.length, 491);
});

test('LLC E6 E7 00 is stripped only where present (e450 GBT: first frame only)', () => {
  const frames = loadVector('e450-gbt_dlmsparser_1').frames_hex.map((h) =>
    frameOf(scanHdlcFrame(parseHex(h), 0)),
  );
  assert.deepEqual(
    frames.map((f) => [f.meta.llc, toHex(f.payload.subarray(0, 2))]),
    [
      [true, 'E040'],
      [false, 'E040'],
      [false, 'E0C0'],
    ],
  );
});

const burgenland = parseHex(loadVector('burgenland_amsreader-gh501_1').frames_hex[0]!);
const flip = (at: number, mask = 0x01): Uint8Array => {
  const b = burgenland.slice();
  b[at]! ^= mask;
  return b;
};
/** Error table: [what, bytes, code]. */
const errors: Array<[string, Uint8Array, string]> = [
  ['format type not 0xA', flip(1, 0x10), 'hdlc.format'],
  ['control byte flipped (HCS)', flip(6), 'hdlc.hcs'],
  ['HCS flipped', flip(7), 'hdlc.hcs'],
  ['info byte flipped (FCS)', flip(50), 'hdlc.fcs'],
  ['FCS flipped', flip(burgenland.length - 2), 'hdlc.fcs'],
  [
    '3-byte destination address',
    Uint8Array.of(0x7e, 0xa0, 0x20, 0x02, 0x02, 0x03, 0x03, 0x13),
    'hdlc.format',
  ],
];
for (const [what, bytes, code] of errors) {
  test(`HDLC error: ${what} → ${code}`, () => {
    const r = scanHdlcFrame(bytes, 0);
    assert.equal(r.kind === 'skipped' && r.code, code, JSON.stringify(r));
    assert.equal(r.kind === 'skipped' && r.count, 1);
  });
}

test('a closing flag that is missing or damaged: the FCS decides, the frame ends after its FCS', () => {
  // Changed by issue 10: the closing flag may be missing (Wiener Netze) — before, this was hdlc.format.
  const r = scanHdlcFrame(flip(burgenland.length - 1), 0);
  assert.equal(r.kind, 'frame');
  assert.equal(r.kind === 'frame' && r.end, burgenland.length - 1);
  assert.equal(r.kind === 'frame' && r.frame.meta.closingFlag, false);
  // Without its flag and with a bad FCS, the length is what is wrong.
  const both = flip(burgenland.length - 1);
  both[burgenland.length - 3]! ^= 0x01;
  const bad = scanHdlcFrame(both, 0);
  assert.equal(bad.kind === 'skipped' && bad.code, 'hdlc.length');
});

test('a bad HCS is rejected as soon as the header is in, before the claimed length has arrived', () => {
  const header = flip(7).subarray(0, 9); // 7E A0 76 CE FF 03 13 HCS HCS of a 120-byte frame
  const r = scanHdlcFrame(header, 0);
  assert.equal(r.kind === 'skipped' && r.code, 'hdlc.hcs');
  // The good header alone is need-more.
  assert.equal(scanHdlcFrame(burgenland.subarray(0, 9), 0).kind, 'need-more');
  for (let n = 1; n < burgenland.length; n++) {
    assert.equal(scanHdlcFrame(burgenland.subarray(0, n), 0).kind, 'need-more', `${n}`);
  }
});

test('HCS and FCS are CRC-16/X.25 over format … control and format … info, low byte first', () => {
  const b = burgenland;
  assert.equal(crc16x25(b, 1, 7), b[7]! | (b[8]! << 8));
  assert.equal(crc16x25(b, 1, b.length - 3), b[b.length - 3]! | (b[b.length - 2]! << 8));
});

test('a frame without information field has only an FCS', () => {
  const f = encodeHdlcFrame(new Uint8Array(0), { destination: [0x03], source: [0x41], control: 0x73 });
  assert.equal(f.length, 9); // 7E A0 07 03 41 73 FCS FCS 7E
  assert.equal(toHex(f.subarray(0, 6)), '7EA007034173');
  const got = frameOf(scanHdlcFrame(f, 0));
  assert.equal(got.payload.length, 0);
  assert.equal(got.meta.control, 0x73);
});

test('encoder: the first frame reproduces a captured header; segmentation sets the S bit on all but the last', () => {
  // Re-encoding the Burgenland payload gives the captured frame byte for byte (same addresses, control, LLC).
  const payload = frameOf(scanHdlcFrame(burgenland, 0)).payload;
  assert.equal(toHex(encodeHdlcFrames(payload, { maxInfo: 2000 })[0]!), toHex(burgenland));
  const apdu = new Uint8Array(300).map((_, i) => i & 0xff);
  const frames = encodeHdlcFrames(apdu, { maxInfo: 128 });
  assert.equal(frames.length, 3); // 303 info bytes incl. LLC
  assert.deepEqual(
    frames.map((f) => f[1]! & 0x08),
    [0x08, 0x08, 0x00],
  );
  const noLlc = encodeHdlcFrames(Uint8Array.of(0xe0, 1), { llc: false })[0]!;
  assert.equal(frameOf(scanHdlcFrame(noLlc, 0)).meta.llc, false);
  assert.throws(() => encodeHdlcFrames(apdu, { destination: [0x02, 0x02, 0x03] }), RangeError);
  assert.throws(() => encodeHdlcFrames(apdu, { maxInfo: 5000 }), RangeError);
});
