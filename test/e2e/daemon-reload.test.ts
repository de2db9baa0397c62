/**
 * SIGHUP re-reads meter.json (issue 11): a meter added starts reading, a meter removed lets go of its port, a
 * changed key applies, and a broken file keeps the running configuration and says why — all without a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPtyPair } from '../helpers/pty.js';
import { loadVector } from '../helpers/vectors.js';
import { freePort, runCli, waitUntil } from './helpers/cli-process.js';
import { hexBytes, holdsOpen, makeTempDir, openMeterEnd } from './helpers/daemon-fixtures.js';

const VKW = loadVector('vorarlberg_philippsev-vkw_1');
const EVN = loadVector('evn_netznoe-pdf_1');

interface ApiMeter {
  id: string;
  diagnosis: { state: string };
  telegrams_ok: number;
}

test('SIGHUP: meters added, removed and re-keyed without a restart; a broken file keeps what runs', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const a = await createPtyPair();
  t.after(() => a.close());
  const b = await createPtyPair();
  t.after(() => b.close());
  const httpPort = await freePort();
  const config = join(dir.path, 'meter.json');
  const write = (meters: unknown[]) =>
    writeFileSync(
      config,
      JSON.stringify({
        meters,
        data_dir: dir.path,
        exports: { solarview: { file: join(dir.path, '{meter}.txt') } },
        http: { host: '127.0.0.1', port: httpPort },
      }),
      { mode: 0o600 },
    );
  write([{ id: 'home', source: a.b, key: VKW.key_hex }]);
  const daemon = runCli(['--config', config]);
  t.after(() => daemon.stop('SIGKILL'));
  const log = () => daemon.stderr();
  const wait = (check: () => boolean | Promise<boolean>, what: string) =>
    waitUntil(check, what, { context: log, process: daemon, timeoutMs: 15_000 });
  const meters = async () =>
    ((await (await fetch(`http://127.0.0.1:${httpPort}/api/v1/meters`)).json()) as { meters: ApiMeter[] })
      .meters;
  const send = async (pty: { a: string }, frames: string[]) => {
    const m = await openMeterEnd(pty.a);
    try {
      await m.write(frames.map(hexBytes));
    } finally {
      await m.close();
    }
  };
  await wait(() => holdsOpen(daemon.pid, a.b), 'the first port');
  await send(a, VKW.frames_hex);
  await wait(() => log().includes('first telegram decoded'), 'home decodes');

  // Added: `flat` on the second port, with a wrong key first.
  write([
    { id: 'home', source: a.b, key: VKW.key_hex },
    { id: 'flat', source: b.b, key: '00112233445566778899AABBCCDDEEFF' },
  ]);
  process.kill(daemon.pid, 'SIGHUP');
  await wait(() => log().includes('SIGHUP: configuration reloaded: meters added flat'), 'the reload line');
  await wait(() => holdsOpen(daemon.pid, b.b), 'the added meter opens its port');
  for (let i = 0; i < 4; i++) await send(b, EVN.frames_hex);
  await wait(
    async () => (await meters()).find((m) => m.id === 'flat')?.diagnosis.state === 'wrong-key',
    'wrong key',
  );

  // A broken file: nothing changes, the error says why.
  writeFileSync(config, '{ "meters": [ {"id": "home", ', { mode: 0o600 });
  process.kill(daemon.pid, 'SIGHUP');
  await wait(
    () => log().includes('SIGHUP: configuration not reloaded, the running one stays'),
    'the refusal',
  );
  assert.deepEqual(
    (await meters()).map((m) => m.id),
    ['home', 'flat'],
  );

  // Changed (the right key) and removed (home): flat restarts and decodes, home lets go of its port.
  write([{ id: 'flat', source: b.b, key: EVN.key_hex }]);
  process.kill(daemon.pid, 'SIGHUP');
  await wait(
    () => /SIGHUP: configuration reloaded: meters removed home; changed flat/.test(log()),
    'the reload',
  );
  await wait(() => !holdsOpen(daemon.pid, a.b), 'home lets go of its port');
  await wait(() => holdsOpen(daemon.pid, b.b), 'flat reopened');
  await send(b, EVN.frames_hex);
  await wait(
    async () => (await meters()).find((m) => m.id === 'flat')?.diagnosis.state === 'ok',
    'flat decodes',
  );
  assert.deepEqual(
    (await meters()).map((m) => m.id),
    ['flat'],
  );
  assert.equal(daemon.exit(), undefined, 'the daemon restarted or stopped');
  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });
  assert.doesNotMatch(log(), new RegExp(`${VKW.key_hex}|${EVN.key_hex}|00112233445566778899`, 'i'));
});
