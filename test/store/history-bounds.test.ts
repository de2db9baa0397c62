/**
 * Issue 9 items 5 and 21 and the pieces of item 1 below the HTTP layer: the row count is kept in memory (no
 * COUNT(*) per status call) and stays right through inserts, retention and reopening; series buckets lie in
 * [from, to) with the asked step honoured; extent(); the pieced queries give the synchronous answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'libsql';
import { createHistorySink } from '../../src/sinks/history/history-sink.js';
import { openHistoryStore } from '../../src/store/history-store.js';
import { openDatabase } from '../../src/store/sqlite.js';
import { runPieced } from '../../src/store/pieced.js';
import { silentLogger } from '../../src/log/logger.js';
import type { HistoryRow } from '../../src/store/history-row.js';
import { startHarness } from '../http/harness.js';
import { row, snapshot, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 0, 5); // Monday 00:00 UTC, ms

/** `n` rows every 5 s from `start` (ms). */
function rows(start: number, n: number): HistoryRow[] {
  return Array.from({ length: n }, (_, i) =>
    row(start + i * 5000, { power_import_w: 100 + (i % 10), energy_import_wh: 1000 + i }),
  );
}

/** Every SQL text prepared or executed on any libsql connection while `fn` runs. */
async function sqlDuring(fn: () => Promise<void> | void): Promise<string[]> {
  const seen: string[] = [];
  const proto = Database.prototype as unknown as Record<'prepare' | 'exec', (sql: string) => unknown>;
  const [prepare, exec] = [proto.prepare, proto.exec];
  proto.prepare = function (this: unknown, sql: string) {
    seen.push(sql);
    return prepare.call(this, sql);
  };
  proto.exec = function (this: unknown, sql: string) {
    seen.push(sql);
    return exec.call(this, sql);
  };
  try {
    await fn();
  } finally {
    [proto.prepare, proto.exec] = [prepare, exec];
  }
  return seen;
}

