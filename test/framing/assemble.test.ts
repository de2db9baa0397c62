import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BlockTransferAssembler,
  FrameScanner,
  SegmentAssembler,
  encodeBlockTransfer,
  encodeHdlcFrames,
  encodeMbusFrames,
  type AssembleEvent,
  type LinkFrame,
} from '../../src/framing/index.js';
import { toHex } from '../../src/util/hex.js';
import { captureBytes, loadVector, loadVectors } from '../helpers/vectors.js';

function scanFrames(bytes: Uint8Array): LinkFrame[] {
  return new FrameScanner().push(bytes).flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
}

function assembleAll(frames: LinkFrame[], a = new SegmentAssembler()): AssembleEvent[] {
  return frames.map((f) => a.push(f));
}

/** Total length a general-glo-ciphering APDU claims: DB 08 <8> <A-XDR length> … */
function gloLength(apdu: Uint8Array): number {
  const first = apdu[10]!;
  if (first < 0x80) return 11 + first;
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + apdu[11 + i]!;
  return 11 + n + len;
}

for (const v of loadVectors().filter((x) => x.framing !== 'raw-apdu')) {
  test(`${v.id}: frames assemble into exactly one whole APDU`, () => {
    const events = assembleAll(scanFrames(captureBytes(v)));
    const apdus = events.filter((e) => e.type === 'apdu');
    assert.equal(apdus.length, 1);
    assert.equal(events.at(-1)!.type, 'apdu');
    assert.ok(events.slice(0, -1).every((e) => e.type === 'pending'));
    const done = apdus[0]!.type === 'apdu' ? apdus[0]! : (undefined as never);
    assert.equal(done.frames.length, v.frames_hex.length, 'every frame belongs to the APDU');
    if (done.apdu[0] === 0x0f) {
      assert.equal(v.key_hex, null, 'plaintext only where no key exists');
    } else {
      assert.equal(toHex(done.apdu.subarray(0, 2)), 'DB08');
      assert.equal(
        done.apdu.length,
        gloLength(done.apdu),
        'the A-XDR length covers exactly the assembled bytes',
      );
    }
  });
}

test('e450 general-block-transfer: 3 HDLC frames → blocks 1, 2, 3 → the 272-byte DB 08 APDU', () => {
  const v = loadVector('e450-gbt_dlmsparser_1');
  const events = assembleAll(scanFrames(captureBytes(v)));
  assert.deepEqual(
    events.map((e) => e.type),
    ['pending', 'pending', 'apdu'],
  );
  const done = events[2]!.type === 'apdu' ? events[2]! : (undefined as never);
  assert.equal(done.frames.length, 3);
  assert.equal(toHex(done.apdu.subarray(0, 13)), 'DB084C475A677370B177820103');
  assert.equal(done.apdu.length, 272);
  // Without folding, the link layer hands out the three E0 blocks themselves.
  const raw = assembleAll(scanFrames(captureBytes(v)), new SegmentAssembler({ blockTransfer: false }));
  assert.deepEqual(
    raw.map((e) => (e.type === 'apdu' ? toHex(e.apdu.subarray(0, 4)) : e.type)),
    ['E0400001', 'E0400002', 'E0C00003'],
  );
  const g = new BlockTransferAssembler();
  const out = raw.map((e) => (e.type === 'apdu' ? g.push(e.apdu) : undefined));
  assert.equal(out[2]?.type === 'apdu' && toHex(out[2].apdu), toHex(done.apdu));
});

test('a lost M-Bus segment is an error with the frames involved; a new first segment restarts', () => {
  const t1 = encodeMbusFrames(new Uint8Array(600).fill(1)); // 3 frames
  const t2 = encodeMbusFrames(new Uint8Array(300).fill(2)); // 2 frames
  const a = new SegmentAssembler();
  const ev = [t1[0]!, t1[1]!, t2[0]!, t2[1]!].flatMap((f) => scanFrames(f)).map((f) => a.push(f));
  assert.deepEqual(
    ev.map((e) => e.type),
    ['pending', 'pending', 'error', 'apdu'],
  );
  const err = ev[2]!.type === 'error' ? ev[2]! : (undefined as never);
  assert.equal(err.error.code, 'mbus.segment-order');
  assert.equal(err.frames.length, 2, 'the two orphaned segments');
  assert.equal(ev[3]!.type === 'apdu' && toHex(ev[3]!.apdu), toHex(new Uint8Array(300).fill(2)));
});

test('a continuation segment without its start is an error, never an APDU', () => {
  const [, second] = encodeMbusFrames(new Uint8Array(300).fill(3));
  const r = new SegmentAssembler().push(scanFrames(second!)[0]!);
  assert.equal(r.type === 'error' && r.error.code, 'mbus.segment-order');
});

test('a lost segment followed by a whole single-frame telegram delivers the single frame', () => {
  const [first] = encodeMbusFrames(new Uint8Array(300).fill(4));
  const single = encodeMbusFrames(Uint8Array.of(9, 8, 7));
  const a = new SegmentAssembler();
  assert.equal(a.push(scanFrames(first!)[0]!).type, 'pending');
  const r = a.push(scanFrames(single[0]!)[0]!);
  assert.equal(r.type === 'apdu' && toHex(r.apdu), '090807');
  assert.equal(a.pending, 0);
});

test('HDLC: a frame with a new LLC while segments are pending starts a new APDU (no mixing)', () => {
  const t1 = encodeHdlcFrames(new Uint8Array(300).fill(5), { maxInfo: 128 });
  const t2 = encodeHdlcFrames(new Uint8Array(200).fill(6), { maxInfo: 128 });
  const a = new SegmentAssembler();
  const ev = [t1[0]!, t2[0]!, t2[1]!].flatMap((f) => scanFrames(f)).map((f) => a.push(f));
  assert.deepEqual(
    ev.map((e) => e.type),
    ['pending', 'error', 'apdu'],
  );
  assert.equal(ev[1]!.type === 'error' && ev[1]!.error.code, 'hdlc.segment-order');
  assert.equal(ev[2]!.type === 'apdu' && toHex(ev[2]!.apdu), toHex(new Uint8Array(200).fill(6)));
});

test('general-block-transfer: gap → gbt.sequence, restart at block 1, bad header → error, other APDUs pass', () => {
  const apdu = new Uint8Array(300).map((_, i) => i & 0xff);
  const blocks = encodeBlockTransfer(apdu, 100);
  assert.equal(blocks.length, 3);
  const g = new BlockTransferAssembler();
  assert.equal(g.push(blocks[0]!).type, 'pending');
  const gap = g.push(blocks[2]!);
  assert.equal(gap.type === 'error' && gap.error.code, 'gbt.sequence');
  // After the gap the next transfer is assembled whole.
  const again = blocks.map((b) => g.push(b));
  assert.equal(again[2]!.type === 'apdu' && toHex(again[2]!.apdu), toHex(apdu));
  const truncated = g.push(blocks[0]!.subarray(0, 50));
  assert.equal(truncated.type === 'error' && truncated.error.code, 'apdu.truncated');
  assert.equal(g.push(Uint8Array.of(0x0f, 1)).type, 'apdu');
});
