import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openHistoryStore } from '../../src/store/history-store.js';
import { periodEdges } from '../../src/store/local-time.js';
import { row, tempDir } from './helpers.js';

const H = 3_600_000;

test('Vienna DST days are 23 and 25 hours long; months start at local midnight', () => {
  const spring = periodEdges('day', Date.UTC(2026, 2, 29, 12), Date.UTC(2026, 2, 29, 13), 'Europe/Vienna');
  assert.deepEqual(spring.periods, [{ start: Date.UTC(2026, 2, 28, 23), label: '2026-03-29' }]);
  assert.equal(spring.end, Date.UTC(2026, 2, 29, 22));
  const autumn = periodEdges('day', Date.UTC(2026, 9, 25, 12), Date.UTC(2026, 9, 25, 13), 'Europe/Vienna');
  assert.equal(autumn.end - autumn.periods[0]!.start, 25 * H);
  const months = periodEdges('month', Date.UTC(2026, 0, 15), Date.UTC(2026, 1, 28, 23), 'Europe/Vienna');
  assert.deepEqual(
    months.periods.map((p) => [p.label, new Date(p.start).toISOString()]),
    [
      ['2026-01', '2025-12-31T23:00:00.000Z'],
      ['2026-02', '2026-01-31T23:00:00.000Z'],
    ],
  );
  assert.equal(months.end, Date.UTC(2026, 1, 28, 23));
});

test('energy per day across a gap spanning midnight is split by time', (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  // Vienna in January is UTC+1: local 22:00 and 22:30 on Jan 10, then nothing until 02:00 and 02:30 on Jan 11
  store.insert([
    row(Date.UTC(2026, 0, 10, 21), { energy_import_wh: 1000, energy_export_wh: 50 }),
    row(Date.UTC(2026, 0, 10, 21, 30), { energy_import_wh: 1100, energy_export_wh: 50 }),
    row(Date.UTC(2026, 0, 11, 1), { energy_import_wh: 1500, energy_export_wh: 57 }),
    row(Date.UTC(2026, 0, 11, 1, 30), { energy_import_wh: 1600, energy_export_wh: 57 }),
  ]);
  // gap 22:30 → 02:00 (3.5 h) carries 400 Wh: 1.5 h = 171.43 Wh before midnight, 228.57 Wh after
  // export 7 Wh: 3.0 before, 4.0 after
  assert.deepEqual(
    store.energy('default', 'day', Date.UTC(2026, 0, 9) / 1000, Date.UTC(2026, 0, 13) / 1000),
    [
      { start: Date.UTC(2026, 0, 9, 23) / 1000, label: '2026-01-10', import_wh: 271, export_wh: 3 },
      { start: Date.UTC(2026, 0, 10, 23) / 1000, label: '2026-01-11', import_wh: 329, export_wh: 4 },
    ],
  );
  assert.deepEqual(
    store.energy('default', 'month', Date.UTC(2026, 0, 9) / 1000, Date.UTC(2026, 0, 13) / 1000),
    [{ start: Date.UTC(2025, 11, 31, 23) / 1000, label: '2026-01', import_wh: 600, export_wh: 7 }],
  );
});

test('energy on the 23-hour and 25-hour DST days in Europe/Vienna', (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  for (const [y, m, d] of [
    [2026, 2, 27],
    [2026, 9, 23],
  ]) {
    // hourly readings, +100 Wh per hour, over four UTC days
    const start = Date.UTC(y!, m!, d!);
    const base = store.count() * 100;
    store.insert(
      Array.from({ length: 4 * 24 }, (_, k) => row(start + k * H, { energy_import_wh: base + k * 100 })),
    );
  }
  const spring = store.energy(
    'default',
    'day',
    Date.UTC(2026, 2, 28) / 1000,
    Date.UTC(2026, 2, 29, 22) / 1000,
  );
  assert.deepEqual(
    spring.map((b) => [b.label, b.import_wh]),
    [
      ['2026-03-28', 2400],
      ['2026-03-29', 2300],
    ],
  );
  const autumn = store.energy(
    'default',
    'day',
    Date.UTC(2026, 9, 25) / 1000,
    Date.UTC(2026, 9, 25, 23) / 1000,
  );
  assert.deepEqual(autumn, [
    { start: Date.UTC(2026, 9, 24, 22) / 1000, label: '2026-10-25', import_wh: 2500, export_wh: 0 },
  ]);
});

