import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHistorySink } from '../../src/sinks/history/history-sink.js';
import { captureLogger, snapshot, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 5, 1, 10);
const telegram = (i: number) =>
  snapshot(T0 + i * 5000, [
    ['1.0.1.8.0.255', 1_000_000 + i, 'Wh'],
    ['1.0.1.7.0.255', 500 + (i % 10), 'W'],
    ['1.0.32.7.0.255', 230.1, 'V'],
  ]);

test('the sink queues snapshots, writes them in batches and flushes on stop', async (t) => {
  const path = join(tempDir(t), 'sub', 'history.db');
  const sink = createHistorySink({ path, retentionDays: 30 }, { logger: captureLogger(), now: () => T0 });
  await sink.start!();
  for (let i = 0; i < 10; i++) sink.handle(telegram(i));
  assert.equal(sink.status!().backlog, 10);
  assert.equal(sink.flush(), true);
  assert.equal(sink.history.count(), 10);
  for (let i = 10; i < 15; i++) sink.handle(telegram(i));
  assert.deepEqual(sink.history.latest(), telegram(14));
  await sink.stop!();

  const again = createHistorySink({ path, retentionDays: 30 }, { logger: captureLogger(), now: () => T0 });
  await again.start!();
  t.after(() => again.stop!());
  assert.equal(again.history.count(), 15);
  assert.deepEqual(again.history.latest(), telegram(14));
  assert.deepEqual(again.status!(), { ok: true, state: 'writing', backlog: 0, dropped: 0 });
  const s = await again.history.series('default', T0 / 1000, T0 / 1000 + 60, 60);
  assert.deepEqual(s.values.voltage_l1_v, [230.1]);
  assert.deepEqual(s.values.energy_import_wh, [1_000_011]);
});

test('persisted(): the queued rows are written at the next turn of the loop, not the flush interval; one write for a burst', async (t) => {
  const path = join(tempDir(t), 'history.db');
  const sink = createHistorySink(
    { path, retentionDays: 30 },
    { logger: captureLogger(), now: () => T0, flushIntervalMs: 3_600_000 },
  );
  await sink.start!();
  t.after(() => sink.stop!());
  await sink.persisted!(); // nothing queued: at once
  for (let i = 0; i < 3; i++) sink.handle(telegram(i));
  const waits = [sink.persisted!(), sink.persisted!()];
  assert.equal(waits[0], waits[1], 'one write for every waiter of the burst');
  assert.equal(sink.history.count(), 0);
  await Promise.all(waits);
  assert.equal(sink.history.count(), 3);
  assert.equal(sink.status!().backlog, 0);
});

test('a full disk: specific message once, status not ok, rows kept and written when space returns', async (t) => {
  const logger = captureLogger();
  const path = join(tempDir(t), 'history.db');
  const sink = createHistorySink({ path, retentionDays: 30 }, { logger, now: () => T0, maxBytes: 24 * 4096 });
  await sink.start!();
  t.after(() => sink.stop!());
  for (let i = 0; i < 3000; i++) sink.handle(telegram(i));
  assert.equal(sink.flush(), false);
  assert.equal(sink.flush(), false);
  const st = sink.status!();
  assert.equal(st.ok, false);
  assert.equal(st.backlog, 3000);
  assert.match(st.state, /the disk holding .*history\.db is full: free some space.*SQLITE_FULL/);
  assert.equal(logger.lines.filter((l) => l.startsWith('error') && /is full/.test(l)).length, 1);
  sink.handle(telegram(3000)); // the daemon keeps handing on telegrams
  assert.equal(sink.history.count(), 0);

  sink.store()!.setMaxBytes(undefined);
  assert.equal(sink.flush(), true);
  assert.equal(sink.history.count(), 3001);
  assert.equal(sink.status!().ok, true);
  assert.ok(logger.lines.includes('info history: writing again'));
});

test('the memory queue is bounded: the oldest rows are dropped and counted', async (t) => {
  const logger = captureLogger();
  const sink = createHistorySink(
    { path: join(tempDir(t), 'history.db'), retentionDays: 30 },
    { logger, now: () => T0, maxQueue: 10 },
  );
  for (let i = 0; i < 15; i++) sink.handle(telegram(i));
  assert.equal(sink.status!().dropped, 5);
  assert.equal(sink.status!().backlog, 10);
  assert.equal(logger.lines.filter((l) => /memory queue full \(10 rows\)/.test(l)).length, 1);
  await sink.start!();
  await sink.stop!();
});

test('a corrupt file is reported with what to do; handle() keeps working', async (t) => {
  const path = join(tempDir(t), 'history.db');
  writeFileSync(
    path,
    'this is not a database, it is a text file that someone put here by mistake\n'.repeat(100),
  );
  const logger = captureLogger();
  const sink = createHistorySink({ path, retentionDays: 30 }, { logger, now: () => T0 });
  await sink.start!();
  t.after(() => sink.stop!());
  sink.handle(telegram(0));
  const st = sink.status!();
  assert.equal(st.ok, false);
  assert.match(
    st.state,
    /history\.db is corrupt or not a history database: stop the service, move the file away/,
  );
  assert.equal(sink.history.count(), 0);
  assert.deepEqual(sink.history.latest(), telegram(0));
});

test('retention through the sink removes raw rows older than retentionDays', async (t) => {
  let now = T0;
  const sink = createHistorySink(
    { path: join(tempDir(t), 'history.db'), retentionDays: 1 },
    { logger: captureLogger(), now: () => now },
  );
  await sink.start!();
  t.after(() => sink.stop!());
  for (let i = 0; i < 100; i++) sink.handle(telegram(i));
  sink.flush();
  now = T0 + 86_400_000 + 50 * 5000 + 1; // rows 0..50 are now older than one day
  assert.equal(await sink.applyRetention(), 51);
  assert.equal(sink.history.count(), 49);
  // the deleted first minute is served from the hour rollup, which still counts all 100 rows:
  // ten cycles of 500..509 W → 50 450 / 100 = 504.5 → 505
  const s = await sink.history.series('default', T0 / 1000, T0 / 1000 + 60, 60);
  assert.equal(s.step, 3600);
  assert.deepEqual(s.values.power_import_w, [505]);
});
