/**
 * Property test of the framing layer alone: random and mutated byte strings (bit flips, truncations, wrong L,
 * inserted garbage, splices of real captures) in random chunkings never throw, always account for every byte,
 * keep the buffer bounded, and every frame they yield verifies on its own. Cases: KAIFAREADER_FUZZ_CASES
 * (default 100 000).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FrameScanner,
  SegmentAssembler,
  scanHdlcFrame,
  scanMbusFrame,
  type LinkFrame,
} from '../../src/framing/index.js';
import { captureBytes, loadVectors, prng } from '../helpers/vectors.js';

const CASES = Number(process.env.KAIFAREADER_FUZZ_CASES ?? 100_000);
const captures = loadVectors().map(captureBytes);
const rnd = prng(0x6b616966);
const int = (n: number) => Math.floor(rnd() * n);

function randomBytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () =>
    rnd() < 0.15 ? [0x68, 0x7e, 0xdb, 0x0f, 0x16][int(5)]! : int(256),
  );
}

/** One mutated input: a capture (or two), then 1–3 mutations. */
function mutant(): Uint8Array {
  if (rnd() < 0.1) return randomBytes(int(700));
  let b = Uint8Array.from(captures[int(captures.length)]!);
  if (rnd() < 0.3) b = Uint8Array.from(Buffer.concat([b, captures[int(captures.length)]!]));
  for (let m = 1 + int(3); m > 0 && b.length > 0; m--) {
    const at = int(b.length);
    switch (int(5)) {
      case 0: // bit flips
        b[at]! ^= 1 << int(8);
        break;
      case 1: // truncation
        b = b.subarray(0, at);
        break;
      case 2: // wrong length byte near a start
        b[Math.min(b.length - 1, at - (at % 4) + 1)] = int(256);
        break;
      case 3: // inserted garbage
        b = Uint8Array.from(Buffer.concat([b.subarray(0, at), randomBytes(1 + int(40)), b.subarray(at)]));
        break;
      default: // dropped bytes
        b = Uint8Array.from(Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(20))]));
    }
  }
  return b;
}

/** A frame handed out must verify on its own. */
function verifiesAlone(f: LinkFrame): boolean {
  if (f.kind === 'mbus') return scanMbusFrame(f.bytes, 0).kind === 'frame';
  // A frame alone is a whole input (its closing flag may be missing); a shared opening flag is given back.
  if (f.kind === 'hdlc') {
    const bytes = f.meta.sharedFlag ? Uint8Array.of(0x7e, ...f.bytes) : f.bytes;
    return scanHdlcFrame(bytes, 0, true).kind === 'frame';
  }
  return f.bytes.length > 0;
}

test(`framing fuzz: ${CASES} random/mutated inputs never throw, lose no byte, stay bounded`, () => {
  let frames = 0;
  let maxBuffered = 0;
  for (let c = 0; c < CASES; c++) {
    const input = mutant();
    const s = new FrameScanner({ maxBuffer: 4096 });
    const a = new SegmentAssembler();
    let seen = 0;
    const take = (events: ReturnType<FrameScanner['push']>) => {
      for (const e of events) {
        assert.equal(e.offset, seen);
        if (e.type === 'frame') {
          seen += e.frame.bytes.length;
          frames++;
          assert.ok(verifiesAlone(e.frame));
          a.push(e.frame); // must not throw either
        } else {
          assert.ok(e.count > 0);
          seen += e.count;
        }
      }
    };
    for (let at = 0; at < input.length;) {
      const n = rnd() < 0.3 ? 1 : 1 + int(200);
      take(s.push(input.subarray(at, at + n)));
      at += n;
      maxBuffered = Math.max(maxBuffered, s.buffered);
      assert.equal(seen + s.buffered, Math.min(at, input.length));
    }
    take(s.flush());
    assert.equal(seen, input.length, `case ${c}: every byte accounted for`);
  }
  assert.ok(maxBuffered <= 4096);
  assert.ok(frames > CASES / 4, `mutants still contain frames (${frames})`);
});
