/**
 * Schema v4 against files of earlier releases: a v3 file made by the v3 release (test/fixtures/history) keeps
 * every row, rollup and energy figure under meter `default`, with a backup copy made first; a file from a newer
 * release is refused untouched; a backup that cannot be written stops the upgrade.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { openHistoryStore } from '../../src/store/history-store.js';
import { describeHistoryOpenError } from '../../src/store/history-open.js';
import { openDatabase } from '../../src/store/sqlite.js';
import { HISTORY_MIGRATIONS } from '../../src/store/history-schema.js';
import { createHistorySink } from '../../src/sinks/history/history-sink.js';
import { captureLogger, row, tempDir } from './helpers.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/history');
const expected = JSON.parse(readFileSync(join(FIXTURE, 'v3-expected.json'), 'utf8')) as {
  count: number;
  extent: { firstMs: number; lastMs: number };
  latest: unknown;
  series_raw_600: unknown;
  series_hour: unknown;
  energy_day: unknown;
  energy_month: unknown;
};

const userVersion = (path: string): number => {
  const db = openDatabase(path, []);
  try {
    return (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  } finally {
    db.close();
  }
};

function copyFixture(t: { after(fn: () => void): void }): string {
  const path = join(tempDir(t), 'history.db');
  copyFileSync(join(FIXTURE, 'v3.db'), path);
  return path;
}

test('a v3 file of the last release: every row, rollup and energy figure survives under meter "default"', (t) => {
  const path = copyFixture(t);
  assert.equal(userVersion(path), 3);
  const before = statSync(path).size;
  const store = openHistoryStore(path, { timeZone: 'Europe/Vienna' });
  t.after(() => store.close());
  assert.deepEqual(store.upgrade, { from: 3, to: 5, backup: `${path}.v3-backup` });
  assert.deepEqual(store.meters(), ['default']);
  assert.equal(store.count(), expected.count);
  assert.equal(store.count('default'), expected.count);
  assert.deepEqual(store.extent('default'), expected.extent);
  assert.deepEqual(store.latest('default'), expected.latest);
  assert.deepEqual(store.latest(), expected.latest);
  const from = Math.floor(expected.extent.firstMs / 1000);
  const to = Math.floor(expected.extent.lastMs / 1000) + 1;
  assert.deepEqual(store.series('default', from, to, 600), expected.series_raw_600);
  assert.deepEqual(store.series('default', from - 86400 * 3, to, 3600), expected.series_hour);
  assert.deepEqual(store.energy('default', 'day', from - 86400, to + 86400), expected.energy_day);
  assert.deepEqual(store.energy('default', 'month', from - 86400 * 40, to + 86400), expected.energy_month);
  // nothing of it under another meter
  assert.equal(store.count('heatpump'), 0);
  assert.equal(store.extent('heatpump'), undefined);
  assert.deepEqual(store.energy('heatpump', 'day', from - 86400, to + 86400), []);

  // the backup is the v3 file as it was: complete (WAL checkpointed first), and still opens as v3
  const backup = `${path}.v3-backup`;
  assert.equal(existsSync(`${backup}-wal`), false);
  assert.equal(statSync(backup).size, before);
  assert.equal(userVersion(backup), 3);

  // new rows continue meter default's counter segment (the meter number's id survived in meter_numbers)
  const last = expected.extent.lastMs;
  const lastWh = (
    expected.series_raw_600 as { values: { energy_import_wh: (number | null)[] } }
  ).values.energy_import_wh
    .filter((v) => v !== null)
    .at(-1)!;
  store.insert([row(last + 300_000, { energy_import_wh: lastWh + 40 }, '1KFM0200204711')]);
  const day = store.energy('default', 'day', from - 86400, to + 86400 + 300) as { import_wh: number }[];
  const days = expected.energy_day as { import_wh: number }[];
  assert.equal(day.at(-1)!.import_wh, days.at(-1)!.import_wh + 40);
});

test('a second open of the upgraded file makes no second backup and reports no upgrade', (t) => {
  const path = copyFixture(t);
  openHistoryStore(path).close();
  const again = openHistoryStore(path);
  t.after(() => again.close());
  assert.equal(again.upgrade, undefined);
  assert.equal(existsSync(`${path}.v5-backup`), false);
});

test('a file written by a newer kaifareader (schema v99) is refused with what to do, and left untouched', (t) => {
  const path = copyFixture(t);
  const db = openDatabase(path, []);
  db.exec('PRAGMA user_version = 99');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
  const bytes = readFileSync(path);
  let caught: unknown;
  assert.throws(
    () => openHistoryStore(path),
    (e: unknown) => {
      caught = e;
      return (
        e instanceof Error &&
        /this history file was written by a newer kaifareader \(schema v99; this one knows up to v5\): upgrade kaifareader or move the file away/.test(
          e.message,
        )
      );
    },
  );
  assert.match(
    describeHistoryOpenError(caught, path, 'kaifareader'),
    new RegExp(
      `^cannot open the history database ${path}: this history file was written by a newer kaifareader`,
    ),
  );
  assert.equal(userVersion(path), 99);
  assert.ok(readFileSync(path).equals(bytes), 'the newer file was modified');
  assert.equal(existsSync(`${path}.v99-backup`), false);
});

test('a backup copy that cannot be written stops the upgrade: the file stays v3 and the message says why', (t) => {
  const path = copyFixture(t);
  mkdirSync(`${path}.v3-backup`); // a directory where the copy should go: copyFileSync fails
  let caught: unknown;
  assert.throws(
    () => openHistoryStore(path),
    (e: unknown) => {
      caught = e;
      return e instanceof Error && /needs a backup copy .*history\.db\.v3-backup first/.test(e.message);
    },
  );
  const message = describeHistoryOpenError(caught, path, 'kaifareader');
  assert.match(message, /the file was left as it is \(still v3\)/);
  assert.match(message, /history is off until then/);
  assert.equal(userVersion(path), 3);
  // once the way is clear the upgrade goes through
  rmSync(`${path}.v3-backup`, { recursive: true });
  const store = openHistoryStore(path);
  t.after(() => store.close());
  assert.equal(store.count('default'), expected.count);
});

test('the sink says in the log that it upgraded the file and where the copy of the old one is', async (t) => {
  const path = copyFixture(t);
  const logger = captureLogger();
  const sink = createHistorySink({ path, retentionDays: 0 }, { logger, now: () => Date.UTC(2026, 0, 5) });
  await sink.start!();
  t.after(() => sink.stop!());
  const line = logger.lines.find((l) => l.startsWith('warn history: upgraded'));
  assert.equal(
    line,
    `warn history: upgraded ${path} from schema v3 to v5; the file as it was is kept in ${path}.v3-backup (to go back: stop the service, move it back to ${path}, run the older release; delete it once the new release works)`,
  );
  assert.equal(sink.history.count('default'), expected.count);
  assert.deepEqual(sink.history.meters(), ['default']);
});

test('too little space for the backup copy (a 2 MB tmpfs): no upgrade, the message says how much is needed', (t) => {
  const mnt = join(tempDir(t), 'mnt');
  mkdirSync(mnt, { recursive: true });
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2048k', 'tmpfs', mnt]).status !== 0) {
    return t.skip('cannot mount a tmpfs here (needs root)');
  }
  try {
    tooFullCase(mnt);
  } finally {
    // here, not in t.after (the temp dir is removed first there); lazy: libsql frees a closed connection's file
    // handle only at garbage collection, so even a plain open + close leaves the mount busy for a while
    spawnSync('umount', ['-l', mnt]);
  }
});

function tooFullCase(mnt: string): void {
  const path = join(mnt, 'history.db');
  copyFileSync(join(FIXTURE, 'v3.db'), path);
  // 1100 kB left: more than the 1 MB the open itself wants, less than the copy and the rebuild need on top
  const fill = join(mnt, 'fill');
  writeFileSync(fill, Buffer.alloc(2048 * 1024 - statSync(path).size - 1100 * 1024));
  let caught: unknown;
  assert.throws(
    () => openHistoryStore(path),
    (e: unknown) => ((caught = e), e instanceof Error),
  );
  assert.match(
    describeHistoryOpenError(caught, path, 'kaifareader'),
    new RegExp(
      `^cannot open the history database ${path}: the schema upgrade v3 → v5 needs a backup copy ${path}\\.v3-backup first, and the disk holding ${mnt} is too full for it \\(1\\d{3} kB free, about 136 kB needed\\) — free some space or move the file to a larger disk; the file was left as it is \\(still v3\\); history is off until then`,
    ),
  );
  assert.equal(existsSync(`${path}.v3-backup`), false);
  assert.equal(userVersion(path), 3);
  rmSync(fill);
  const store = openHistoryStore(path);
  try {
    assert.equal(store.count('default'), expected.count);
    assert.equal(existsSync(`${path}.v3-backup`), true);
  } finally {
    store.close();
  }
}

test('a v4 file (the v3 fixture brought to v4 by the v4 migration) upgrades to v5: data kept, backup made, quarter hours built from its raw rows', (t) => {
  const path = copyFixture(t);
  // exactly what the v4 release left: its migrations applied to the v3 file
  openDatabase(
    path,
    HISTORY_MIGRATIONS.filter((m) => m.version <= 4),
  ).close();
  assert.equal(userVersion(path), 4);
  const store = openHistoryStore(path, { timeZone: 'Europe/Vienna' });
  t.after(() => store.close());
  assert.deepEqual(store.upgrade, { from: 4, to: 5, backup: `${path}.v4-backup` });
  assert.equal(userVersion(`${path}.v4-backup`), 4);
  assert.equal(store.count('default'), expected.count);
  assert.deepEqual(store.extent('default'), expected.extent);
  const from = Math.floor(expected.extent.firstMs / 1000);
  const to = Math.floor(expected.extent.lastMs / 1000) + 1;
  assert.deepEqual(store.series('default', from, to, 600), expected.series_raw_600);
  assert.deepEqual(store.energy('default', 'day', from - 86400, to + 86400), expected.energy_day);
  // the quarter hours of the stored raw rows (one per 5 minutes: every boundary reading is more than the 30 s
  // tolerance away, so none is complete): each local day's sum is the counter difference between the last raw
  // row at or before its midnights, read here straight from the file
  const qs = store.quarterHours('default', from, to);
  assert.deepEqual([...new Set(qs.map((q) => q.status))].sort(), ['missing', 'open', 'partial']);
  const db = openDatabase(path, []);
  const raw = db.prepare('SELECT ts, energy_import_wh AS wh FROM readings ORDER BY meter_ts').all() as {
    ts: number;
    wh: number;
  }[];
  db.close();
  const at = (ms: number) => raw.filter((r) => r.ts <= ms).at(-1)?.wh ?? raw[0]!.wh;
  const days = store.energy('default', 'day', from, to);
  assert.equal(days.length, 4);
  for (const d of days) {
    const end = d.start + (d === days.at(-1) ? 86400 : days[days.indexOf(d) + 1]!.start - d.start);
    const inDay = qs.filter((q) => q.start >= d.start && q.start < end);
    assert.equal(
      inDay.reduce((s, q) => s + (q.import_wh ?? 0), 0),
      at(end * 1000) - at(d.start * 1000),
      d.label,
    );
  }
});
