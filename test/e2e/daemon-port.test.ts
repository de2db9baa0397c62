/**
 * The serial port going away and coming back while the real daemon runs (a real pty pair made by socat, removed
 * and recreated at the same path): the daemon says so once per cause, never exits, and decodes again by itself.
 * Also a port that does not exist yet at start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPtyPair, type PtyPair } from '../helpers/pty.js';
import { countOf, runCli, waitUntil, type CliProcess } from './helpers/cli-process.js';
import {
  holdsOpen,
  makeTempDir,
  openMeterEnd,
  readIfExists,
  writeLegacyConfig,
  VKW,
  VKW_FRAMES,
} from './helpers/daemon-fixtures.js';

const SOLARVIEW = '/?!\n/KAIFA\n1.8.0(003744.082*kWh)\n2.8.0(003929.988*kWh)\n!\n';

/** Log lines matching `re`. */
const lines = (log: string, re: RegExp): number => log.split('\n').filter((l) => re.test(l)).length;

/** Waits until the daemon holds `pty.b`, writes one telegram into `pty.a`, waits for the file to be (re)written. */
async function sendAndSee(daemon: CliProcess, pty: PtyPair, out: string): Promise<void> {
  const log = () => daemon.stderr();
  await waitUntil(() => holdsOpen(daemon.pid, pty.b), `the daemon to open ${pty.b}`, {
    context: log,
    process: daemon,
  });
  const before = readIfExists(out) === undefined ? undefined : statSync(out).ino;
  const meter = await openMeterEnd(pty.a);
  try {
    await meter.write(VKW_FRAMES);
    await waitUntil(
      () => readIfExists(out) !== undefined && statSync(out).ino !== before,
      'the Solarview file',
      {
        context: log,
        process: daemon,
      },
    );
  } finally {
    await meter.close();
  }
  assert.equal(readIfExists(out), SOLARVIEW);
}

function startDaemon(dir: string, port: string): { daemon: CliProcess; out: string } {
  const out = join(dir, 'kaifa.txt');
  const config = writeLegacyConfig(dir, {
    port,
    key_hex_string: VKW.key_hex,
    logfile: undefined,
    loglevel: 'logging.DEBUG', // the per-telegram lines counted below are debug (issue 9, item 17)
    export_file_abspath: out,
  });
  return { daemon: runCli(['--config', config]), out };
}

test('pty removed and recreated at the same path: one warning per cause, decoding resumes without a restart', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const paths = { a: join(dir.path, 'meter'), b: join(dir.path, 'ttyKAIFA') };
  let pty = await createPtyPair(paths);
  t.after(() => pty.close());
  const { daemon, out } = startDaemon(dir.path, paths.b);
  t.after(() => daemon.stop('SIGKILL'));
  const log = () => daemon.stderr();
  await sendAndSee(daemon, pty, out);

  await pty.close(); // unplugged
  await waitUntil(() => log().includes('port lost'), 'the "port lost" warning', {
    context: log,
    process: daemon,
  });
  await waitUntil(() => log().includes('diagnosis: port-error'), 'the port-error diagnosis', {
    context: log,
    process: daemon,
  });
  await sleep(1500); // several reopen attempts (250, 500, 1000 ms apart) fail meanwhile

  pty = await createPtyPair(paths); // plugged in again
  await sendAndSee(daemon, pty, out);
  await waitUntil(() => log().includes('telegrams decode again'), 'the recovery line', {
    context: log,
    process: daemon,
  });

  assert.equal(daemon.exit(), undefined, 'the daemon exited');
  // One source warning per cause (lost, then missing while socat is gone) and one diagnosis line, however many
  // reopen attempts failed.
  assert.equal(lines(log(), /WARN {2}\[source\] .*: port lost \(adapter unplugged\?\) .*code=EIO/), 1, log());
  assert.ok(lines(log(), /\[source\] .*: no such port /) <= 1, log());
  assert.equal(lines(log(), /WARN {2}\[meter\] diagnosis: port-error — .*port lost/), 1, log());
  assert.equal(lines(log(), /diagnosis: /), 1, log());
  assert.equal(countOf(log(), 'reopened after'), 1, log());
  assert.equal(log().match(/\[meter\] 1KFM0200175269: 1\.8\.0/g)?.length, 2, log());
  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });
});

test('port missing at start: the daemon keeps running, says "no such port" once, and reads when it appears', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const paths = { a: join(dir.path, 'meter'), b: join(dir.path, 'ttyKAIFA') };
  const { daemon, out } = startDaemon(dir.path, paths.b);
  t.after(() => daemon.stop('SIGKILL'));
  const log = () => daemon.stderr();
  await waitUntil(() => log().includes('no such port'), 'the "no such port" warning', {
    context: log,
    process: daemon,
  });
  await sleep(1500); // several reopen attempts fail meanwhile
  assert.equal(lines(log(), /\[source\] .*: no such port /), 1, log());
  assert.equal(
    lines(log(), /WARN {2}\[meter\] diagnosis: port-error — .*no such port: check the cable/),
    1,
    log(),
  );
  assert.match(log(), /WARN {2}\[source\] .*ttyKAIFA: no such port .*hint=.*ls -l \/dev\/serial\/by-id\//);
  assert.equal(daemon.exit(), undefined, 'the daemon exited');

  const pty = await createPtyPair(paths);
  t.after(() => pty.close());
  await sendAndSee(daemon, pty, out);
  assert.equal(lines(log(), /no such port/), 2, log()); // the source warning and the diagnosis, nothing more
  assert.equal(countOf(log(), 'reopened after'), 1, log());
  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });
});
