/**
 * Opens the history file and brings it to the current schema. Order matters for old files:
 *   1. migrations up to ROLLUPS_VERSION (v2: rollup tables exist);
 *   2. a file with raw rows but no rollups (written by v1) gets its hour/day rollups built from the raw rows in one
 *      transaction — while those rows still carry the reactive counters, so they land in the rollups;
 *   3. the remaining migrations (v3: drop the minute rollups, rebuild `readings` without reactive columns), then the
 *      WAL, which held the whole rebuilt table, is checkpointed and truncated.
 * Each step is a transaction: a kill -9 in between leaves a file that the next open continues from.
 */
import { migrate, openDatabase, type SqliteDatabase } from './sqlite.js';
import { HISTORY_MIGRATIONS, ROLLUP_TABLES, ROLLUPS_VERSION, type RollupLevel } from './history-schema.js';
import { RollupBuilder, rollupUpsertSql, type Partials, type StoredRow } from './rollup.js';

const LEVELS = Object.keys(ROLLUP_TABLES) as RollupLevel[];

export function openHistoryDatabase(path: string): SqliteDatabase {
  const db = openDatabase(
    path,
    HISTORY_MIGRATIONS.filter((m) => m.version <= ROLLUPS_VERSION),
  );
  try {
    if (rollupsMissing(db)) rebuildRollups(db);
    const before = userVersion(db);
    migrate(db, HISTORY_MIGRATIONS);
    if (before < userVersion(db) && path !== ':memory:') db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function userVersion(db: SqliteDatabase): number {
  return (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
}

/** A function that upserts one batch of partial aggregates into the rollup tables (in the caller's transaction). */
export function rollupWriter(db: SqliteDatabase): (partials: Partials) => void {
  const upserts = LEVELS.map((level) => [level, db.prepare(rollupUpsertSql(level))] as const);
  return (partials) => {
    for (const [level, upsert] of upserts) {
      for (const [bucket, values] of partials[level]) upsert.run(bucket, ...values);
    }
  };
}

function rollupsMissing(db: SqliteDatabase): boolean {
  const raw = db.prepare('SELECT 1 FROM readings LIMIT 1').get();
  return raw !== undefined && db.prepare('SELECT 1 FROM rollup_hour LIMIT 1').get() === undefined;
}

/** Builds the rollups from the raw rows, 20 000 rows at a time, in one transaction. */
function rebuildRollups(db: SqliteDatabase): void {
  const builder = new RollupBuilder(undefined);
  const write = rollupWriter(db);
  const select = db.prepare('SELECT * FROM readings WHERE ts > ? ORDER BY ts LIMIT 20000');
  db.exec('BEGIN IMMEDIATE');
  try {
    let after = -1;
    for (;;) {
      const rows = select.all(after) as StoredRow[];
      if (rows.length === 0) break;
      write(builder.build(rows.map((r) => ({ ...r, meterId: '' }))));
      after = rows[rows.length - 1]!.ts;
    }
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}
