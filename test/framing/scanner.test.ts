import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FrameScanner,
  SegmentAssembler,
  BlockTransferAssembler,
  crc16x25,
  encodeMbusFrames,
  encodeHdlcFrames,
  encodeBlockTransfer,
  type ScanEvent,
} from '../../src/framing/index.js';
import { toHex } from '../../src/util/hex.js';
import { captureBytes, chunk, loadVectors, prng } from '../helpers/vectors.js';

const framed = loadVectors().filter((v) => v.framing !== 'raw-apdu');

function frames(events: ScanEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'frame' ? [toHex(e.frame.bytes)] : []));
}

function scanAll(chunks: Uint8Array[]): ScanEvent[] {
  const s = new FrameScanner();
  return chunks.flatMap((c) => s.push(c));
}

test('CRC-16/X.25 known answers', () => {
  assert.equal(crc16x25(Buffer.from('123456789')), 0x906e);
  assert.equal(crc16x25(new Uint8Array(0)), 0x0000);
  // HCS of the Burgenland E450 frame header A0 76 CE FF 03 13 is 3C 02 (sent low byte first).
  assert.equal(crc16x25(Uint8Array.from([0xa0, 0x76, 0xce, 0xff, 0x03, 0x13])), 0x023c);
});

for (const v of framed) {
  test(`${v.id}: every frame found whole, in one push and in any chunking`, () => {
    const expected = v.frames_hex.map((h) => h.toUpperCase());
    const bytes = captureBytes(v);
    assert.deepEqual(frames(scanAll([bytes])), expected);
    assert.deepEqual(frames(scanAll(chunk(bytes, () => 0))), expected, '1-byte chunks');
    const rnd = prng(v.id.length);
    for (let i = 0; i < 20; i++) assert.deepEqual(frames(scanAll(chunk(bytes, rnd, 40))), expected);
  });

  test(`${v.id}: garbage before, between and after frames is skipped and reported`, () => {
    const g = Uint8Array.from([0x00, 0x68, 0x11, 0xff, 0x7e, 0x16, 0x68, 0x05]);
    const parts = v.frames_hex.flatMap((h) => [g, Buffer.from(h, 'hex')]);
    const events = scanAll([...parts, g].map((p) => Uint8Array.from(p)));
    assert.deepEqual(
      frames(events),
      v.frames_hex.map((h) => h.toUpperCase()),
    );
    assert.ok(events.some((e) => e.type === 'skipped'));
  });
}

test('the assembler rebuilds the APDU of every framed vector', () => {
  for (const v of framed) {
    const a = new SegmentAssembler();
    const gbt = new BlockTransferAssembler();
    const apdus: Uint8Array[] = [];
    for (const e of scanAll([captureBytes(v)])) {
      if (e.type !== 'frame') continue;
      const r = a.push(e.frame);
      if (r.type !== 'apdu') continue;
      const b = gbt.push(r.apdu);
      if (b.type === 'apdu') apdus.push(b.apdu);
    }
    assert.equal(apdus.length, 1, v.id);
    const first = apdus[0]![0];
    assert.ok(first === 0xdb || first === 0x0f, `${v.id}: APDU starts with ${first}`);
  }
});

test('a corrupted checksum is reported with its code and the next frame is still found', () => {
  const [f1, f2] = encodeMbusFrames(new Uint8Array(300).fill(0x55));
  const bad = f1!.slice();
  bad[20]! ^= 0x01;
  const events = scanAll([bad, f2!, ...encodeMbusFrames(Uint8Array.of(1, 2, 3))]);
  assert.ok(events.some((e) => e.type === 'skipped' && e.code === 'mbus.checksum'));
  assert.equal(frames(events).length, 2);

  const h = encodeHdlcFrames(new Uint8Array(50).fill(7))[0]!.slice();
  h[h.length - 3]! ^= 0xff;
  const hev = scanAll([h, encodeHdlcFrames(Uint8Array.of(9))[0]!]);
  assert.ok(hev.some((e) => e.type === 'skipped' && e.code === 'hdlc.fcs'));
  assert.equal(frames(hev).length, 1);
});

test('a truncated frame emits nothing, and a following good frame is found right away', () => {
  const [f] = encodeMbusFrames(new Uint8Array(100).fill(3));
  const s = new FrameScanner();
  assert.deepEqual(s.push(f!.subarray(0, 60)), []);
  const good = encodeMbusFrames(Uint8Array.of(4, 5, 6))[0]!;
  const ev = s.push(good);
  assert.deepEqual(frames(ev), [toHex(good)]);
  assert.ok(ev.some((e) => e.type === 'skipped' && e.code === 'framing.garbage'));
});

