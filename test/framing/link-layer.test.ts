/**
 * The link-layer rules of issue 10 on real frames: HDLC closing flags missing or shared with the next frame, an
 * HDLC header without its opening flag, an APDU behind an LLC whose header was not seen, and the stream's link
 * layer decided once — each in any chunking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameScanner, type ScanEvent } from '../../src/framing/index.js';
import { measurePlainApdu } from '../../src/pipeline/measure.js';
import { captureBytes, loadVector, prng } from '../helpers/vectors.js';

const gbt = loadVector('e450-gbt_dlmsparser_1').frames_hex.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
const wels = captureBytes(loadVector('wels-im350_shrdzm_1'));
const salzburg = captureBytes(loadVector('salzburg_nooxnet-apdu_1')); // a bare 0F … APDU

function scanAll(bytes: Uint8Array, chunking: number, seed = 1) {
  const s = new FrameScanner({ measureApdu: measurePlainApdu });
  const rnd = prng(seed);
  const events: ScanEvent[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = chunking > 0 ? chunking : 1 + Math.floor(rnd() * 90);
    events.push(...s.push(bytes.subarray(at, at + n)));
    at += n;
  }
  events.push(...s.flush());
  const frames = events.filter((e) => e.type === 'frame');
  const errors = events.filter((e) => e.type === 'skipped' && e.code !== 'framing.garbage');
  const bytesSeen = events.reduce((n, e) => n + (e.type === 'frame' ? e.frame.bytes.length : e.count), 0);
  assert.equal(bytesSeen, bytes.length, 'every byte accounted for once');
  return { frames, errors, link: s.linkLayer };
}

const payloads = (frames: ScanEvent[]) =>
  frames.map((e) => (e.type === 'frame' ? Buffer.from(e.frame.payload).toString('hex') : ''));

for (const chunking of [0, 1, 7, 1000]) {
  test(`shared closing flags (7E … FCS 7E … FCS 7E): every frame found, chunks of ${chunking || 'random'}`, () => {
    const shared = Buffer.concat([...gbt.slice(0, -1).map((f) => f.subarray(0, -1)), gbt.at(-1)!]);
    const reference = payloads(scanAll(Buffer.concat(gbt), 1000).frames);
    const r = scanAll(shared, chunking);
    assert.deepEqual(payloads(r.frames), reference);
    assert.deepEqual(r.errors, []);
    assert.equal(r.link, 'hdlc');
  });

  test(`a frame without closing flag at the end of the input is delivered by flush, chunks of ${chunking || 'random'}`, () => {
    const r = scanAll(wels.subarray(0, -1), chunking);
    assert.equal(r.frames.length, 1);
    assert.deepEqual(r.errors, []);
  });

  test(`an HDLC header without its opening flag → hdlc.flag, nothing read; the next frame is, chunks of ${chunking || 'random'}`, () => {
    const noFlag = Uint8Array.from(wels);
    noFlag[0] = 0x00;
    const r = scanAll(Buffer.concat([noFlag, wels]), chunking);
    assert.equal(r.frames.length, 1);
    assert.deepEqual(
      r.errors.map((e) => e.type === 'skipped' && e.code),
      ['hdlc.flag'],
    );
    assert.equal(r.link, 'hdlc');
  });

  test(`an APDU right behind an LLC (a frame whose header was cut off) → hdlc.unverified, chunks of ${chunking || 'random'}`, () => {
    const cut = Buffer.concat([Uint8Array.of(0xe6, 0xe7, 0x00), salzburg]);
    const r = scanAll(cut, chunking);
    assert.equal(r.frames.length, 0);
    assert.deepEqual(
      r.errors.map((e) => e.type === 'skipped' && e.code),
      ['hdlc.unverified'],
    );
  });

  test(`bare APDUs: read in a stream without link layer, not after an HDLC frame, chunks of ${chunking || 'random'}`, () => {
    const alone = scanAll(Buffer.concat([salzburg, salzburg]), chunking);
    assert.equal(alone.frames.length, 2);
    assert.equal(alone.link, 'none');
    const mixed = scanAll(Buffer.concat([wels, salzburg]), chunking);
    assert.deepEqual(
      mixed.frames.map((e) => e.type === 'frame' && e.frame.kind),
      ['hdlc'],
    );
    assert.equal(mixed.link, 'hdlc');
  });
}

test('an M-Bus capture that starts mid-frame (… 01 67 DB 08 …): the APDU is not read (mbus.unverified)', () => {
  const frame = captureBytes(loadVector('salzburg_nooxnet-docframe_3')); // one whole M-Bus frame, DB 08 inside
  const at = Buffer.from(frame).indexOf(Buffer.from([0x01, 0x67, 0xdb, 0x08]));
  assert.ok(at > 0);
  for (const chunking of [0, 1, 1000]) {
    const r = scanAll(Buffer.concat([frame.subarray(at), frame]), chunking);
    assert.deepEqual(
      r.frames.map((e) => e.type === 'frame' && e.frame.kind),
      ['mbus'],
    );
    assert.ok(r.errors.some((e) => e.type === 'skipped' && e.code === 'mbus.unverified'));
    assert.equal(r.link, 'mbus');
  }
});
