/**
 * Serial source against real pseudo-terminals (socat): ordered bytes across split writes, unplug and replug at
 * the same path, a missing port, a port locked by another reader, and permission denied (as `nobody`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, realpathSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SerialSourceConfig } from '../../src/config/types.js';
import {
  createSerialSource,
  describeSerial,
  explainSerialError,
  openSerialPort,
  type OpenSerial,
} from '../../src/transport/serial-source.js';
import { createPtyPair } from '../helpers/pty.js';
import { readableInstall } from '../helpers/readable-install.js';
import { collector, recordingLogger, waitFor } from './util.js';

const serial = (port: string): SerialSourceConfig => ({
  type: 'serial',
  port,
  baudRate: 2400,
  parity: 'none',
  dataBits: 8,
  stopBits: 1,
});

function writeTo(path: string, parts: Uint8Array[]): void {
  const fd = openSync(path, 'r+');
  try {
    for (const p of parts) writeSync(fd, p);
  } finally {
    closeSync(fd);
  }
}

test('describe names port and line settings', () => {
  assert.equal(describeSerial(serial('/dev/ttyUSB0')), '/dev/ttyUSB0 2400 8N1');
  assert.equal(
    describeSerial({ ...serial('/dev/ttyAMA0'), parity: 'even', baudRate: 9600 }),
    '/dev/ttyAMA0 9600 8E1',
  );
});

test('bytes written to the other end arrive in order, whatever the write boundaries', async (t) => {
  const pty = await createPtyPair();
  t.after(() => pty.close());
  const got = collector();
  const source = createSerialSource(serial(pty.b), { logger: recordingLogger() });
  t.after(() => source.stop());
  source.start(got.onData, got.onState);
  await waitFor('open', () => got.states.some((s) => s.state === 'open'));
  const payload = Uint8Array.from({ length: 600 }, (_, i) => (i * 7 + 0x68) & 0xff);
  const parts = [
    payload.subarray(0, 1),
    payload.subarray(1, 2),
    payload.subarray(2, 257),
    payload.subarray(257),
  ];
  writeTo(pty.a, parts);
  await waitFor('all bytes', () => got.bytes.length >= payload.length);
  assert.deepEqual(Uint8Array.from(got.bytes), payload);
  assert.deepEqual(got.errors(), []);
});

test('unplugged and replugged at the same path: one report per cause, then it resumes by itself', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-replug-'));
  const paths = { a: join(dir, 'meter'), b: join(dir, 'ttyUSB-adapter') };
  let pty = await createPtyPair(paths);
  t.after(async () => {
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let attempts = 0;
  const countingOpen: OpenSerial = (cfg, handlers) => {
    attempts++;
    return openSerialPort(cfg, handlers);
  };
  const log = recordingLogger();
  const got = collector();
  const source = createSerialSource(serial(paths.b), { logger: log, maxBackoffMs: 100, open: countingOpen });
  t.after(() => source.stop());
  source.start(got.onData, got.onState);
  await waitFor('open', () => got.states.some((s) => s.state === 'open'));
  writeTo(paths.a, [Buffer.from('before|')]);
  await waitFor('first bytes', () => got.text() === 'before|');

  await pty.close(); // the adapter is unplugged: socat exits and removes both links
  const attemptsAtUnplug = attempts;
  await waitFor('several failed reopen attempts', () => attempts >= attemptsAtUnplug + 6);
  const errors = got.errors();
  assert.deepEqual(
    errors.map((e) => e.code),
    ['EIO', 'ENOENT'],
  );
  assert.match(errors[1]!.message, /no such port/);
  assert.match(errors[1]!.hint!, /ls -l \/dev\/serial\/by-id/);
  assert.equal(log.lines.filter((l) => l.level === 'warn' || l.level === 'error').length, 2);

  pty = await createPtyPair(paths); // plugged in again
  await waitFor('reopened', () => got.states.filter((s) => s.state === 'open').length === 2);
  writeTo(paths.a, [Buffer.from('after')]);
  await waitFor('bytes after replug', () => got.text() === 'before|after');
  assert.equal(log.lines.filter((l) => /reopened after/.test(l.message)).length, 1);
  assert.equal(got.errors().length, 2);
});

test('a missing port reports ENOENT with the hint once and keeps retrying without a log storm', async () => {
  const log = recordingLogger();
  const got = collector();
  let attempts = 0;
  const open: OpenSerial = (cfg, handlers) => {
    attempts++;
    return openSerialPort(cfg, handlers);
  };
  const source = createSerialSource(serial('/dev/serial/by-id/usb-no-such-adapter-if00'), {
    logger: log,
    maxBackoffMs: 50,
    open,
  });
  source.start(got.onData, got.onState);
  await waitFor('retries', () => attempts >= 8);
  await source.stop();
  const stoppedAt = attempts;
  const errors = got.errors();
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.code, 'ENOENT');
  assert.equal(errors[0]!.message, '/dev/serial/by-id/usb-no-such-adapter-if00: no such port');
  assert.equal(log.lines.length, 1);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(attempts, stoppedAt, 'stop() cancels the pending retry');
});

test('a port held by another reader is "in use"; it opens by itself once the other lets go', async (t) => {
  const pty = await createPtyPair();
  t.after(() => pty.close());
  const first = createSerialSource(serial(pty.b), { logger: recordingLogger() });
  const firstGot = collector();
  first.start(firstGot.onData, firstGot.onState);
  t.after(() => first.stop());
  await waitFor('first open', () => firstGot.states.some((s) => s.state === 'open'));

  const got = collector();
  const second = createSerialSource(serial(pty.b), { logger: recordingLogger(), maxBackoffMs: 100 });
  t.after(() => second.stop());
  second.start(got.onData, got.onState);
  const busy = await waitFor('busy error', () => got.errors()[0]);
  assert.equal(busy.code, 'EBUSY');
  assert.match(busy.message, /port in use by another program/);
  assert.match(busy.hint!, /ModemManager/);

  await first.stop();
  await waitFor('second open', () => got.states.some((s) => s.state === 'open'));
  writeTo(pty.a, [Buffer.from('mine now')]);
  await waitFor('bytes', () => got.text() === 'mine now');
});

const setprivWorks =
  spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'true']).status === 0;

test(
  'permission denied (opened as nobody) names the dialout group',
  { skip: !setprivWorks && 'setpriv unavailable' },
  async (t) => {
    const pty = await createPtyPair();
    t.after(() => pty.close());
    const device = realpathSync(pty.b); // /dev/pts/N: the link itself sits in a private temp dir
    chmodSync(device, 0o600);
    // The built module from a copy nobody may read (the checkout may be private, e.g. cloned into a 0700 dir).
    const install = readableInstall();
    const script = `
    const { explainSerialError, openSerialPort } = await import(${JSON.stringify(install.dist('transport/serial-source.js'))});
    const cfg = { type: 'serial', port: ${JSON.stringify(device)}, baudRate: 2400, parity: 'none', dataBits: 8, stopBits: 1 };
    try { await openSerialPort(cfg, { onData() {}, onLost() {} }); console.log(JSON.stringify({ opened: true })); }
    catch (e) { console.log(JSON.stringify(explainSerialError(cfg.port, e, false))); }
  `;
    const r = spawnSync(
      'setpriv',
      [
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        process.execPath,
        '--input-type=module',
        '-e',
        script,
      ],
      { encoding: 'utf8', cwd: install.root, env: { ...process.env, HOME: '/tmp' }, timeout: 20_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const failure = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      code: string;
      message: string;
      hint: string;
    };
    assert.equal(failure.code, 'EACCES');
    assert.equal(failure.message, `${device}: permission denied`);
    // The hint names the user that runs it (issue 9, item 15: it used to say `kaifareader` whoever ran it).
    assert.equal(
      failure.hint,
      `add the user nobody to the group of ${device}, usually dialout (\`ls -l ${device}\` shows it): \`sudo usermod -aG dialout nobody\`, then log in again or restart the service`,
    );
  },
);

test('serialport error texts map to codes and hints', () => {
  const cases: Array<[string, boolean, string]> = [
    ['Error: No such file or directory, cannot open /dev/ttyUSB9', false, 'ENOENT'],
    ['Error: Permission denied, cannot open /dev/ttyUSB0', false, 'EACCES'],
    ['Error Resource temporarily unavailable Cannot lock port', false, 'EBUSY'],
    ['Error: Device or resource busy, cannot open /dev/ttyUSB0', false, 'EBUSY'],
    ['Error: Inappropriate ioctl for device, cannot set', false, 'ENOTTY'],
    ['bad file descriptor', true, 'EIO'],
    ['Error: Input/output error, cannot open /dev/ttyUSB0', false, 'EIO'],
    ['Error baud rate of 7 is not supported on your platform', false, 'serial.open'],
  ];
  for (const [text, lost, code] of cases) {
    assert.equal(explainSerialError('/dev/x', new Error(text), lost).code, code, text);
  }
  assert.equal(explainSerialError('/dev/x', undefined, true).code, 'EIO');
  // The EBUSY hint names the port (it used to print `fuser -v <port>` unfilled), the EACCES one the user.
  assert.equal(
    explainSerialError(
      '/dev/ttyUSB3',
      new Error('Error Resource temporarily unavailable Cannot lock port'),
      false,
    ).hint,
    'another kaifareader, a Python script or ModemManager? `sudo fuser -v /dev/ttyUSB3` shows who',
  );
  assert.match(
    explainSerialError('/dev/ttyUSB3', new Error('Error: Permission denied'), false, 'alice').hint!,
    /^add the user alice to the group of \/dev\/ttyUSB3, .*`sudo usermod -aG dialout alice`/,
  );
  assert.match(
    explainSerialError('/dev/x', new Error('Error baud rate of 7 is not supported'), false).message,
    /baud rate of 7/,
  );
});