test('Sagemcom T210-D quirk: a first frame labelled 68 01 01 68 that carries 257 bytes', () => {
  const apdu = new Uint8Array(252 + 100).map((_, i) => i & 0xff);
  const frames2 = encodeMbusFrames(apdu, { maxSegment: 252, lowByteLength: true });
  // The 257-byte first frame is labelled the way the firmware does: only the low byte of L.
  const first = frames2[0]!;
  assert.equal(first.length, 4 + 257 + 2);
  assert.equal(toHex(first.subarray(0, 4)), '68010168');
  const events = scanAll([first, frames2[1]!]);
  const got = events.filter((e) => e.type === 'frame');
  assert.equal(got.length, 2);
  assert.equal(got[0]!.type === 'frame' && got[0]!.frame.meta.lengthQuirk, true);
  const a = new SegmentAssembler();
  a.push(got[0]!.type === 'frame' ? got[0]!.frame : (undefined as never));
  const r = a.push(got[1]!.type === 'frame' ? got[1]!.frame : (undefined as never));
  assert.equal(r.type === 'apdu' && toHex(r.apdu), toHex(apdu));
});

test('HDLC: 1-, 2- and 4-byte addresses, 11-bit length, segmentation', () => {
  const apdu = new Uint8Array(600).map((_, i) => (i * 7) & 0xff);
  for (const [destination, source] of [
    [[0x41], [0x03]],
    [[0x41], [0x08, 0x83]],
    [[0xcf], [0x00, 0x02, 0x00, 0x23]],
  ]) {
    const fs = encodeHdlcFrames(apdu, { destination, source, maxInfo: 1000 });
    assert.equal(fs.length, 1);
    assert.equal(((fs[0]![1]! & 7) << 8) | fs[0]![2]!, fs[0]!.length - 2, '11-bit length');
    const ev = scanAll([fs[0]!]);
    assert.equal(ev.length, 1);
    assert.equal(ev[0]!.type === 'frame' && toHex(ev[0]!.frame.payload), toHex(apdu));
  }
  const seg = encodeHdlcFrames(apdu, { maxInfo: 128 });
  assert.ok(seg.length > 1);
  const a = new SegmentAssembler();
  const results = scanAll(seg).map((e) => (e.type === 'frame' ? a.push(e.frame) : undefined));
  const last = results.at(-1);
  assert.equal(last?.type === 'apdu' && toHex(last.apdu), toHex(apdu));
});

test('round trip encode → scan → assemble for 10, 250 and 600-byte APDUs (M-Bus and HDLC, with GBT)', () => {
  for (const n of [10, 250, 600]) {
    const apdu = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
    for (const link of [encodeMbusFrames(apdu), encodeHdlcFrames(apdu)]) {
      const a = new SegmentAssembler();
      const out = scanAll(link).flatMap((e) => (e.type === 'frame' ? [a.push(e.frame)] : []));
      const done = out.filter((r) => r.type === 'apdu');
      assert.equal(done.length, 1);
      assert.equal(done[0]!.type === 'apdu' && toHex(done[0]!.apdu), toHex(apdu));
    }
    const g = new BlockTransferAssembler();
    const res = encodeBlockTransfer(apdu, 128).map((b) => g.push(b));
    const fin = res.at(-1)!;
    assert.equal(fin.type === 'apdu' && toHex(fin.apdu), toHex(apdu));
  }
});

test('M-Bus segments out of order or missing are an error, never a mixed APDU', () => {
  const fs = encodeMbusFrames(new Uint8Array(600).fill(1));
  assert.equal(fs.length, 3);
  const a = new SegmentAssembler();
  const evs = scanAll([fs[0]!, fs[2]!]).flatMap((e) => (e.type === 'frame' ? [a.push(e.frame)] : []));
  assert.deepEqual(
    evs.map((e) => e.type),
    ['pending', 'error'],
  );
  const err = evs[1]!;
  assert.equal(err.type === 'error' && err.error.code, 'mbus.segment-order');
  const g = new BlockTransferAssembler();
  const blocks = encodeBlockTransfer(new Uint8Array(300), 100);
  g.push(blocks[0]!);
  const r = g.push(blocks[2]!);
  assert.equal(r.type === 'error' && r.error.code, 'gbt.sequence');
});
