import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log/create-logger.js';
import { createRateLimitedLog } from '../../src/log/rate-limit.js';
import type { Logger } from '../../src/log/logger.js';

/** Local-time 2026-11-24 23:40:01, so the expected text does not depend on the machine's zone. */
const T0 = new Date(2026, 10, 24, 23, 40, 1);

function capture(): { stream: Writable; text: () => string } {
  let buf = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      buf += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => buf };
}

function withDir(fn: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-log-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('lines: timestamp, padded level, component, message, key=value fields', () => {
  const c = capture();
  const log = createLogger({ level: 'debug' }, { stream: c.stream, now: () => T0, journal: false });
  log.info('telegram decoded', { meter: '1KFM0200000012', power_import_w: 1234 });
  log.child('mqtt').warn('broker unreachable', {
    error: Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' }),
    attempt: 3,
  });
  log.child('mqtt').child('outbox').error('two\nlines', { path: '/var/lib/x y' });
  log.debug('bytes', { n: 5, ok: true, v: null, skipped: undefined });
  assert.equal(
    c.text(),
    '2026-11-24 23:40:01 INFO  telegram decoded meter=1KFM0200000012 power_import_w=1234\n' +
      '2026-11-24 23:40:01 WARN  [mqtt] broker unreachable error="ECONNREFUSED: connect refused" attempt=3\n' +
      '2026-11-24 23:40:01 ERROR [mqtt/outbox] two\\nlines path="/var/lib/x y"\n' +
      '2026-11-24 23:40:01 DEBUG bytes n=5 ok=true v=null\n',
  );
});

test('journald style: <priority> prefix and no timestamp', () => {
  const c = capture();
  const log = createLogger({ level: 'debug' }, { stream: c.stream, now: () => T0, journal: true });
  log.debug('d');
  log.info('i');
  log.child('serial').warn('w');
  log.error('e');
  assert.equal(c.text(), '<7>d\n<6>i\n<4>[serial] w\n<3>e\n');
});

test('levels below the configured one are dropped', () => {
  const c = capture();
  const log = createLogger({ level: 'warn' }, { stream: c.stream, now: () => T0, journal: true });
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.child('x').error('e');
  assert.equal(c.text(), '<4>w\n<3>[x] e\n');
});

test('fields named like secrets are never printed', () => {
  const c = capture();
  const log = createLogger({ level: 'debug' }, { stream: c.stream, now: () => T0, journal: true });
  const secret = '36C66639E48A8CA4D6BC8B282A793BBB';
  log.info('cfg', {
    key: secret,
    auth_key: secret,
    authKey: secret,
    password: 'pw1',
    mqtt_password: 'pw2',
    token: 'tk',
    nested: { password: 'pw3', list: [{ key: secret }] },
  });
  const text = c.text();
  for (const s of [secret, 'pw1', 'pw2', 'pw3', 'tk"', '=tk']) assert.equal(text.includes(s), false, s);
  assert.equal(
    text,
    '<6>cfg key=<redacted> auth_key=<redacted> authKey=<redacted> password=<redacted> mqtt_password=<redacted> token=<redacted> nested={"password":"<redacted>","list":[{"key":"<redacted>"}]}\n',
  );
});

test(
  'the log file rotates at max_bytes keeping the configured backups, sizes bounded',
  withDir(async (dir) => {
    const file = join(dir, 'kaifa.log');
    const c = capture();
    const log = createLogger(
      { level: 'info', file, maxBytes: 1000, backups: 1 },
      { stream: c.stream, now: () => T0, journal: true },
    );
    for (let i = 0; i < 100; i++) log.info(`line ${String(i).padStart(3, '0')}`, { pad: 'x'.repeat(20) });
    await log.close();
    const lineBytes = '2026-11-24 23:40:01 INFO  line 000 pad=xxxxxxxxxxxxxxxxxxxx\n'.length;
    assert.equal(existsSync(`${file}.2`), false);
    assert.ok(statSync(file).size <= 1000);
    assert.ok(statSync(`${file}.1`).size <= 1000 && statSync(`${file}.1`).size > 1000 - lineBytes);
    const current = readFileSync(file, 'utf8');
    assert.ok(current.endsWith('2026-11-24 23:40:01 INFO  line 099 pad=xxxxxxxxxxxxxxxxxxxx\n'));
    const older = readFileSync(`${file}.1`, 'utf8').trimEnd().split('\n');
    const newer = current.trimEnd().split('\n');
    assert.equal(
      Number(older.at(-1)!.slice(31, 34)) + 1,
      Number(newer[0]!.slice(31, 34)),
      'no line lost between the files',
    );
    assert.equal(c.text().split('\n').length - 1, 100, 'stderr got every line');
  }),
);

test(
  'backups 3 keeps file.1 … file.3; backups 0 truncates',
  withDir(async (dir) => {
    const file = join(dir, 'a.log');
    const log = createLogger(
      { level: 'info', file, maxBytes: 200, backups: 3 },
      { stream: capture().stream, now: () => T0 },
    );
    for (let i = 0; i < 60; i++) log.info(`message number ${i}`);
    await log.close();
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => existsSync(`${file}.${n}`)),
      [true, true, true, false],
    );
    const zero = join(dir, 'z.log');
    const log0 = createLogger(
      { level: 'info', file: zero, maxBytes: 200, backups: 0 },
      { stream: capture().stream, now: () => T0 },
    );
    for (let i = 0; i < 60; i++) log0.info(`message number ${i}`);
    await log0.close();
    assert.equal(existsSync(`${zero}.1`), false);
    assert.ok(statSync(zero).size <= 200);
  }),
);