/** COUNT(*) on a second connection: the truth to compare with. */
function countInFile(path: string): number {
  const db = openDatabase(path, []);
  try {
    return (db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test('status reads the row count from memory: no COUNT(*) per call, right after inserts, retention and reopen', async (t) => {
  const path = join(tempDir(t), 'history.db');
  const seed = openHistoryStore(path);
  seed.insert(rows(T0, 2000));
  seed.close();

  let now = T0 + 2000 * 5000;
  const sink = createHistorySink({ path, retentionDays: 1 }, { logger: silentLogger, now: () => now });
  const opened = await sqlDuring(() => sink.start!());
  t.after(() => sink.stop!());
  assert.equal(opened.filter((s) => /count\(\*\)/i.test(s)).length, 1, 'one COUNT(*) at open');
  assert.equal(sink.history.count(), 2000);

  const h = await startHarness({ history: sink.history });
  t.after(() => h.close());
  const during = await sqlDuring(async () => {
    for (let i = 0; i < 20; i++) {
      const body = (await (await fetch(`${h.base}/api/v1/status`)).json()) as { history_rows: number };
      assert.equal(body.history_rows, 2000);
    }
    for (let i = 0; i < 1000; i++) sink.history.count();
  });
  assert.deepEqual(during, [], 'status and count() ran SQL');

  // inserts add
  for (let i = 0; i < 300; i++) {
    sink.handle(snapshot(now + i * 5000, [['1.0.1.8.0.255', 5000 + i, 'Wh']]));
  }
  assert.equal(sink.flush(), true);
  assert.equal(sink.history.count(), 2300);
  assert.equal(countInFile(path), 2300);
  // a clock that went backwards: skipped rows are not counted
  sink.handle(snapshot(T0, [['1.0.1.8.0.255', 1, 'Wh']]));
  assert.equal(sink.flush(), true);
  assert.equal(sink.history.count(), 2300);

  // retention (raw rows older than a day; the rollups stay) subtracts
  now = T0 + 86_400_000 + 1000 * 5000;
  const deleted = await sink.applyRetention();
  assert.equal(deleted, 1000);
  assert.equal(sink.history.count(), 1300);
  assert.equal(countInFile(path), 1300);

  // reopened: counted once again from the file
  await sink.stop!();
  const again = openHistoryStore(path);
  t.after(() => again.close());
  assert.equal(again.count(), 1300);
  for (let n = -1; n !== 0;) n = again.deleteRawBefore(Number.MAX_SAFE_INTEGER, 500);
  assert.equal(again.count(), 0);
  assert.equal(countInFile(path), 0);
});

test('series honours step=1 over 5000 s: buckets in [from, to), none before from, step and requested step', async (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  store.insert(rows(T0, 3000)); // 15 000 s of rows every 5 s
  const to = T0 / 1000 + 10_003; // not aligned to anything
  const from = to - 5000;
  const s = store.series('default', from, to, 1);
  assert.equal(s.step, 1);
  assert.equal(s.t.length, 5000);
  assert.equal(s.t[0], from);
  assert.equal(s.t.at(-1), to - 1);
  // a row every 5 s: every fifth bucket holds one, the value of the row at that second
  const filled = s.t.filter((_, i) => s.values.power_import_w[i] !== null);
  assert.equal(filled.length, 1000);
  for (const b of filled) assert.equal((b * 1000 - T0) % 5000, 0);
  const i = s.t.indexOf(T0 / 1000 + 5005);
  assert.equal(s.values.power_import_w[i], 100 + (1001 % 10));

  // through the HTTP route: the same buckets, `step` is the effective step and `requested_step` the asked one
  const h = await startHarness({
    history: {
      meters: () => store.meters(),
      latest: () => undefined,
      count: () => store.count(),
      extent: (m) => store.extent(m),
      series: (m, a, b, c) => runPieced(store.seriesQuery(m, a, b, c)),
      energy: (m, p, a, b) => runPieced(store.energyQuery(m, p, a, b)),
    },
  });
  t.after(() => h.close());
  const body = (await (await fetch(`${h.base}/api/v1/history?from=${from}&to=${to}&step=1`)).json()) as {
    from: number;
    to: number;
    step: number;
    requested_step: number;
    t: number[];
  };
  assert.deepEqual(
    { from: body.from, to: body.to, step: body.step, requested_step: body.requested_step },
    { from, to, step: 1, requested_step: 1 },
  );
  assert.deepEqual(body.t, s.t);

  // beyond two days the hour rollups serve: the step says so, the first bucket is the first whole hour ≥ from
  const long = (await (
    await fetch(
      `${h.base}/api/v1/history?from=${T0 / 1000 - 86_400 * 3 + 77}&to=${T0 / 1000 + 15_000}&step=60`,
    )
  ).json()) as { from: number; to: number; step: number; requested_step: number; t: number[] };
  const clampedFrom = T0 / 1000; // nothing is stored before T0
  assert.equal(long.from, clampedFrom);
  assert.equal(long.requested_step, 60);
  // clamped to 15 000 s of data: short enough for the raw rows, so step 60 is honoured
  assert.equal(long.step, 60);
  assert.ok(long.t[0]! >= long.from && long.t.at(-1)! < long.to);
});

test('series from the rollups: step rounded up to whole hours, every bucket start in [from, to)', (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  store.insert(rows(T0, 4 * 17_280)); // four days
  const from = T0 / 1000 + 1234;
  const to = T0 / 1000 + 3 * 86_400 + 999;
  const s = store.series('default', from, to, 5400);
  assert.equal(s.step, 7200);
  assert.equal(s.t[0], Math.ceil(from / 3600) * 3600);
  assert.ok(s.t.every((b) => b >= from && b < to));
  assert.equal(s.t.length, Math.ceil((to - s.t[0]!) / 7200));
  assert.ok(s.values.power_import_w.every((v) => v !== null));
});

test('extent: undefined when empty, first and last row, the rollups when retention removed the raw rows', (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  assert.equal(store.extent('default'), undefined);
  store.insert(rows(T0 + 1000, 10));
  assert.deepEqual(store.extent('default'), { firstMs: T0, lastMs: T0 + 1000 + 9 * 5000 }); // the hour rollup starts at T0
  for (let n = -1; n !== 0;) n = store.deleteRawBefore(Number.MAX_SAFE_INTEGER);
  assert.deepEqual(store.extent('default'), { firstMs: T0, lastMs: T0 + 3_599_999 });
});

test('pieced queries: many short steps, the same answers as the synchronous ones', async (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  // a year of hours, one row every 10 minutes
  const year: HistoryRow[] = Array.from({ length: 366 * 144 }, (_, i) =>
    row(T0 + i * 600_000, { power_import_w: 200 + (i % 50), energy_import_wh: 10_000 + 20 * i }),
  );
  for (let i = 0; i < year.length; i += 10_000) store.insert(year.slice(i, i + 10_000));
  const [from, to] = [T0 / 1000, T0 / 1000 + 366 * 86_400];
  let steps = 0;
  const energy = store.energyQuery('default', 'day', from, to);
  for (let r = energy.next(); !r.done; r = energy.next()) steps++;
  assert.ok(steps >= 10, `energy over a year in ${steps} steps`);
  assert.deepEqual(
    await runPieced(store.energyQuery('default', 'day', from, to)),
    store.energy('default', 'day', from, to),
  );
  // 366 × 24 h from 01:00 Vienna time touch 367 local days
  assert.equal(store.energy('default', 'day', from, to).length, 367);
  assert.deepEqual(
    await runPieced(store.seriesQuery('default', from, to, 3600)),
    store.series('default', from, to, 3600),
  );
  const series = store.seriesQuery('default', from, to, 3600);
  steps = 0;
  for (let r = series.next(); !r.done; r = series.next()) steps++;
  assert.ok(steps >= 10, `series over a year in ${steps} steps`);
});
