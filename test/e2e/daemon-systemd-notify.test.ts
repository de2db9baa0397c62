/**
 * The real daemon against a real AF_UNIX datagram socket as $NOTIFY_SOCKET (bound by python3: Node cannot bind
 * one; socat can, but keeps the BARRIER=1 pipe fds open, so every systemd-notify waits 5 s), as systemd runs it with Type=notify and WatchdogSec=: READY=1 after start, WATCHDOG=1 while a TCP meter
 * bridge delivers bytes, none while the bridge stays connected but silent, again while the source reconnects
 * after the bridge went away, STOPPING=1 on SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, runCli, waitUntil } from './helpers/cli-process.js';
import { makeTempDir, VKW, VKW_FRAMES } from './helpers/daemon-fixtures.js';

const RECEIVER = `
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    msg, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(64 * 4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array('i')
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
            for fd in fds:
                os.close(fd)
    sys.stdout.write(msg.decode('utf-8', 'replace') + '\\n\\n')
    sys.stdout.flush()
`;
const count = (text: string, what: string) => text.split(what).length - 1;

test('READY=1, WATCHDOG=1 only while the source is read or reconnecting, STOPPING=1', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const socketPath = join(dir.path, 'notify');
  // Like PID 1: one datagram per message, and the fds passed with BARRIER=1 are closed at once, which ends
  // systemd-notify's wait. Each datagram is printed followed by an empty line.
  const receiver = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => receiver.kill());
  let got = '';
  receiver.stdout.setEncoding('utf8').on('data', (s: string) => (got += s));
  await waitUntil(() => existsSync(socketPath), 'socat to bind the notify socket');

  // A serial-to-TCP bridge that sends the VKW telegram every 200 ms while `feeding`.
  const telegram = Buffer.concat(VKW_FRAMES);
  const peers = new Set<Socket>();
  let feeding = true;
  const bridge = createServer((s) => {
    peers.add(s);
    s.on('close', () => peers.delete(s));
    s.on('error', () => undefined);
  });
  const bridgePort = await freePort();
  await new Promise<void>((ok) => bridge.listen(bridgePort, '127.0.0.1', ok));
  const feeder = setInterval(() => {
    if (feeding) for (const s of peers) s.write(telegram);
  }, 200);
  t.after(() => {
    clearInterval(feeder);
    for (const s of peers) s.destroy();
    bridge.close();
  });

  const config = join(dir.path, 'meter.json');
  writeFileSync(
    config,
    JSON.stringify({
      source: `tcp://127.0.0.1:${bridgePort}`,
      key: VKW.key_hex,
      data_dir: dir.path,
      exports: { solarview: { file: join(dir.path, 'kaifa.txt') } },
    }),
    { mode: 0o600 },
  );
  const daemon = runCli(['run', '--config', config], {
    NOTIFY_SOCKET: socketPath,
    WATCHDOG_USEC: '600000', // keep-alive every 300 ms
    KAIFAREADER_WATCHDOG_SILENCE_S: '1.5',
  });
  t.after(() => daemon.stop('SIGKILL'));
  const wait = (check: () => boolean, what: string, timeoutMs = 20_000) =>
    waitUntil(check, what, {
      context: () => `${daemon.stderr()}\nnotify: ${got}`,
      process: daemon,
      timeoutMs,
    });

  await wait(() => got.includes('READY=1'), 'READY=1');
  assert.match(got, /READY=1\nSTATUS=[a-z-]+: \d+ telegrams/);
  assert.doesNotMatch(daemon.stderr(), /systemd-notify failed/);
  let mark = got.length;
  await wait(() => count(got.slice(mark), 'WATCHDOG=1') >= 3, 'three keep-alives while telegrams arrive');
  assert.match(got.slice(mark), /STATUS=ok: \d+ telegrams, last \d+ s ago/);

  // The bridge stays connected but sends nothing: after 1.5 s of silence the keep-alive stops.
  feeding = false;
  await wait(() => got.slice(mark).includes('watchdog paused: no bytes read for'), 'the paused status');
  await wait(() => /keep-alive stopped/.test(daemon.stderr()), 'the warning in the log');
  mark = got.length;
  await sleep(1500);
  assert.equal(
    count(got.slice(mark), 'WATCHDOG=1'),
    0,
    `keep-alives while the source is silent: ${got.slice(mark)}`,
  );
  assert.ok(count(got.slice(mark), 'STATUS=') >= 2, 'the status goes on while paused');

  // The bridge goes away: the source reconnects on its own timer, which is legitimate — keep-alive again.
  for (const s of peers) s.destroy();
  await new Promise<void>((ok) => bridge.close(() => ok()));
  mark = got.length;
  await wait(() => count(got.slice(mark), 'WATCHDOG=1') >= 2, 'keep-alives while the source reconnects');

  const exit = await daemon.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null });
  // systemd-notify may deliver STOPPING=1 just after the daemon exited (it is not waited for on stop).
  await waitUntil(() => got.includes('STOPPING=1'), 'STOPPING=1', { context: () => got, timeoutMs: 10_000 });
});
