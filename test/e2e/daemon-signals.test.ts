/**
 * Signals to the real daemon: SIGTERM and SIGINT end it with exit code 0 (also with a telegram half received, a
 * port that is missing, or a dashboard client holding an event stream open); SIGHUP reopens the log file after
 * logrotate moved it, and does not stop the daemon.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, renameSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createPtyPair } from '../helpers/pty.js';
import { freePort, runCli, waitUntil, type CliProcess } from './helpers/cli-process.js';
import {
  holdsOpen,
  makeTempDir,
  openMeterEnd,
  readIfExists,
  writeLegacyConfig,
  VKW,
  VKW_FRAMES,
} from './helpers/daemon-fixtures.js';

const SUMMARY = /\[meter\] 1KFM0200175269: 1\.8\.0 3744\.082 kWh/g;
const summaries = (text: string | undefined) => text?.match(SUMMARY)?.length ?? 0;

async function daemonOnPty(t: test.TestContext, extra: Record<string, unknown> = {}) {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const pty = await createPtyPair();
  t.after(() => pty.close());
  const logfile = join(dir.path, 'kaifa.log');
  const config = writeLegacyConfig(dir.path, {
    port: pty.b,
    key_hex_string: VKW.key_hex,
    logfile,
    loglevel: 'logging.DEBUG', // the per-telegram lines counted below are debug (issue 9, item 17)
    export_file_abspath: join(dir.path, 'kaifa.txt'),
    ...extra,
  });
  const daemon = runCli(['--config', config]);
  t.after(() => daemon.stop('SIGKILL'));
  await waitUntil(() => holdsOpen(daemon.pid, pty.b), 'the daemon to open the port', {
    context: () => daemon.stderr(),
    process: daemon,
  });
  const meter = await openMeterEnd(pty.a);
  t.after(() => meter.close());
  return { dir: dir.path, pty, logfile, daemon, meter };
}

const wait = (daemon: CliProcess, check: () => boolean, what: string) =>
  waitUntil(check, what, { context: () => daemon.stderr(), process: daemon });

test('SIGTERM → exit code 0 after a decoded telegram and with half of the next one in hand', async (t) => {
  const { daemon, meter, logfile } = await daemonOnPty(t);
  await meter.write(VKW_FRAMES);
  await wait(daemon, () => summaries(daemon.stderr()) === 1, 'the first telegram');
  await meter.write([VKW_FRAMES[0]!]);
  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });
  assert.match(daemon.stderr(), /INFO {2}SIGTERM: stopping/);
  assert.match(readIfExists(logfile) ?? '', /SIGTERM: stopping/);
});

test('SIGINT → exit code 0, also while a dashboard client holds /events open', async (t) => {
  const port = await freePort();
  const { daemon, meter } = await daemonOnPty(t, { http: { host: '127.0.0.1', port } });
  await meter.write(VKW_FRAMES);
  await wait(daemon, () => summaries(daemon.stderr()) === 1, 'the first telegram');
  let streamed = '';
  const req = request({ host: '127.0.0.1', port, path: '/events' }, (res) => {
    res.setEncoding('utf8').on('data', (s: string) => (streamed += s));
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  t.after(() => req.destroy());
  await wait(daemon, () => streamed.includes('event: snapshot'), 'the event stream');
  assert.deepEqual(await daemon.stop('SIGINT'), { code: 0, signal: null });
  assert.match(daemon.stderr(), /INFO {2}SIGINT: stopping/);
});

test('SIGTERM while the port is missing (reconnect loop waiting) → exit code 0', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const config = writeLegacyConfig(dir.path, {
    port: join(dir.path, 'ttyMISSING'),
    key_hex_string: VKW.key_hex,
    logfile: undefined,
    export_file_abspath: join(dir.path, 'kaifa.txt'),
  });
  const daemon = runCli(['--config', config]);
  t.after(() => daemon.stop('SIGKILL'));
  await wait(daemon, () => daemon.stderr().includes('diagnosis: port-error'), 'the port-error diagnosis');
  assert.deepEqual(await daemon.stop('SIGTERM'), { code: 0, signal: null });
});

test('SIGHUP after logrotate moved the log: new lines go to a new file at the path, the daemon keeps running', async (t) => {
  const { daemon, meter, logfile } = await daemonOnPty(t);
  await meter.write(VKW_FRAMES);
  await wait(daemon, () => summaries(readIfExists(logfile)) === 1, 'the first telegram in the log file');
  const rotated = `${logfile}.1`;
  renameSync(logfile, rotated);
  process.kill(daemon.pid, 'SIGHUP');
  await wait(daemon, () => existsSync(logfile), 'the log file to be reopened at its path');
  await meter.write(VKW_FRAMES);
  await wait(
    daemon,
    () => summaries(readIfExists(logfile)) === 1 && summaries(daemon.stderr()) === 2,
    'the second telegram in the new log file and on stderr',
  );
  assert.equal(daemon.exit(), undefined, 'SIGHUP stopped the daemon');
  assert.equal(summaries(daemon.stderr()), 2);
  const oldText = readIfExists(rotated) ?? '';
  assert.equal(summaries(oldText), 1, 'a line after SIGHUP went to the rotated file');
  assert.doesNotMatch(readIfExists(logfile) ?? '', /first telegram decoded/);
  assert.deepEqual(await daemon.stop('SIGINT'), { code: 0, signal: null });
  assert.match(readIfExists(logfile) ?? '', /SIGINT: stopping/);
});
