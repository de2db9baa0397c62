/**
 * Two configured meters in one history file, with the SAME timestamps: no key collision, and no mixing in
 * series, energy, latest, extent, count and retention — neither in the store nor through the sink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openHistoryStore } from '../../src/store/history-store.js';
import { createHistorySink } from '../../src/sinks/history/history-sink.js';
import type { HistoryRow } from '../../src/store/history-row.js';
import { captureLogger, row, snapshot, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 2, 2, 0); // 2026-03-02 00:00 UTC = 01:00 Europe/Vienna
const HOURS = 30;

/** One row per minute for `HOURS` hours; home draws 600 W (10 Wh/min), the heat pump 1200 W (20 Wh/min). */
function rows(meter: 'home' | 'heatpump'): HistoryRow[] {
  const w = meter === 'home' ? 600 : 1200;
  return Array.from({ length: HOURS * 60 }, (_, i) =>
    row(
      T0 + i * 60_000,
      { meter, power_import_w: w, energy_import_wh: (meter === 'home' ? 100_000 : 5_000) + (i * w) / 60 },
      meter === 'home' ? '1KFM0200000001' : '1KFM0200000002',
    ),
  );
}

/** home and heatpump rows interleaved, pairwise at the same ms. */
function interleaved(): HistoryRow[] {
  const [a, b] = [rows('home'), rows('heatpump')];
  return a.flatMap((r, i) => [r, b[i]!]);
}

test('two meters with the same timestamps: no collision, every answer per meter', (t) => {
  const path = join(tempDir(t), 'h.db');
  const store = openHistoryStore(path, { timeZone: 'UTC' });
  t.after(() => store.close());
  const all = interleaved();
  const lastHome = {
    ...snapshot(T0 + (HOURS * 60 - 1) * 60_000, [['1.0.1.8.0.255', 1, 'Wh']], '1KFM0200000001'),
    meter: 'home',
  };
  const lastPump = { ...lastHome, meter: 'heatpump', meterId: '1KFM0200000002' };
  // in batches of 100, the way the sink writes
  for (let i = 0; i < all.length; i += 100) {
    assert.deepEqual(store.insert(all.slice(i, i + 100), [lastHome, lastPump]), { written: 100, skipped: 0 });
  }
  assert.deepEqual(store.meters(), ['home', 'heatpump']);
  assert.equal(store.count(), 2 * HOURS * 60);
  assert.equal(store.count('home'), HOURS * 60);
  assert.equal(store.count('heatpump'), HOURS * 60);
  assert.equal(store.count('garage'), 0);
  const extent = { firstMs: T0, lastMs: T0 + (HOURS * 60 - 1) * 60_000 };
  assert.deepEqual(store.extent('home'), extent);
  assert.deepEqual(store.extent('heatpump'), extent);
  assert.equal(store.extent('garage'), undefined);
  assert.deepEqual(store.latest('home'), lastHome);
  assert.deepEqual(store.latest('heatpump'), lastPump);
  assert.equal(store.latest('garage'), undefined);

  // raw rows (a short range) and hour rollups (a long one): each meter only its own power
  const raw = (m: string) => store.series(m, T0 / 1000, T0 / 1000 + 3600, 600).values.power_import_w;
  assert.deepEqual(raw('home'), [600, 600, 600, 600, 600, 600]);
  assert.deepEqual(raw('heatpump'), [1200, 1200, 1200, 1200, 1200, 1200]);
  assert.deepEqual(raw('garage'), [null, null, null, null, null, null]);
  const long = (m: string) => store.series(m, T0 / 1000, T0 / 1000 + 3 * 86400, 86400);
  assert.equal(long('home').step, 86400);
  assert.deepEqual(long('home').values.power_import_w, [600, 600, null]);
  assert.deepEqual(long('heatpump').values.power_import_w, [1200, 1200, null]);
  assert.deepEqual(long('heatpump').values.energy_import_wh, [5_000 + 1439 * 20, 5_000 + 1799 * 20, null]);

  // energy per UTC day: day 1 has 1439 minute steps inside, one step crosses midnight, day 2 has 359 more
  const energy = (m: string) =>
    store.energy(m, 'day', T0 / 1000, T0 / 1000 + 2 * 86400).map((b) => b.import_wh);
  assert.deepEqual(energy('home'), [1440 * 10, 359 * 10]);
  assert.deepEqual(energy('heatpump'), [1440 * 20, 359 * 20]);
  assert.deepEqual(energy('garage'), []);
});

