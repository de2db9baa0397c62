/**
 * `kaifareader capture` end to end: the built CLI (run `npx tsc -p tsconfig.json` first; `npm test` does)
 * records from a real pty and from a TCP bridge; the file reads back and replays to the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '../../src/transport/capture-file.js';
import { createReplaySource } from '../../src/transport/replay-source.js';
import { createPtyPair } from '../helpers/pty.js';
import { collector, recordingLogger, waitFor } from './util.js';

const BIN = new URL('../../bin/kaifareader', import.meta.url).pathname;
const BUILT = existsSync(new URL('../../dist/cli/capture-command.js', import.meta.url));

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

function runCapture(t: { after(fn: () => void): void }, args: string[]): Run {
  const child = spawn(process.execPath, [BIN, 'capture', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stderr: () => err, exit };
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-capcmd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const skip = !BUILT && 'dist/ not built: run `npx tsc -p tsconfig.json`';

test(
  'capture --duration records pty bytes with times; the file replays to the same bytes',
  { skip },
  async (t) => {
    const pty = await createPtyPair();
    t.after(() => pty.close());
    const out = join(tempDir(t), 'meter.capture');
    const run = runCapture(t, ['--port', pty.b, '--out', out, '--duration', '2']);
    await waitFor('port open', () => run.stderr().includes('capture: reading'));
    const telegram = Uint8Array.from({ length: 260 }, (_, i) => (i * 31 + 0x68) & 0xff);
    const fd = openSync(pty.a, 'r+');
    writeSync(fd, telegram.subarray(0, 100));
    writeSync(fd, telegram.subarray(100));
    closeSync(fd);
    assert.equal(await run.exit, 0, run.stderr());
    assert.match(run.stderr(), new RegExp(`capture: 260 bytes in \\d+ chunks written to ${out}\\n$`));

    const chunks = await readCapture(out);
    assert.deepEqual(Uint8Array.from(chunks.flatMap((c) => [...c.bytes])), telegram);
    assert.ok(chunks.every((c) => c.at !== undefined && Math.abs(c.at - Date.now()) < 60_000));
    assert.match(readFileSync(out, 'utf8'), /^# kaifareader capture .* 2400 8N1 started \d{4}-/);

    const got = collector();
    const replay = createReplaySource(
      { type: 'replay', file: out, speed: 'fast', loop: false },
      { logger: recordingLogger() },
    );
    replay.start(got.onData, got.onState);
    await waitFor('replay ended', () => got.states.some((s) => s.state === 'ended'));
    assert.deepEqual(Uint8Array.from(got.bytes), telegram);
  },
);

test('capture stops cleanly on SIGINT and reports the count; tcp:// works the same', { skip }, async (t) => {
  const clients: Socket[] = [];
  const server = createServer((s) => {
    clients.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const c of clients) c.destroy();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  const out = join(tempDir(t), 'bridge.capture');
  const run = runCapture(t, ['--port', `tcp://127.0.0.1:${port}`, '--out', out]);
  const client = await waitFor('capture connected', () => clients[0]);
  client.write(Buffer.from('7EA0', 'hex'));
  await waitFor('bytes in the file', () => existsSync(out) && readFileSync(out, 'utf8').includes(' 7EA0'));
  run.child.kill('SIGINT');
  assert.equal(await run.exit, 0, run.stderr());
  assert.match(run.stderr(), /capture: reading tcp:\/\/127\.0\.0\.1:\d+\n/);
  assert.match(run.stderr(), /capture: 2 bytes in 1 chunks written to .*bridge\.capture\n$/);
});

test(
  'capture with no bytes says what to check; a bad port fails with its hint and a bad option with usage',
  { skip },
  async (t) => {
    const dir = tempDir(t);
    const run = runCapture(t, [
      '--port',
      join(dir, 'ttyUSB-missing'),
      '--out',
      join(dir, 'x.capture'),
      '--duration',
      '0.5',
    ]);
    assert.equal(await run.exit, 0);
    assert.match(run.stderr(), /no such port — check the cable\/adapter/);
    assert.match(run.stderr(), /capture: no bytes received — check the wiring/);
    assert.equal(run.stderr().match(/no such port/g)!.length, 1);

    const bad = runCapture(t, ['--port', '/dev/null', '--out', join(dir, 'y'), '--databits', '9']);
    assert.notEqual(await bad.exit, 0);
    assert.match(bad.stderr(), /--databits must be one of 5, 6, 7, 8/);

    const unwritable = runCapture(t, ['--port', '/dev/null', '--out', join(dir, 'no', 'such', 'dir', 'z')]);
    assert.equal(await unwritable.exit, 73);
    assert.match(unwritable.stderr(), /cannot write .* choose a writable --out path/);
  },
);