test('a replaced meter or a counter reset starts a new segment: never negative, never huge', (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  const d = Date.UTC(2026, 4, 10, 6); // 08:00 in Vienna
  store.insert([
    row(d, { energy_import_wh: 5000 }, 'OLD'),
    row(d + 5000, { energy_import_wh: 5100 }, 'OLD'),
    row(d + 10_000, { energy_import_wh: 10 }, 'NEW'), // meter replaced: new id, small counter
    row(d + 15_000, { energy_import_wh: 60 }, 'NEW'),
    row(d + H, { energy_import_wh: 80 }, 'NEW'), // next hour bucket: +20
    row(d + H + 5000, { energy_import_wh: 8 }, 'NEW'), // same id, counter went down (reset)
    row(d + H + 10_000, { energy_import_wh: 9 }, 'NEW'),
    row(d + H + 15_000, { energy_import_wh: 90_000_000 }, 'NEW'), // 90 MWh in 5 s: not energy
    row(d + 2 * H, { energy_import_wh: 90_000_400 }, 'OTHER'), // different meter across a bucket edge
    row(d + 2 * H + 5000, { energy_import_wh: 90_000_401 }, 'OTHER'),
  ]);
  // 100 (OLD) + 50 + 20 + 1 (NEW) + 1 (OTHER)
  assert.deepEqual(store.energy('default', 'day', d / 1000, d / 1000 + 1), [
    { start: Date.UTC(2026, 4, 9, 22) / 1000, label: '2026-05-10', import_wh: 172, export_wh: 0 },
  ]);
});

test('energy after a restart continues the segment of the stored counters', (t) => {
  const path = join(tempDir(t), 'h.db');
  const d = Date.UTC(2026, 4, 10, 6, 0, 50);
  const a = openHistoryStore(path);
  a.insert([row(d, { energy_import_wh: 100 }), row(d + 5000, { energy_import_wh: 105 })]);
  a.close();
  const b = openHistoryStore(path, { timeZone: 'Asia/Kolkata' });
  t.after(() => b.close());
  b.insert([row(d + 10_000, { energy_import_wh: 111 }), row(d + 15_000, { energy_import_wh: 120 })]);
  // Kolkata is UTC+05:30: its midnights are not whole UTC hours (these readings are far from one)
  assert.deepEqual(b.energy('default', 'day', d / 1000, d / 1000 + 1), [
    { start: Date.UTC(2026, 4, 9, 18, 30) / 1000, label: '2026-05-10', import_wh: 20, export_wh: 0 },
  ]);
  assert.throws(
    () => openHistoryStore(path, { timeZone: 'Europe/Wien' }),
    /unknown time zone 'Europe\/Wien'.*IANA/,
  );
});

test('Asia/Kolkata (+05:30): the hour straddling midnight is split exactly from raw rows, by time without them', (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'), { timeZone: 'Asia/Kolkata' });
  t.after(() => store.close());
  // local midnight 2026-05-11 00:00 IST = 2026-05-10 18:30 UTC; rows every 5 min from 18:00 to 18:55 UTC:
  // +20 Wh per row up to 18:25 (1000 → 1100), +10 Wh at 18:30, then nothing
  const h = Date.UTC(2026, 4, 10, 18);
  const counters = [1000, 1020, 1040, 1060, 1080, 1100, 1110, 1110, 1110, 1110, 1110, 1110];
  store.insert(counters.map((wh, k) => row(h + k * 300_000, { energy_import_wh: wh })));
  const [from, to] = [Date.UTC(2026, 4, 10, 12) / 1000, Date.UTC(2026, 4, 11, 12) / 1000];
  const days = (a: number, b: number) => [
    { start: Date.UTC(2026, 4, 9, 18, 30) / 1000, label: '2026-05-10', import_wh: a, export_wh: 0 },
    { start: Date.UTC(2026, 4, 10, 18, 30) / 1000, label: '2026-05-11', import_wh: b, export_wh: 0 },
  ];
  // exact: 100 Wh inside 18:00–18:25 plus the 18:25 → 18:30 step (10 Wh) belong to May 10
  assert.deepEqual(store.energy('default', 'day', from, to), days(110, 0));
  // raw rows gone: the bucket's 110 Wh over 18:00–18:55 are split by time, 30 min : 25 min → 60 : 50
  assert.equal(store.deleteRawBefore(h + 3_600_000, 100), 12);
  assert.deepEqual(store.energy('default', 'day', from, to), days(60, 50));
});
