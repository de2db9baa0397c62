/**
 * SinkHub stays bounded when a sink's handle() returns promises that never settle (issue 9, item 4): a shared
 * promise is watched once, and beyond MAX_IN_FLIGHT distinct unsettled ones the sink misses telegrams (counted as
 * dropped, logged once per interval) while the other sinks get every telegram.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MAX_IN_FLIGHT, SinkHub } from '../../src/daemon/sink-hub.js';
import type { Sink } from '../../src/sinks/sink.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import { captureBytes, loadVector } from '../helpers/vectors.js';
import { TelegramDecoder } from '../../src/pipeline/telegram-decoder.js';
import { parseKey } from '../../src/util/hex.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

const VKW = loadVector('vorarlberg_philippsev-vkw_1');
const decoded = (() => {
  const d = new TelegramDecoder({ keys: { encryptionKey: parseKey(VKW.key_hex!) } });
  const ev = d.push(captureBytes(VKW), 0).find((e) => e.type === 'telegram');
  assert.ok(ev && ev.type === 'telegram');
  return ev.snapshot;
})();
/** A fresh copy of a real snapshot, as the decoder makes one per telegram. */
const fresh = (): MeterSnapshot => ({ ...decoded, readings: decoded.readings.map((r) => ({ ...r })) });

function recordingLog() {
  const lines: string[] = [];
  const seen = new Set<string>();
  return {
    lines,
    log: (_level: string, code: string, message: string) => {
      if (seen.has(code)) return;
      seen.add(code);
      lines.push(message);
    },
    flush: () => undefined,
  };
}

test('a sink handing out one shared promise that never settles: memory stays bounded', () => {
  const never = new Promise<void>(() => undefined);
  const hung: Sink = { name: 'hung', handle: () => never };
  let got = 0;
  const ok: Sink = { name: 'ok', handle: () => void got++ };
  const hub = new SinkHub([hung, ok], recordingLog());
  hub.dispatch(fresh());
  const before = heap();
  for (let i = 0; i < 100_000; i++) hub.dispatch(fresh());
  const grown = heap() - before;
  // Watching the shared promise once per telegram keeps every snapshot: > 100 MB for 100 000 telegrams.
  assert.ok(grown < 10 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MB`);
  assert.equal(got, 100_001);
});

test(`distinct promises that never settle: at most ${MAX_IN_FLIGHT} in hand, the rest dropped and counted`, () => {
  let calls = 0;
  const hung: Sink = {
    name: 'hung',
    handle: () => {
      calls++;
      return new Promise<void>(() => undefined);
    },
  };
  let got = 0;
  const ok: Sink = { name: 'ok', handle: () => void got++ };
  const log = recordingLog();
  const hub = new SinkHub([hung, ok], log);
  hub.dispatch(fresh());
  const before = heap();
  for (let i = 0; i < 100_000; i++) hub.dispatch(fresh());
  const grown = heap() - before;
  assert.ok(grown < 10 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MB`);
  assert.equal(calls, MAX_IN_FLIGHT);
  assert.equal(got, 100_001);
  assert.equal(hub.status().hung?.dropped, 100_001 - MAX_IN_FLIGHT);
  assert.deepEqual(log.lines, [
    `hung is not keeping up (${MAX_IN_FLIGHT} telegrams still in hand): dropping telegrams for it (1 so far)`,
  ]);
});

test('a sink that catches up gets telegrams again', async () => {
  const resolvers: Array<() => void> = [];
  const slow: Sink = { name: 'slow', handle: () => new Promise<void>((r) => resolvers.push(r)) };
  const hub = new SinkHub([slow], recordingLog());
  for (let i = 0; i < MAX_IN_FLIGHT + 10; i++) hub.dispatch(fresh());
  assert.equal(resolvers.length, MAX_IN_FLIGHT);
  for (const r of resolvers.splice(0)) r();
  await new Promise((r) => setImmediate(r));
  hub.dispatch(fresh());
  assert.equal(resolvers.length, 1);
  assert.equal(hub.status().slow?.dropped, 10);
});

test("a throw and a rejection are counted as the sink's last error", async () => {
  const hub = new SinkHub(
    [
      {
        name: 'throws',
        handle: () => {
          throw new Error('disk on fire');
        },
      },
      { name: 'rejects', handle: () => Promise.reject(new Error('broker gone')) },
    ],
    recordingLog(),
  );
  hub.dispatch(fresh());
  await new Promise((r) => setImmediate(r));
  assert.equal(hub.status().throws?.lastError, 'disk on fire');
  assert.equal(hub.status().rejects?.lastError, 'broker gone');
});

test('dispatch(durable): settles once every sink that took the telegram holds it; never rejects; nothing to wait for without durable', async () => {
  let releaseA: () => void = () => undefined;
  const persistedA = new Promise<void>((r) => (releaseA = r));
  const a: Sink = { name: 'a', handle: () => undefined, persisted: () => persistedA };
  const failing: Sink = {
    name: 'failing',
    handle: () => undefined,
    persisted: () => Promise.reject(new Error('disk full')),
  };
  const plain: Sink = { name: 'plain', handle: () => undefined }; // commits before handle() returns
  const skipped: Sink = {
    name: 'skipped',
    handle: () => undefined,
    persisted: () => new Promise(() => undefined),
  };
  const log = recordingLog();
  const hub = new SinkHub([a, failing, plain, skipped], log);
  assert.equal(hub.dispatch(fresh()), undefined, 'a serial source waits for nothing');
  const only = new Set(['a', 'failing', 'plain']); // the meter's exports: not "skipped"
  const kept = hub.dispatch(fresh(), only, true);
  assert.ok(kept);
  let done = false;
  void kept.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'settled before sink a held the telegram');
  releaseA();
  await kept;
  assert.equal(hub.status().failing!.lastError, 'disk full');
  assert.equal(hub.dispatch(fresh(), new Set(['plain']), true), undefined, 'only sinks without persisted()');
});
