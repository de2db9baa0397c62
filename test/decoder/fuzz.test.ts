/**
 * Property test of the whole pipeline (TelegramDecoder with keys): random bytes and every vector mutated (bit
 * flips, truncation, wrong length fields, garbage between frames, duplicated / dropped / swapped frames), fed in
 * random chunks. For every case: no throw, the scanner never holds more than 4096 bytes, every event is
 * well-formed, and after `flush` every fed byte is accounted for exactly once (frame bytes + skipped counts).
 * A hang would show as this test not finishing.
 *
 * Cases: env KAIFAREADER_FUZZ_CASES (default 100 000; 1 000 000 for a long run). Deterministic seeds: a failure
 * prints its case number and seed, and `KAIFAREADER_FUZZ_SEED=<seed> KAIFAREADER_FUZZ_CASES=1` replays it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TelegramDecoder, type DecoderEvent } from '../../src/pipeline/telegram-decoder.js';
import { DecodeError } from '../../src/errors.js';
import { loadVectors, prng, type Vector } from '../helpers/vectors.js';
import { loadPeerCaptures } from '../helpers/peer-judge.js';
import { fileURLToPath } from 'node:url';
import { hex, keysOf } from './support.js';

const CASES = Number(process.env.KAIFAREADER_FUZZ_CASES ?? 100_000);
const FIRST_SEED = Number(process.env.KAIFAREADER_FUZZ_SEED ?? 1);
const MAX_BUFFER = 4096;

/** The vectors and the decodable peer captures (Nordic lists, Kamstrup, L+G object lists: the newer layouts). */
const PEER_DIR = fileURLToPath(new URL('../fixtures/peer', import.meta.url));
const peers = loadPeerCaptures(PEER_DIR)
  .filter((c) => c.check === 'exact' || c.check === 'decodes-cleanly')
  .map((c) => c as unknown as Vector);
const vectors = [...loadVectors(), ...peers].map((v) => ({
  v,
  frames: v.frames_hex.map(hex),
  keys: keysOf(v),
}));
/** Keys of every vector in turn, plus none: wrong keys are as interesting as right ones. */
const keySets = [...vectors.map((x) => x.keys), {}];

type Rnd = () => number;
const int = (rnd: Rnd, n: number): number => Math.floor(rnd() * n);
const randomBytes = (rnd: Rnd, n: number): Uint8Array => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = int(rnd, 256);
  return b;
};

/** Start bytes and frame-ish fragments: garbage that looks like the start of something. */
const NASTY = [0x68, 0x7e, 0xdb, 0x0f, 0x16, 0xe6, 0x08, 0xa0, 0x00, 0xff];
const nastyBytes = (rnd: Rnd, n: number): Uint8Array => {
  const b = randomBytes(rnd, n);
  for (let i = 0; i < n; i++) if (rnd() < 0.3) b[i] = NASTY[int(rnd, NASTY.length)]!;
  return b;
};

type Mutation = (frames: Uint8Array[], rnd: Rnd) => Uint8Array[];

const pick = (rnd: Rnd, frames: Uint8Array[]): number => int(rnd, frames.length);
const copy = (frames: Uint8Array[]): Uint8Array[] => frames.map((f) => f.slice());

const MUTATIONS: Array<[string, Mutation]> = [
  ['as is', (f) => f],
  [
    'bit flips',
    (f, rnd) => {
      const out = copy(f);
      for (let k = 1 + int(rnd, 3); k > 0; k--) {
        const fr = out[pick(rnd, out)]!;
        fr[int(rnd, fr.length)]! ^= 1 << int(rnd, 8);
      }
      return out;
    },
  ],
  [
    'byte replaced',
    (f, rnd) => {
      const out = copy(f);
      const fr = out[pick(rnd, out)]!;
      fr[int(rnd, fr.length)] = int(rnd, 256);
      return out;
    },
  ],
  [
    'truncated',
    (f, rnd) => {
      const out = copy(f);
      const i = pick(rnd, out);
      out[i] = out[i]!.subarray(0, int(rnd, out[i]!.length));
      return rnd() < 0.5 ? out.slice(0, i + 1) : out;
    },
  ],
  [
    'wrong length field',
    (f, rnd) => {
      const out = copy(f);
      const fr = out[pick(rnd, out)]!;
      const at =
        fr[0] === 0x68
          ? 1 + int(rnd, 2)
          : fr[0] === 0x7e
            ? 1 + int(rnd, 2)
            : Math.min(fr.length - 1, 10 + int(rnd, 3));
      fr[at] = rnd() < 0.5 ? int(rnd, 256) : (fr[at]! + (rnd() < 0.5 ? 1 : 255)) & 0xff;
      return out;
    },
  ],
  [
    'garbage between frames',
    (f, rnd) =>
      f.flatMap((fr) => [nastyBytes(rnd, int(rnd, 40)), fr]).concat([nastyBytes(rnd, int(rnd, 20))]),
  ],
  [
    'duplicated frame',
    (f, rnd) => {
      const i = pick(rnd, f);
      return [...f.slice(0, i + 1), f[i]!, ...f.slice(i + 1)];
    },
  ],
  [
    'dropped frame',
    (f, rnd) => (f.length > 1 ? f.filter((_, i) => i !== pick(rnd, f)) : [f[0]!.subarray(1)]),
  ],
  ['swapped frames', (f) => (f.length > 1 ? [...f].reverse() : [f[0]!, f[0]!])],
  ['random bytes', (_, rnd) => [randomBytes(rnd, int(rnd, 600))]],
  ['start-byte soup', (_, rnd) => [nastyBytes(rnd, int(rnd, 600))]],
];

