import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameScanner, crc16x25, type ScanEvent } from '../../src/framing/index.js';
import { toHex } from '../../src/util/hex.js';
import { captureBytes, loadVector, prng } from '../helpers/vectors.js';

const frameHex = (events: ScanEvent[]) =>
  events.flatMap((e) => (e.type === 'frame' ? [toHex(e.frame.bytes)] : []));
const accounted = (events: ScanEvent[]) =>
  events.reduce((n, e) => n + (e.type === 'frame' ? e.frame.bytes.length : e.count), 0);

const docframe = captureBytes(loadVector('salzburg_nooxnet-docframe_3')); // one 99-byte M-Bus frame
const wels = captureBytes(loadVector('wels-im350_shrdzm_1')); // one 114-byte HDLC frame

/** Feeds `prefix` then `frame` byte by byte; returns the index of the byte whose push emitted the frame. */
function emittedAt(prefix: Uint8Array, frame: Uint8Array): number {
  const s = new FrameScanner();
  s.push(prefix);
  for (let i = 0; i < frame.length; i++) {
    if (frameHex(s.push(frame.subarray(i, i + 1))).includes(toHex(frame))) return i;
  }
  return -1;
}

test('a false M-Bus start claiming 200 bytes does not hold back the real frame behind it', () => {
  const falseStart = Uint8Array.of(0x68, 0xc8, 0xc8, 0x68, 0x00, 0x11);
  assert.equal(emittedAt(falseStart, docframe), docframe.length - 1, 'emitted with its last byte');
  const events = new FrameScanner().push(Buffer.concat([falseStart, docframe]));
  assert.deepEqual(frameHex(events), [toHex(docframe)]);
  assert.equal(accounted(events), falseStart.length + docframe.length);
});

test('a false HDLC start with a valid HCS claiming 2 KiB does not hold back the real frame behind it', () => {
  // 7E A7 FF 41 03 13 HCS: a well-formed header of a 2047-byte frame that never comes.
  const h = Uint8Array.of(0x7e, 0xa7, 0xff, 0x41, 0x03, 0x13, 0, 0);
  const hcs = crc16x25(h, 1, 6);
  h[6] = hcs & 0xff;
  h[7] = hcs >> 8;
  assert.equal(emittedAt(h, wels), wels.length - 1);
  assert.equal(emittedAt(h, docframe), docframe.length - 1);
});

test('a truncated frame stays buffered (nothing emitted), flush() reports it, the scanner goes on', () => {
  const s = new FrameScanner();
  assert.deepEqual(s.push(wels.subarray(0, 60)), []);
  assert.equal(s.buffered, 60);
  const flushed = s.flush();
  assert.deepEqual(
    flushed.map((e) => e.type === 'skipped' && [e.count, e.offset]),
    [[60, 0]],
  );
  assert.equal(s.buffered, 0);
  const ev = s.push(wels);
  assert.deepEqual(frameHex(ev), [toHex(wels)]);
  assert.equal(ev[0]!.offset, 60, 'stream offsets continue across flush');
});

test('a truncated frame followed by a whole one: the broken one is skipped, the whole one found', () => {
  for (const [cut, next] of [
    [docframe.subarray(0, 50), docframe],
    [wels.subarray(0, 50), wels],
    [wels.subarray(0, 50), docframe],
  ] as const) {
    const events = new FrameScanner().push(Buffer.concat([cut, next]));
    assert.deepEqual(frameHex(events), [toHex(next)]);
    assert.equal(accounted(events), cut.length + next.length);
  }
});

test('the buffer stays bounded and every byte is accounted for, with offsets in stream order', () => {
  const rnd = prng(99);
  const s = new FrameScanner();
  let pushed = 0;
  let seen = 0;
  for (let k = 0; k < 400; k++) {
    // Start-byte-rich noise: 0x68 / 0x7E / 0xDB / 0x0F with plausible-looking lengths.
    const c = Uint8Array.from({ length: 1 + Math.floor(rnd() * 120) }, () => {
      const r = rnd();
      return r < 0.1 ? 0x68 : r < 0.2 ? 0x7e : r < 0.25 ? 0xdb : r < 0.3 ? 0xa7 : Math.floor(rnd() * 256);
    });
    for (const e of s.push(c)) {
      assert.equal(e.offset, seen, 'events are contiguous');
      seen += e.type === 'frame' ? e.frame.bytes.length : e.count;
    }
    pushed += c.length;
    assert.ok(s.buffered <= 4096, `buffered ${s.buffered}`);
    assert.equal(seen + s.buffered, pushed);
  }
  for (const e of s.flush()) seen += e.type === 'frame' ? e.frame.bytes.length : e.count;
  assert.equal(seen, pushed);
});

test('kinds restricts the link layers looked for', () => {
  const both = Buffer.concat([docframe, wels]);
  assert.deepEqual(frameHex(new FrameScanner({ kinds: ['hdlc'] }).push(both)), [toHex(wels)]);
  assert.deepEqual(frameHex(new FrameScanner({ kinds: ['mbus'] }).push(both)), [toHex(docframe)]);
});
