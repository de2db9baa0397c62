/**
 * Wiener Netze signature trailers through the real daemon (issue 10): a recorded IM350 frame with its 96-byte
 * trailer (SHA-256 ‖ ECDSA P-256) → socat pty → `kaifareader run` with `signature_public_key` → Solarview file.
 * With the meter's published key the readings arrive; with another meter's key the frame is `signature.invalid`
 * and no file is written. Expected values: the capture's own (test/fixtures/peer, see its `source`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPtyPair } from '../helpers/pty.js';
import { loadPeerCaptures } from '../helpers/peer-judge.js';
import { runCli, waitUntil } from './helpers/cli-process.js';
import { holdsOpen, makeTempDir, openMeterEnd, readIfExists } from './helpers/daemon-fixtures.js';
import { fileURLToPath } from 'node:url';

const PEER = loadPeerCaptures(fileURLToPath(new URL('../fixtures/peer', import.meta.url)));
const IM350 = PEER.find((c) => c.id === 'wienernetze-im350_pyir_1')!;
const OTHER = PEER.find((c) => c.id === 'wienernetze-am550-b_pyir_1')!;
const keyOf = (c: typeof IM350): string =>
  (c as unknown as { signature_public_key_hex: string }).signature_public_key_hex;
const frames = IM350.frames_hex.map((h) => Buffer.from(h.replace(/\s+/g, ''), 'hex'));

async function runWith(t: import('node:test').TestContext, publicKey: string) {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const pty = await createPtyPair();
  t.after(() => pty.close());
  const out = join(dir.path, 'solarview.txt');
  const config = join(dir.path, 'meter.json');
  writeFileSync(
    config,
    JSON.stringify({
      source: { port: pty.b },
      key: (IM350 as unknown as { key_hex: string }).key_hex,
      signature_public_key: publicKey,
      data_dir: dir.path,
      logging: { level: 'debug' },
      exports: { solarview: { file: out } },
    }),
  );
  const daemon = runCli(['--config', config]);
  t.after(() => daemon.stop('SIGKILL'));
  await waitUntil(() => holdsOpen(daemon.pid, pty.b), 'the daemon to open the port', {
    context: () => daemon.stderr(),
    process: daemon,
  });
  const meter = await openMeterEnd(pty.a);
  t.after(() => meter.close());
  return { daemon, meter, out };
}

test('signature_public_key: a frame whose trailer verifies gives its readings (whole and in 5-byte pieces)', async (t) => {
  assert.ok(IM350 && OTHER, 'the Wiener Netze peer fixtures exist');
  const { daemon, meter, out } = await runWith(t, keyOf(IM350));
  await meter.write(frames);
  // A+ 1465 Wh, A- 0 Wh (the capture's expected values) in the Solarview kWh format.
  const text = '/?!\n/KAIFA\n1.8.0(000001.465*kWh)\n2.8.0(000000.000*kWh)\n!\n';
  await waitUntil(() => readIfExists(out) === text, 'the Solarview file', {
    context: () => `${daemon.stderr()}\nfile: ${JSON.stringify(readIfExists(out))}`,
    process: daemon,
  });
  await meter.write(frames, 5);
  await waitUntil(
    () => (daemon.stderr().match(/SMS1030788000020: 1\.8\.0/g)?.length ?? 0) >= 2,
    'the second telegram',
    {
      context: () => daemon.stderr(),
      process: daemon,
    },
  );
  assert.doesNotMatch(daemon.stderr(), /signature\.(invalid|missing)/);
  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });
});

test('signature_public_key of another meter: signature.invalid, no readings, the daemon keeps running', async (t) => {
  const { daemon, meter, out } = await runWith(t, keyOf(OTHER));
  await meter.write(frames);
  await waitUntil(() => /signature\.invalid/.test(daemon.stderr()), 'the signature error', {
    context: () => daemon.stderr(),
    process: daemon,
  });
  assert.equal(readIfExists(out), undefined, 'no Solarview file from a frame that fails its signature');
  assert.doesNotMatch(daemon.stderr(), /1\.8\.0 /);
  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });
});