const OBIS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const CODE = /^[a-z0-9]+\.[a-z0-9-]+$/;

/** Checks one event; returns the number of stream bytes it accounts for. */
function checkEvent(e: DecoderEvent): number {
  switch (e.type) {
    case 'frame':
      assert.ok(e.frame.bytes.length > 0 && e.frame.payload.length <= e.frame.bytes.length);
      // A signature trailer (Wiener Netze) travels with its frame: its bytes are accounted for there.
      return e.frame.bytes.length + (e.frame.trailer?.length ?? 0);
    case 'skipped':
      assert.ok(Number.isInteger(e.count) && e.count > 0, 'skipped count');
      assert.match(e.code, CODE);
      assert.ok(e.reason.length > 0);
      return e.count;
    case 'error':
      assert.ok(e.error instanceof DecodeError, 'errors are DecodeError values');
      assert.match(e.error.code, CODE);
      assert.ok(e.error.message.length > 0);
      return 0;
    case 'telegram': {
      const s = e.snapshot;
      assert.ok(e.frames.length > 0);
      assert.equal(typeof s.meterId, 'string');
      assert.equal(typeof s.profile, 'string');
      for (const r of s.readings) {
        assert.match(r.obis, OBIS);
        assert.ok(typeof r.key === 'string' && r.key.length > 0);
        assert.ok(
          typeof r.value === 'string' || (typeof r.value === 'number' && !Number.isNaN(r.value)),
          `${r.obis} value ${r.value}`,
        );
      }
      return 0;
    }
  }
}

/** The stream, keys and chunking of one case (the same seed always gives the same case). */
function generate(seed: number) {
  const rnd = prng(seed);
  const parts: Uint8Array[] = [];
  for (let n = 1 + int(rnd, 3); n > 0; n--) {
    const x = vectors[int(rnd, vectors.length)]!;
    const [, mutate] = MUTATIONS[int(rnd, MUTATIONS.length)]!;
    parts.push(...mutate(x.frames, rnd));
  }
  const keys = keySets[int(rnd, keySets.length)];
  const maxChunk = rnd() < 0.2 ? 4 : rnd() < 0.5 ? 64 : 1024;
  return { rnd, stream: Buffer.concat(parts), keys, maxChunk };
}

/** Runs one case, checking every property; returns the number of telegrams decoded. */
function runCase(seed: number): number {
  const { rnd, stream, keys, maxChunk } = generate(seed);
  const decoder = new TelegramDecoder({ keys, emitFrames: true });
  let accounted = 0;
  let telegrams = 0;
  const check = (e: DecoderEvent) => {
    accounted += checkEvent(e);
    if (e.type === 'telegram') telegrams++;
  };
  for (let at = 0; at < stream.length;) {
    const n = 1 + int(rnd, maxChunk);
    for (const e of decoder.push(stream.subarray(at, at + n), seed)) check(e);
    at += n;
    assert.ok(decoder.buffered <= MAX_BUFFER, `scanner holds ${decoder.buffered} bytes`);
  }
  for (const e of decoder.flush()) check(e);
  assert.equal(decoder.buffered, 0);
  assert.equal(accounted, stream.length, 'every byte is a frame byte or skipped, exactly once');
  return telegrams;
}

test(`whole pipeline: ${CASES} random and mutated streams never throw, hang or lose bytes`, () => {
  let telegramsSeen = 0;
  for (let i = 0; i < CASES; i++) {
    const seed = FIRST_SEED + i;
    try {
      telegramsSeen += runCase(seed);
    } catch (e) {
      throw new Error(
        `fuzz case ${i} failed (KAIFAREADER_FUZZ_SEED=${seed} replays it): ${(e as Error).stack}`,
      );
    }
  }
  // The generator must also produce decodable streams, or the property would be vacuous.
  if (CASES >= 1000) assert.ok(telegramsSeen > CASES / 20, `${telegramsSeen} telegrams in ${CASES} cases`);
});

test('the mutations keep a vector decodable only when they leave it intact (sanity of the generator)', () => {
  const x = vectors.find((y) => y.v.id === 'vorarlberg_philippsev-vkw_1')!;
  const asIs = new TelegramDecoder({ keys: x.keys }).push(
    Buffer.concat(MUTATIONS[0]![1](x.frames, prng(1))),
    0,
  );
  assert.equal(asIs.filter((e) => e.type === 'telegram').length, 1);
  const swapped = new TelegramDecoder({ keys: x.keys }).push(
    Buffer.concat(MUTATIONS[8]![1](x.frames, prng(1))),
    0,
  );
  assert.equal(swapped.filter((e) => e.type === 'telegram').length, 0);
  assert.ok(swapped.some((e) => e.type === 'error' && e.error.code === 'mbus.segment-order'));
});
