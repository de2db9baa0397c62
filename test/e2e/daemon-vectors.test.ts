/**
 * Recorded telegrams → real pty (socat) → the real `kaifareader` daemon → Solarview file, with the OLD Python
 * meter.json template as config (only port, key and paths filled in). The expected texts come from the vectors'
 * published values (Wh) in the old script's `{:010.3F}` kWh format.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createPtyPair } from '../helpers/pty.js';
import { loadVector } from '../helpers/vectors.js';
import { countOf, runCli, waitUntil } from './helpers/cli-process.js';
import {
  hexBytes,
  holdsOpen,
  makeTempDir,
  openMeterEnd,
  readIfExists,
  writeLegacyConfig,
} from './helpers/daemon-fixtures.js';

interface Case {
  vector: string;
  meterId: string;
  solarview: string;
}

const CASES: Case[] = [
  {
    vector: 'vorarlberg_philippsev-vkw_1',
    meterId: '1KFM0200175269',
    solarview: '/?!\n/KAIFA\n1.8.0(003744.082*kWh)\n2.8.0(003929.988*kWh)\n!\n',
  },
  // EVN (Netz NÖ) official example: key only, security byte 0x20; 1.8.0 = 12937 Wh, 2.8.0 = 0 Wh.
  {
    vector: 'evn_netznoe-pdf_1',
    meterId: '',
    solarview: '/?!\n/KAIFA\n1.8.0(000012.937*kWh)\n2.8.0(000000.000*kWh)\n!\n',
  },
  // TINETZ 1-phase example: 1.8.0 = 9108 Wh, 2.8.0 = 0 Wh.
  {
    vector: 'tinetz_fneur-example_1',
    meterId: '1KFM0100000035',
    solarview: '/?!\n/KAIFA\n1.8.0(000009.108*kWh)\n2.8.0(000000.000*kWh)\n!\n',
  },
];

for (const c of CASES) {
  test(`${c.vector}: pty → daemon (old meter.json) → exact Solarview file, whole frames and split pieces`, async (t) => {
    const dir = makeTempDir();
    t.after(() => dir.remove());
    const pty = await createPtyPair();
    t.after(() => pty.close());
    const v = loadVector(c.vector);
    const frames = v.frames_hex.map(hexBytes);
    const out = join(dir.path, 'kaifa.txt');
    const config = writeLegacyConfig(dir.path, {
      port: pty.b,
      key_hex_string: v.key_hex,
      logfile: join(dir.path, 'kaifa.log'),
      export_format: 'SOLARVIEW',
      loglevel: 'logging.DEBUG', // the per-telegram lines counted below are debug (issue 9, item 17)
      export_file_abspath: out,
    });
    const daemon = runCli(['--config', config]);
    t.after(() => daemon.stop('SIGKILL'));
    const log = () => daemon.stderr();
    await waitUntil(() => holdsOpen(daemon.pid, pty.b), 'the daemon to open the port', {
      context: log,
      process: daemon,
    });
    assert.doesNotMatch(log(), /invalid configuration|ERROR/);

    const meter = await openMeterEnd(pty.a);
    t.after(() => meter.close());
    await meter.write(frames);
    await waitUntil(() => readIfExists(out) === c.solarview, 'the Solarview file', {
      context: () => `${log()}\nfile: ${JSON.stringify(readIfExists(out))}`,
      process: daemon,
    });
    const firstInode = statSync(out).ino;

    // The same telegram again in 7-byte pieces: the file is replaced (atomic rename → new inode), same text.
    await meter.write(frames, 7);
    await waitUntil(() => statSync(out).ino !== firstInode, 'the Solarview file to be rewritten', {
      context: log,
      process: daemon,
    });
    assert.equal(readIfExists(out), c.solarview);
    // The file can be seen before this process has read the daemon's stderr line about it: wait for the line.
    await waitUntil(
      () => (log().match(/\[meter\] \S+: 1\.8\.0 /g)?.length ?? 0) >= 2,
      'the second telegram line',
      {
        context: log,
        process: daemon,
      },
    );
    assert.equal(log().match(/\[meter\] \S+: 1\.8\.0 /g)?.length, 2, log());
    if (c.meterId) assert.equal(countOf(log(), `${c.meterId}: 1.8.0`), 2, log());
    assert.match(log(), /first telegram decoded/);
    assert.doesNotMatch(log(), /rejected|ERROR/);
    assert.equal(readIfExists(join(dir.path, 'kaifa.log'))?.includes('first telegram decoded'), true);

    const exit = await daemon.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
  });
}
