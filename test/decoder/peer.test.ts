/**
 * Captures from other open readers' test suites (test/fixtures/peer, copied from shared/vectors/peer with their
 * provenance): each one through the real CLI (`kaifareader decode --json`, no --profile) is judged by its
 * `check` kind (test/helpers/peer-judge.ts), and through the library every chunking gives the same readings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judgePeer, loadPeerCaptures, peerDecodeArgs } from '../helpers/peer-judge.js';
import { prng, type Vector } from '../helpers/vectors.js';
import { decodeChunks, hex, keysOf, summary, telegrams } from './support.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PEER_DIR = join(ROOT, 'test', 'fixtures', 'peer');
const captures = loadPeerCaptures(PEER_DIR);

for (const c of captures) {
  test(`peer ${c.check}: ${c.id}`, () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'kaifareader'), 'decode', ...peerDecodeArgs(c)],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    assert.equal(r.error, undefined, 'finished within 20 s');
    assert.deepEqual(judgePeer(c, { code: r.status, stdout: r.stdout, stderr: r.stderr }), []);
  });
}

test('the judge fails what it should', () => {
  const c = {
    id: 'x',
    check: 'exact' as const,
    frames_hex: [],
    key_hex: null,
    auth_key_hex: null,
    expected: { '1.0.1.8.0.255': { value: 1.5, unit: 'kWh' } },
    expected_meter_id: 'M1',
  };
  const line = (value: number, unit: string, meter = 'M1') =>
    JSON.stringify({ meter_id: meter, readings: [{ obis: '1.1.1.8.0.255', value, unit }] });
  assert.deepEqual(judgePeer(c, { code: 0, stdout: line(1500, 'Wh'), stderr: '' }), []);
  assert.equal(judgePeer(c, { code: 0, stdout: line(1501, 'Wh'), stderr: '' }).length, 1);
  assert.equal(judgePeer(c, { code: 0, stdout: line(1500, 'Wh', 'M2'), stderr: '' }).length, 1);
  assert.equal(judgePeer(c, { code: 2, stdout: line(1500, 'Wh'), stderr: '' }).length, 1);
  assert.equal(judgePeer(c, { code: 0, stdout: line(1500, 'Wh'), stderr: '    at x (y.js:1:1)' }).length, 1);
  const rejects = { ...c, check: 'rejects' as const, expected: {} };
  assert.equal(judgePeer(rejects, { code: 0, stdout: line(1500, 'Wh'), stderr: '' }).length, 2);
  const fcs = JSON.stringify({ error: { code: 'hdlc.fcs', message: 'bad' } });
  assert.deepEqual(judgePeer(rejects, { code: 1, stdout: fcs, stderr: '' }), []);
  const other = JSON.stringify({ error: { code: 'layout.unknown', message: 'x' } });
  assert.equal(judgePeer(rejects, { code: 1, stdout: other, stderr: '' }).length, 1);
});

/** Splits bytes at random points (1 byte to 64 at a time). */
function randomChunks(bytes: Uint8Array, rnd: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1 + Math.floor(rnd() * 64);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

for (const c of captures.filter((x) => x.check === 'exact' || x.check === 'decodes-cleanly')) {
  test(`peer ${c.id}: any chunking gives the same readings (library)`, () => {
    const keys = keysOf(c as unknown as Vector);
    const frames = c.frames_hex.map(hex);
    const whole = summary(decodeChunks(frames, { keys }));
    assert.ok(telegrams(decodeChunks(frames, { keys })).length > 0, 'decodes');
    const stream = Buffer.concat(frames);
    const rnd = prng(c.id.length * 7919);
    for (let round = 0; round < 8; round++) {
      assert.deepEqual(summary(decodeChunks(randomChunks(stream, rnd), { keys })), whole, `round ${round}`);
    }
    assert.deepEqual(
      summary(
        decodeChunks(
          Array.from(stream, (b) => Uint8Array.of(b)),
          { keys },
        ),
      ),
      whole,
    );
  });
}
