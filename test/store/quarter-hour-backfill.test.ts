/**
 * The demo's backfill (src/simulator/backfill.ts) writes through the store, so its days have their quarter hours:
 * two simulated days at one telegram a minute, on the simulated meter's own clock (it sends its deviation), every
 * quarter hour after the first complete, each day's sum its counter difference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { backfillHistory } from '../../src/simulator/backfill.js';
import { createTelegramFactory, DEMO_KEY } from '../../src/simulator/simulated-meter.js';
import { openHistoryStore } from '../../src/store/history-store.js';
import { openDatabase } from '../../src/store/sqlite.js';
import { tempDir } from './helpers.js';

test("the backfilled demo days have their quarter hours, complete, adding up to the counters' differences", (t) => {
  const path = join(tempDir(t), 'h.db');
  const from = Date.UTC(2026, 5, 20, 22); // 2026-06-21 00:00+02:00
  const to = from + 2 * 86_400_000 + 120_000; // the 00:01 telegram closes the last interval
  const rows = backfillHistory({
    path,
    factory: createTelegramFactory({ start: from }),
    key: DEMO_KEY,
    from,
    to,
  });
  assert.equal(rows, 2 * 1440 + 2);
  const store = openHistoryStore(path);
  t.after(() => store.close());
  const qs = store.quarterHours('default', from / 1000, to / 1000 - 180);
  assert.equal(qs.length, 2 * 96);
  assert.deepEqual(
    qs.filter((q) => q.status !== 'complete').map((q) => q.start_time),
    [],
    'every interval of both days complete',
  );
  const db = openDatabase(path, []);
  const raw = db
    .prepare('SELECT ts, energy_import_wh AS imp, energy_export_wh AS exp FROM readings ORDER BY meter_ts')
    .all() as {
    ts: number;
    imp: number;
    exp: number;
  }[];
  db.close();
  const at = (ms: number) => raw.filter((r) => r.ts <= ms).at(-1)!;
  for (const day of [0, 1]) {
    const [a, b] = [from + day * 86_400_000, from + (day + 1) * 86_400_000];
    const inDay = qs.filter((q) => q.start * 1000 >= a && q.start * 1000 < b);
    assert.equal(inDay.length, 96);
    assert.equal(
      inDay.reduce((s, q) => s + q.import_wh!, 0),
      at(b).imp - at(a).imp,
    );
    assert.equal(
      inDay.reduce((s, q) => s + q.export_wh!, 0),
      at(b).exp - at(a).exp,
    );
    assert.ok(at(b).imp - at(a).imp > 1000, 'the simulated day imports energy');
  }
});
