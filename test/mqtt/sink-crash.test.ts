/** kill -9 of a process running the MQTT sink: the backlog survives in the outbox; the last will says offline. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createMqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import type { MqttConfig } from '../../src/config/types.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { mqttConfig, recordingLogger, subscribe, waitFor, tempDir } from './fixtures/support.js';

const RECEIVED = Date.parse('2023-07-26T18:05:21Z');
const STATE = 'kaifareader/1KFM0200175269/state';
const CHILD = new URL('./fixtures/child.ts', import.meta.url).pathname;

type T = { after(fn: () => unknown): void };

interface Child {
  proc: ChildProcess;
  lines: string[];
  send(line: string): void;
  waitLine(prefix: string): Promise<string>;
  kill9(): Promise<void>;
  /** Throws when the child exited on its own (e.g. failed to start; its stderr is in the test output). */
  assertAlive(): void;
}

function startChild(t: T, config: MqttConfig, dataDir: string): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ config, dataDir })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  t.after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    return exited;
  });
  const lines: string[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  return {
    proc,
    lines,
    send: (line) => void proc.stdin!.write(`${line}\n`),
    assertAlive() {
      if (proc.exitCode !== null) throw new Error(`the child exited with code ${proc.exitCode}`);
    },
    async waitLine(prefix) {
      await waitFor(
        `child line ${prefix}`,
        () => {
          if (proc.exitCode !== null) throw new Error(`the child exited with code ${proc.exitCode}`);
          return lines.some((l) => l.startsWith(prefix));
        },
        15_000,
      );
      return lines.find((l) => l.startsWith(prefix))!;
    },
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

test('kill -9 while the broker is down: a new process with the same data dir delivers the backlog in order', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, [STATE]);
  t.after(() => sub.end());
  await broker.stop();
  const dataDir = tempDir(t);
  const cfg = mqttConfig(broker.url);

  const child = startChild(t, cfg, dataDir);
  await child.waitLine('started');
  child.send(`handle 10 ${RECEIVED}`);
  await child.waitLine('handled 10');
  child.send('status');
  assert.equal(JSON.parse((await child.waitLine('status ')).slice(7)).backlog, 10);
  await child.kill9();
  assert.equal(child.proc.signalCode, 'SIGKILL');

  await broker.start();
  const sink = createMqttSink(cfg, {
    logger: recordingLogger(),
    dataDir,
    backoff: { minMs: 100, maxMs: 400 },
  });
  t.after(() => sink.stop?.());
  assert.equal(sink.status?.().backlog, 10);
  await sink.start?.();
  await waitFor('10 states', () => sub.on(STATE).length >= 10);
  assert.deepEqual(
    sub.on(STATE).map((m) => JSON.parse(m.payload).received_at),
    Array.from({ length: 10 }, (_, i) => new Date(RECEIVED + i * 1000).toISOString()),
  );
  await waitFor('outbox empty', () => sink.status?.().backlog === 0);
});

test('kill -9 within a tick: what earlier ticks committed survives, at most the current tick is lost (COMMIT_MS)', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  await broker.stop();
  const dataDir = tempDir(t);
  const cfg = mqttConfig(broker.url);
  const child = startChild(t, cfg, dataDir);
  await child.waitLine('started');
  child.send(`handle 10 ${RECEIVED}`); // committed by the tick
  await child.waitLine('handled 10');
  child.send(`handle-now 5 ${RECEIVED + 10_000}`); // kill -9 before their tick
  await child.waitLine('handled 5');
  await child.kill9();

  const sink = createMqttSink(cfg, {
    logger: recordingLogger(),
    dataDir,
    backoff: { minMs: 100, maxMs: 400 },
  });
  t.after(() => sink.stop?.());
  const backlog = sink.status?.().backlog ?? 0;
  assert.ok(
    backlog >= 10 && backlog <= 15,
    `backlog ${backlog}: the committed 10, plus 0–5 of the last tick`,
  );
});

test('kill -9 while connected: the broker publishes the last will `offline` (retained)', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, ['kaifareader/status']);
  t.after(() => sub.end());
  const child = startChild(t, mqttConfig(broker.url), tempDir(t));
  await waitFor(
    'online',
    () => {
      child.assertAlive();
      return sub.on('kaifareader/status').some((m) => m.payload === 'online');
    },
    15_000,
  );
  await child.kill9();
  await waitFor('offline', () => sub.on('kaifareader/status').some((m) => m.payload === 'offline'));
  const late = await subscribe(broker.url, ['kaifareader/status'], { clean: true });
  t.after(() => late.end());
  await waitFor('retained', () => late.on('kaifareader/status').length === 1);
  assert.deepEqual(
    late.on('kaifareader/status').map((m) => [m.payload, m.retain]),
    [['offline', true]],
  );
});
