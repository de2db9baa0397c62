/**
 * Integrity first (issue 10 §1): a frame that fails a link-layer check never yields readings, bare APDUs are read
 * only from streams without a link layer, and a multi-frame telegram cut short says how much of it came.
 * Real captures only: test/fixtures/vectors and the peer captures in test/fixtures/peer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadVectors, loadVector, captureBytes, prng } from '../helpers/vectors.js';
import { decodeChunks, keysOf, summary, telegrams } from './support.js';
import { TelegramDecoder } from '../../src/pipeline/telegram-decoder.js';
import { runDecode } from '../../src/cli/decode-command.js';
import { scanHdlcFrame } from '../../src/framing/hdlc.js';

const PEER = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'peer');

const errorCodes = (events: ReturnType<typeof decodeChunks>): string[] =>
  events.flatMap((e) => (e.type === 'error' ? [e.error.code] : e.type === 'skipped' ? [e.code] : []));

test('property: one flipped bit in any HDLC/M-Bus frame of a vector gives no readings from that telegram', () => {
  const vectors = loadVectors().filter((v) => v.decodable && v.framing !== 'raw-apdu');
  assert.ok(vectors.length >= 10);
  const rnd = prng(0x1f11);
  let flips = 0;
  for (const v of vectors) {
    const frames = v.frames_hex.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
    const reference = summary(decodeChunks(frames, { keys: keysOf(v) }));
    assert.equal(telegrams(decodeChunks(frames, { keys: keysOf(v) })).length, 1, v.id);
    for (const [k, frame] of frames.entries()) {
      for (let at = 0; at < frame.length; at++) {
        const damaged = frames.map((f) => f.slice());
        damaged[k]![at]! ^= 1 << Math.floor(rnd() * 8);
        flips++;
        const events = decodeChunks(damaged, { keys: keysOf(v) });
        const hdlcClosingFlag = v.framing === 'hdlc' && at === frame.length - 1;
        if (hdlcClosingFlag) {
          // The one byte no check covers: the closing flag may be missing (the FCS decides). Same readings.
          assert.deepEqual(summary(events).filter(isTelegram), reference.filter(isTelegram), `${v.id} flag`);
          continue;
        }
        assert.equal(telegrams(events).length, 0, `${v.id}: frame ${k} byte ${at} flipped gave readings`);
      }
    }
  }
  assert.ok(flips > 2000, `${flips} flips`);
});

/** The HDLC payloads (LLC stripped) of a capture's frames. */
function decodeBlockTransferFrames(framesHex: string[]): Uint8Array[] {
  return framesHex.map((h) => {
    const r = scanHdlcFrame(Uint8Array.from(Buffer.from(h, 'hex')), 0, true);
    assert.equal(r.kind, 'frame');
    return r.kind === 'frame' ? r.frame.payload.slice() : new Uint8Array();
  });
}

function isTelegram(s: unknown): boolean {
  return typeof s === 'object' && s !== null && 'readings' in s;
}

/** The peer captures whose sources say the frame is broken: no readings, the link error. */
for (const id of [
  'hassams-kaifa-incorrect-header-crc_1',
  'hassams-kaifa-invalid-frame-flag_1',
  'hassams-aidon-se-3ph-invalid-frame-flag_1',
]) {
  test(`${id}: no readings in any chunking, the HDLC error reported, the stream called HDLC`, () => {
    const c = JSON.parse(readFileSync(join(PEER, `${id}.json`), 'utf8')) as { frames_hex: string[] };
    const bytes = Uint8Array.from(Buffer.from(c.frames_hex.join(''), 'hex'));
    const rnd = prng(bytes.length);
    for (let n = 0; n < 20; n++) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length;) {
        const len = n === 0 ? 1 : 1 + Math.floor(rnd() * 60);
        chunks.push(bytes.subarray(at, at + len));
        at += len;
      }
      const d = new TelegramDecoder();
      const events = [...chunks.flatMap((ch) => d.push(ch, 0)), ...d.flush()];
      assert.equal(telegrams(events).length, 0);
      assert.ok(
        errorCodes(events).some((code) => /^hdlc\.(hcs|flag|unverified)$/.test(code)),
        errorCodes(events).join(),
      );
      // A bad HCS proves no frame (the stream stays undecided), but the bytes it claims are not read either.
      assert.ok(d.linkLayer === (id.includes('header-crc') ? 'unknown' : 'hdlc'), d.linkLayer);
    }
    const r = runDecode(c.frames_hex, { verbose: true });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      id.includes('header-crc')
        ? /link layer: not decided/
        : /link layer: HDLC \(bare APDUs inside this stream are not read\)/,
    );
  });
}

test('a bare APDU capture is read and --verbose says the stream has no link layer', () => {
  const v = loadVector('salzburg_nooxnet-apdu_1');
  const r = runDecode(v.frames_hex, { key: v.key_hex ?? undefined, verbose: true });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /link layer: none \(bare APDUs/);
});

test('Czech-style bare general-block-transfer APDUs (E0 …, no link layer, leading garbage) decode like the framed ones', () => {
  // The e450-gbt capture's HDLC frames each carry one E0 block: the same blocks bare, as a meter without HDLC
  // sends them (the documented EG.D / Sagemcom XT211 form: a bare APDU stream).
  const v = loadVector('e450-gbt_dlmsparser_1');
  const framed = summary(decodeChunks([captureBytes(v)], { keys: keysOf(v) }));
  const blocks = decodeBlockTransferFrames(v.frames_hex);
  assert.equal(blocks[0]![0], 0xe0);
  const garbage = Uint8Array.of(0x00, 0x13, 0x37, 0xff);
  const bare = decodeChunks([garbage, ...blocks], { keys: keysOf(v) });
  assert.equal(telegrams(bare).length, 1, errorCodes(bare).join());
  assert.deepEqual(
    telegrams(bare)[0]!.snapshot.readings,
    (framed.find(isTelegram) as { readings: unknown }).readings,
  );
});

test('issue 9 item 10: only the first M-Bus frame of a two-frame telegram → telegram.incomplete "1 of 2 segments"', () => {
  for (const id of ['evn_netznoe-pdf_1', 'vorarlberg_philippsev-vkw_1']) {
    const v = loadVector(id);
    if (v.frames_hex.length !== 2) continue;
    const events = decodeChunks([Uint8Array.from(Buffer.from(v.frames_hex[0]!, 'hex'))], { keys: keysOf(v) });
    const err = events.find((e) => e.type === 'error');
    assert.equal(err?.type === 'error' && err.error.code, 'telegram.incomplete', id);
    assert.match(err?.type === 'error' ? err.error.message : '', /telegram incomplete: 1 of 2 segments/);
    const r = runDecode([v.frames_hex[0]!], { key: v.key_hex ?? undefined, json: true });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /"code":"telegram.incomplete"/);
    assert.doesNotMatch(r.stdout + r.stderr, /no complete M-Bus\/HDLC frame/);
  }
});
