import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openHistoryStore } from '../../src/store/history-store.js';
import { HISTORY_MIGRATIONS, READING_COLUMNS } from '../../src/store/history-schema.js';
import { openDatabase, type SqliteDatabase } from '../../src/store/sqlite.js';
import type { HistoryRow } from '../../src/store/history-row.js';
import { row, snapshot, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 0, 5); // Monday 2026-01-05 00:00 UTC, in ms

/** Two days of 5-second rows with values whose bucket averages are easy to state. */
function twoDays(): HistoryRow[] {
  return Array.from({ length: 2 * 17280 }, (_, i) =>
    row(T0 + i * 5000, {
      power_import_w: (i % 7) * 100,
      voltage_l1_dv: 2300 + (i % 3),
      current_l1_ma: 1000 + (i % 5),
      energy_import_wh: 1000 + i,
    }),
  );
}

/** The oracle: plain means of the raw values per bucket of `step` seconds. */
function means(rows: HistoryRow[], step: number, key: 'power_import_w' | 'voltage_l1_dv' | 'current_l1_ma') {
  const groups = new Map<number, [number, number]>();
  for (const r of rows) {
    const b = Math.floor(r.ts / 1000 / step) * step;
    const g = groups.get(b) ?? [0, 0];
    groups.set(b, [g[0] + r[key]!, g[1] + 1]);
  }
  return new Map([...groups].map(([b, [sum, n]]) => [b, sum / n]));
}

const columns = (db: SqliteDatabase, table: string): string[] =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
const tables = (db: SqliteDatabase): string[] =>
  (
    db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all() as {
      name: string;
    }[]
  ).map((r) => r.name);
const V5_TABLES = [
  'latest',
  'meter_numbers',
  'meters',
  'quarter_hour',
  'readings',
  'rollup_day',
  'rollup_hour',
];
const V4_READINGS = ['meter_ts', 'meter_number', ...READING_COLUMNS];

test('a new file gets the v4 layout (and the v5 quarter_hour table): keyed by meter and ts in one rowid, no minute rollups, no reactive columns in the raw rows', (t) => {
  const path = join(tempDir(t), 'new.db');
  openHistoryStore(path).close();
  const db = openDatabase(path, []);
  t.after(() => db.close());
  assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, 5);
  assert.deepEqual(tables(db), V5_TABLES);
  assert.deepEqual(columns(db, 'readings'), V4_READINGS);
});

test('an old v1 file is upgraded: rollups built with its reactive counters, then the v4 layout', (t) => {
  const oldPath = join(tempDir(t), 'old.db');
  const v1 = openDatabase(oldPath, HISTORY_MIGRATIONS.slice(0, 1));
  v1.exec(`INSERT INTO meters (id, meter_id) VALUES (1, 'M1')`);
  const insert = v1.prepare(
    `INSERT INTO readings (ts, meter, power_import_w, energy_import_wh, reactive_import_varh, reactive_export_varh)
     VALUES (?, 1, ?, ?, ?, ?)`,
  );
  for (let i = 0; i < 24; i++)
    insert.run(T0 + i * 5000, i < 12 ? 100 : 400, 5000 + i * 2, 700 + i, 30 + (i >> 4));
  v1.close();
  const upgraded = openHistoryStore(oldPath);
  t.after(() => upgraded.close());
  const s = upgraded.series('default', T0 / 1000, T0 / 1000 + 120, 60);
  assert.deepEqual(s.t, [T0 / 1000, T0 / 1000 + 60]);
  assert.deepEqual(s.values.power_import_w, [100, 400]);
  assert.deepEqual(s.values.energy_import_wh, [5022, 5046]);
  assert.equal(upgraded.count(), 24);
  // new rows continue the counter segment of the old ones
  upgraded.insert([row(T0 + 24 * 5000, { energy_import_wh: 5050, reactive_import_varh: 800 })]);
  assert.deepEqual(upgraded.energy('default', 'day', T0 / 1000, T0 / 1000 + 3600), [
    { start: T0 / 1000 - 3600, label: '2026-01-05', import_wh: 50, export_wh: 0 },
  ]);

  const db = openDatabase(oldPath, []);
  t.after(() => db.close());
  assert.deepEqual(tables(db), V5_TABLES);
  assert.deepEqual(columns(db, 'readings'), V4_READINGS);
  const reactive = 'SELECT reactive_import_varh_last AS i, reactive_export_varh_last AS e FROM';
  // the old rows' last reactive counters (723, 31) survived in the rollups; the new row's import (800) was merged
  // in, its export (not sent) left the old value
  assert.deepEqual(db.prepare(`${reactive} rollup_hour`).raw(true).all(), [[800, 31]]);
  assert.deepEqual(db.prepare(`${reactive} rollup_day`).raw(true).all(), [[800, 31]]);
});