test('reopened: per-meter counters continue, a row older than its own meter is skipped, not the other', (t) => {
  const path = join(tempDir(t), 'h.db');
  openHistoryStore(path).close();
  let store = openHistoryStore(path, { timeZone: 'UTC' });
  store.insert(interleaved().slice(0, 120)); // 60 minutes of each
  store.close();
  store = openHistoryStore(path, { timeZone: 'UTC' });
  t.after(() => store.close());
  assert.equal(store.count('home'), 60);
  // heatpump gets a new minute; home repeats an old one (skipped): each meter keeps its own "last stored"
  const res = store.insert([
    row(T0 + 60 * 60_000, { meter: 'heatpump', energy_import_wh: 5_000 + 60 * 20 }, '1KFM0200000002'),
    row(T0 + 30 * 60_000, { meter: 'home', energy_import_wh: 1 }, '1KFM0200000001'),
  ]);
  assert.deepEqual(res, { written: 1, skipped: 1 });
  assert.deepEqual(
    store.energy('heatpump', 'day', T0 / 1000, T0 / 1000 + 86400).map((b) => b.import_wh),
    [60 * 20],
  );
  assert.deepEqual(
    store.energy('home', 'day', T0 / 1000, T0 / 1000 + 86400).map((b) => b.import_wh),
    [59 * 10],
  );
});

test('retention deletes old raw rows of every meter, and only the old ones', (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'), { timeZone: 'UTC' });
  t.after(() => store.close());
  store.insert(interleaved());
  const cutoff = T0 + 6 * 3_600_000;
  let deleted = 0;
  for (let n; (n = store.deleteRawBefore(cutoff, 500)) > 0;) deleted += n;
  assert.equal(deleted, 2 * 6 * 60);
  assert.equal(store.count('home'), (HOURS - 6) * 60);
  assert.equal(store.count('heatpump'), (HOURS - 6) * 60);
  // the rollups stay: the extent still starts at T0 (hour rollup), the energy of the first day is unchanged
  assert.equal(store.extent('home')!.firstMs, T0);
  assert.deepEqual(
    store.energy('heatpump', 'day', T0 / 1000, T0 / 1000 + 86400).map((b) => b.import_wh),
    [1440 * 20],
  );
});

test('the sink stores each snapshot under snapshot.meter; its reader answers per meter', async (t) => {
  const path = join(tempDir(t), 'history.db');
  const sink = createHistorySink({ path, retentionDays: 30 }, { logger: captureLogger(), now: () => T0 });
  await sink.start!();
  t.after(() => sink.stop!());
  const tg = (meter: string, i: number, w: number) => ({
    ...snapshot(T0 + i * 5000, [['1.0.1.7.0.255', w, 'W']], `N-${meter}`),
    meter,
  });
  for (let i = 0; i < 12; i++) {
    sink.handle(tg('home', i, 100));
    sink.handle(tg('heatpump', i, 900));
  }
  assert.deepEqual(sink.history.meters(), ['home', 'heatpump']); // known before the first write
  assert.equal(sink.flush(), true);
  assert.deepEqual(sink.history.meters(), ['home', 'heatpump']);
  assert.equal(sink.history.count('home'), 12);
  assert.equal(sink.history.count(), 24);
  assert.deepEqual(sink.history.latest('heatpump'), tg('heatpump', 11, 900));
  const s = await sink.history.series('home', T0 / 1000, T0 / 1000 + 60, 60);
  assert.deepEqual(s.values.power_import_w, [100]);
  const p = await sink.history.series('heatpump', T0 / 1000, T0 / 1000 + 60, 60);
  assert.deepEqual(p.values.power_import_w, [900]);
  await sink.stop!();
  // after a restart the latest snapshots come from the file
  const again = openHistoryStore(path);
  t.after(() => again.close());
  assert.deepEqual(again.latest('home'), tg('home', 11, 100));
  assert.deepEqual(again.latest('heatpump'), tg('heatpump', 11, 900));
});
