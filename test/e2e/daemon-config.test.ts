/**
 * Bad configurations given to the real daemon: each ends it with exit code 78 (EX_CONFIG) and a message that
 * names the problem and what to do, on stderr; a key of the wrong length is never echoed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './helpers/cli-process.js';
import { makeTempDir, writeLegacyConfig } from './helpers/daemon-fixtures.js';

const SHORT_KEY = '36c66639e48a8ca4d6bc8b282a793b'; // 30 digits

interface Case {
  name: string;
  /** Writes the config into `dir`, returns its path. */
  make(dir: string): string;
  message: RegExp;
}

const legacy = (changes: Record<string, unknown>) => (dir: string) =>
  writeLegacyConfig(dir, { logfile: undefined, export_file_abspath: join(dir, 'kaifa.txt'), ...changes });

const CASES: Case[] = [
  {
    name: 'missing file',
    make: (dir) => join(dir, 'nope', 'meter.json'),
    message: /nope\/meter\.json does not exist — create it .*--config PATH or set KAIFAREADER_CONFIG/,
  },
  {
    name: 'invalid JSON (trailing comma)',
    make: (dir) => {
      const p = join(dir, 'meter.json');
      writeFileSync(p, '{\n  "port": "/dev/ttyUSB0",\n}\n');
      return p;
    },
    message: /invalid JSON at line 3, column 1: .* — JSON allows no comments and no trailing commas/,
  },
  {
    name: 'key of the wrong length',
    make: legacy({ port: '/dev/ttyUSB0', key_hex_string: SHORT_KEY }),
    message:
      /key_hex_string: the key must be 32 hex digits \(16 bytes\), got 30 digits \(the value is not shown\)/,
  },
  {
    name: 'unknown parity',
    make: legacy({ port: '/dev/ttyUSB0', parity: 'serial.PARITY_WEIRD' }),
    message:
      /parity: expected "none", "even", "odd", "mark" or "space" .*got the string "serial\.PARITY_WEIRD"/,
  },
  {
    name: 'missing port',
    make: legacy({ port: undefined }),
    message: /source: needs one of "port" \(serial device\), "tcp", "mqtt" or "replay"/,
  },
];

for (const c of CASES) {
  test(`bad config: ${c.name} → its message and exit code 78`, async (t) => {
    const dir = makeTempDir();
    t.after(() => dir.remove());
    const path = c.make(dir.path);
    const daemon = runCli(['--config', path]);
    t.after(() => daemon.stop('SIGKILL'));
    const exit = await Promise.race([
      daemon.exited,
      new Promise<string>((r) => setTimeout(() => r('still running after 10 s'), 10_000).unref()),
    ]);
    assert.deepEqual(exit, { code: 78, signal: null }, `did not exit with 78:\n${daemon.stderr()}`);
    assert.match(
      daemon.stderr(),
      new RegExp(`invalid configuration in ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:`),
    );
    assert.match(daemon.stderr(), c.message);
    assert.match(daemon.stderr(), /Check it with `kaifareader config check`/);
    assert.equal(daemon.stdout(), '');
    assert.ok(!daemon.stderr().toLowerCase().includes(SHORT_KEY), 'the key was echoed');
  });
}