test('insert, then latest() and count() after reopening', (t) => {
  const path = join(tempDir(t), 'h.db');
  const s1 = openHistoryStore(path);
  const snap = snapshot(T0 + 5000, [['1.0.1.8.0.255', 42, 'Wh']]);
  assert.deepEqual(s1.insert([row(T0), row(T0 + 5000, { energy_import_wh: 42 })], snap), {
    written: 2,
    skipped: 0,
  });
  s1.close();
  const s2 = openHistoryStore(path);
  t.after(() => s2.close());
  assert.deepEqual(s2.latest(), snap);
  assert.equal(s2.count(), 2);
  // rows not newer than the last stored one (clock went backwards) are skipped, not duplicated
  assert.deepEqual(s2.insert([row(T0 + 1000), row(T0 + 10_000)]), { written: 1, skipped: 1 });
  assert.equal(s2.count(), 3);
});

test('series from raw rows (downsampled), hour and day rollups returns exact bucket averages', (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  const rows = twoDays();
  for (let i = 0; i < rows.length; i += 1000) store.insert(rows.slice(i, i + 1000));
  const from = T0 / 1000;
  for (const [range, step] of [
    [600, 5],
    [7200, 60],
    [86400 * 2, 3600],
    [86400 * 2, 86400],
  ] as const) {
    const s = store.series('default', from, from + range, step);
    assert.equal(s.step, step);
    assert.equal(s.t.length, range / step);
    for (const [key, field, scale, digits] of [
      ['power_import_w', 'power_import_w', 1, 0],
      ['voltage_l1_dv', 'voltage_l1_v', 0.1, 1],
      ['current_l1_ma', 'current_l1_a', 0.001, 3],
    ] as const) {
      const expected = means(rows, step, key);
      s.t.forEach((b, i) => {
        const want = Math.round(expected.get(b)! * scale * 10 ** digits) / 10 ** digits;
        assert.equal(s.values[field][i], want, `${field} step ${step} bucket ${b}`);
      });
    }
    // energy: the last counter of each bucket
    s.t.forEach((b, i) => assert.equal(s.values.energy_import_wh[i], 1000 + ((b - from + step) / 5 - 1)));
  }
  // by hand: day 1 holds 17 280 rows = 2 468 full cycles of 0..600 W (sum 2 100) + 0, 100, 200, 300
  assert.equal(
    store.series('default', from, from + 86400, 86400).values.power_import_w[0],
    Math.round(5_183_400 / 17_280),
  );
  assert.equal(store.series('default', from, from + 86400, 86400).values.power_import_w[0], 300);
  assert.equal(store.series('default', from, from + 86400, 86400).values.voltage_l1_v[0], 230.1);
});

test('series: more than MAX_POINTS buckets is refused, nulls in gaps, long steps use the coarse tables', (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  store.insert(twoDays().filter((r) => r.ts < T0 + 3_600_000 || r.ts >= T0 + 7_200_000));
  const from = T0 / 1000;
  // never silently coarsened: the HTTP layer answers 400 before asking for this
  assert.throws(
    () => store.series('default', from, from + 2 * 86400, 1),
    /172800 buckets of 1 s asked for, at most 20000/,
  );
  // beyond two days the hour rollups serve even a fine step
  const week = store.series('default', from, from + 7 * 86400, 60);
  assert.equal(week.step, 3600);
  assert.equal(week.t.length, 7 * 24);
  assert.equal(week.values.power_import_w.filter((v) => v !== null).length, 47);
  const hourly = store.series('default', from, from + 3 * 3600, 3600);
  assert.deepEqual(
    hourly.values.power_import_w.map((v) => v === null),
    [false, true, false],
  );
  assert.equal(
    store.series('default', from - 3600, from, 60).values.power_import_w.every((v) => v === null),
    true,
  );
});

test('retention deletes old raw rows in chunks but keeps rollups; short ranges without raw rows use hours', (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'));
  t.after(() => store.close());
  const rows = twoDays();
  store.insert(rows);
  const from = T0 / 1000;
  const beforeSeries = store.series('default', from, from + 2 * 86400, 3600);
  const beforeEnergy = store.energy('default', 'day', from, from + 2 * 86400);
  const cutoff = T0 + 86_400_000 + 1_800_000; // day 2, 00:30 UTC
  let deleted = 0;
  for (let n = -1; n !== 0;) deleted += n = store.deleteRawBefore(cutoff, 5000);
  assert.equal(deleted, 17280 + 360);
  assert.equal(store.count(), 17280 - 360);
  assert.deepEqual(store.series('default', from, from + 2 * 86400, 3600), beforeSeries);
  assert.deepEqual(store.energy('default', 'day', from, from + 2 * 86400), beforeEnergy);
  // a short range in the deleted part falls back to the hour rollups instead of showing nothing
  const hourly = means(rows, 3600, 'power_import_w');
  for (const start of [from, from + 86400]) {
    const short = store.series('default', start, start + 600, 5);
    assert.equal(short.step, 3600);
    assert.deepEqual(short.t, [start]);
    assert.deepEqual(short.values.power_import_w, [Math.round(hourly.get(start)!)]);
  }
  // a range starting after the oldest remaining raw row is still served at full resolution
  const raw = store.series('default', cutoff / 1000, cutoff / 1000 + 600, 5);
  assert.equal(raw.step, 5);
  assert.equal(raw.values.power_import_w.filter((v) => v !== null).length, 120);
});