test(
  'reopen() after logrotate moved the file writes to a fresh file',
  withDir(async (dir) => {
    const file = join(dir, 'k.log');
    const log = createLogger({ level: 'info', file }, { stream: capture().stream, now: () => T0 });
    log.info('before');
    renameSync(file, `${file}.rotated`);
    log.info('still old');
    log.reopen();
    log.info('after');
    await log.close();
    assert.match(readFileSync(`${file}.rotated`, 'utf8'), /before\n.*still old\n$/);
    assert.match(readFileSync(file, 'utf8'), /^2026-11-24 23:40:01 INFO {2}after\n$/);
  }),
);

test(
  'an unwritable log file is reported once on stderr and logging goes on',
  withDir(async (dir) => {
    writeFileSync(join(dir, 'plain'), 'x');
    const c = capture();
    const log = createLogger(
      { level: 'info', file: join(dir, 'plain', 'k.log') },
      { stream: c.stream, now: () => T0, journal: true },
    );
    log.info('one');
    log.info('two');
    await log.close();
    const lines = c.text().split('\n');
    assert.equal(lines.filter((l) => l.includes('cannot write the log file')).length, 1);
    assert.ok(
      lines.some(
        (l) =>
          l.startsWith('<3>[log] cannot write the log file') &&
          l.includes('is a file, not a directory') &&
          l.includes('logging continues on stderr'),
      ),
    );
    assert.ok(lines.includes('<6>one') && lines.includes('<6>two'));
  }),
);

function recorder(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (m: string, f?: Record<string, unknown>) =>
    lines.push(`${level} ${m} ${JSON.stringify(f ?? {})}`);
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return { logger, lines };
}

test('rate limiting: one line per code per interval, then a summary with the count', () => {
  const { logger, lines } = recorder();
  let t = 1_000_000;
  const rl = createRateLimitedLog(logger, { intervalMs: 60_000, now: () => t });
  rl.log('error', 'gcm.auth-failed', 'tag mismatch');
  for (let i = 0; i < 57; i++) {
    t += 1000;
    rl.log('error', 'gcm.auth-failed', 'tag mismatch');
  }
  rl.log('warn', 'mbus.checksum', 'bad checksum');
  assert.deepEqual(lines, [
    'error tag mismatch {"code":"gcm.auth-failed"}',
    'warn bad checksum {"code":"mbus.checksum"}',
  ]);
  t += 3000; // 60 s after the first
  rl.log('error', 'gcm.auth-failed', 'tag mismatch');
  assert.deepEqual(lines.slice(2), [
    'error tag mismatch … repeated 57 times in the last 60 s {"code":"gcm.auth-failed","repeats":57}',
    'error tag mismatch {"code":"gcm.auth-failed"}',
  ]);
  t += 10_000;
  rl.log('error', 'gcm.auth-failed', 'tag mismatch');
  rl.flush();
  assert.equal(lines.length, 4, 'flush() leaves running windows alone');
  rl.flush({ all: true });
  assert.deepEqual(lines.slice(4), [
    'error tag mismatch … repeated once more in the last 10 s {"code":"gcm.auth-failed","repeats":1}',
  ]);
  t += 1000;
  rl.log('error', 'gcm.auth-failed', 'tag mismatch');
  assert.equal(lines.length, 6, 'after a flush the next one is logged at once');
});
