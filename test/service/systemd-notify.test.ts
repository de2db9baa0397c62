/**
 * The systemd-notify wrapper: off without $NOTIFY_SOCKET, the watchdog period from $WATCHDOG_USEC/$WATCHDOG_PID,
 * and a missing binary gives one specific warning (not one per message) and never throws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSystemdNotify, watchdogIntervalMs } from '../../src/service/systemd-notify.js';
import type { Logger } from '../../src/log/logger.js';

function recordingLogger() {
  const lines: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => lines.push(m),
    error: (m) => lines.push(m),
    child: () => logger,
  };
  return { logger, lines };
}

test('without $NOTIFY_SOCKET nothing is spawned and no watchdog runs', async () => {
  let spawned = 0;
  const n = createSystemdNotify({
    env: { WATCHDOG_USEC: '60000000' },
    logger: recordingLogger().logger,
    spawn: () => {
      spawned++;
      throw new Error('must not run');
    },
  });
  assert.equal(n.enabled, false);
  assert.equal(n.watchdogIntervalMs, undefined);
  await n.send({ READY: '1' });
  assert.equal(spawned, 0);
});

test('the keep-alive period is half of $WATCHDOG_USEC, and only for the process $WATCHDOG_PID names', () => {
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '60000000' }, 42), 30_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '42' }, 42), 30_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '7' }, 42), undefined);
  assert.equal(watchdogIntervalMs({}, 42), undefined);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }, 42), undefined);
});

test('a missing systemd-notify is one warning that says what to do, and send() still resolves', async () => {
  const { logger, lines } = recordingLogger();
  const n = createSystemdNotify({
    env: { NOTIFY_SOCKET: '/run/systemd/notify' },
    logger,
    command: '/nonexistent/systemd-notify',
  });
  assert.equal(n.enabled, true);
  await n.send({ READY: '1', STATUS: 'ok' });
  await n.send({ WATCHDOG: '1' });
  await n.send({ WATCHDOG: '1' });
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /systemd-notify not found: .*install the systemd package or set Type=exec/);
});

test('fields sent while a child runs are merged into the next message, newlines flattened', async () => {
  const calls: string[][] = [];
  const { spawn } = await import('node:child_process');
  const n = createSystemdNotify({
    env: { NOTIFY_SOCKET: '/nowhere' },
    logger: recordingLogger().logger,
    spawn: (_c, args) => {
      calls.push(args);
      return spawn('true', []);
    },
  });
  const first = n.send({ READY: '1' });
  const second = n.send({ STATUS: 'a' });
  const third = n.send({ STATUS: 'b\nSTOPPING=1', WATCHDOG: '1' });
  await Promise.all([first, second, third]);
  assert.deepEqual(calls, [['READY=1'], ['STATUS=b STOPPING=1', 'WATCHDOG=1']]);
});
