import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/sqlite.js';
import { openHistoryStore } from '../../src/store/history-store.js';
import { RollupBuilder, ROLLUP_COLUMNS, type StoredRow } from '../../src/store/rollup.js';
import { ROLLUP_TABLES, type RollupLevel } from '../../src/store/history-schema.js';
import { tempDir } from './helpers.js';

const CHILD = join(import.meta.dirname, 'crash-child.ts');

/** Starts the inserting child, waits for its first commit, lets it run a random while, then SIGKILLs it. */
async function runAndKill(path: string, startTs: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, String(startTs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => resolve());
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 400));
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

test('kill -9 at random moments leaves a consistent file: integrity ok, rollups equal a rebuild from raw rows', async (t) => {
  const path = join(tempDir(t), 'h.db');
  for (let run = 0; run < 4; run++) await runAndKill(path, Date.UTC(2026, 0, 1) + run * 1e10);

  const db = openDatabase(path, []);
  t.after(() => db.close());
  assert.deepEqual(db.prepare('PRAGMA integrity_check').raw(true).all(), [['ok']]);
  // one configured meter (`default`, meters.id 0); `number` is the meter number's id, as the builder sees it
  const raw = db
    .prepare('SELECT *, meter_number AS number FROM readings WHERE meter = 0 ORDER BY ts')
    .all() as StoredRow[];
  assert.ok(raw.length > 4, `only ${raw.length} rows were committed`);
  const rebuilt = new RollupBuilder(undefined).build(raw);
  for (const level of Object.keys(ROLLUP_TABLES) as RollupLevel[]) {
    const stored = db.prepare(`SELECT * FROM rollup_${level} ORDER BY ts`).raw(true).all() as number[][];
    assert.ok(
      stored.every((r) => r[0] === 0),
      `${level}: every bucket belongs to meter 0`,
    );
    for (const r of stored) r.shift(); // the meter column: compared above
    const expected = [...rebuilt[level]].sort((a, b) => a[0] - b[0]).map(([ts, v]) => [ts, ...v]);
    assert.equal(stored.length, expected.length, `${level} bucket count`);
    assert.deepEqual(stored, expected, `${level} rollups differ from the raw rows`);
    assert.equal(stored[0]!.length, ROLLUP_COLUMNS.length + 1);
  }
  // and the store opens again and continues
  const store = openHistoryStore(path);
  assert.equal(store.count(), raw.length);
  store.close();
});
