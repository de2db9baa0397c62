/**
 * Opens the history file and brings it to the current schema. A file from a NEWER release (user_version above
 * HISTORY_VERSION) is refused untouched. Before any upgrade of an existing file, the WAL is checkpointed and the
 * file copied to `<path>.v<old>-backup` next to it (undo: stop the service, move the copy back); when the copy
 * cannot be made (disk full, permission) the file is not upgraded and the open fails saying why.
 * Order matters for old files:
 *   1. migrations up to ROLLUPS_VERSION (v2: rollup tables exist);
 *   2. a file with raw rows but no rollups (written by v1) gets its hour/day rollups built from the raw rows in one
 *      transaction — while those rows still carry the reactive counters, so they land in the rollups;
 *   3. the remaining migrations (v3: drop the minute rollups, rebuild `readings` without reactive columns; v4; v5:
 *      the `quarter_hour` table), then the WAL, which held the whole rebuilt table, is checkpointed and truncated;
 *   4. a file with raw rows but no quarter hours (upgraded from v4 or older) gets them built from those raw rows
 *      (on their receive time) in one transaction.
 * Each step is a transaction: a kill -9 in between leaves a file that the next open continues from.
 */
import { accessSync, constants, copyFileSync, existsSync, rmSync, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate, openDatabase, type SqliteDatabase } from './sqlite.js';
import {
  HISTORY_MIGRATIONS,
  HISTORY_VERSION,
  ROLLUP_TABLES,
  ROLLUPS_VERSION,
  type RollupLevel,
} from './history-schema.js';
import { RollupBuilder, rollupUpsertSql, type Partials, type StoredRow } from './rollup.js';
import { rebuildQuarterHours } from './history-quarter-hour.js';
import { DEFAULT_QUARTER_TOLERANCE_MS } from './quarter-hour.js';

const LEVELS = Object.keys(ROLLUP_TABLES) as RollupLevel[];

/** A schema upgrade done by this open: from which version, and the copy of the file as it was. */
export interface SchemaUpgrade {
  from: number;
  to: number;
  /** Path of the copy made before the upgrade (undefined only for `:memory:`). */
  backup: string | undefined;
}

/** Error codes of the refusals below (matched by describeHistoryOpenError). */
export const SCHEMA_NEWER = 'KAIFAREADER_SCHEMA_NEWER';
export const BACKUP_FAILED = 'KAIFAREADER_BACKUP_FAILED';

export function openHistoryDatabase(
  path: string,
  quarterToleranceMs = DEFAULT_QUARTER_TOLERANCE_MS,
): {
  db: SqliteDatabase;
  upgrade: SchemaUpgrade | undefined;
} {
  // With (nearly) no space the open fails somewhere inside SQLite (SQLITE_IOERR_SHMSIZE, SQLITE_FULL, a rollback
  // of nothing) and a statement of the failed open may keep the file open until garbage collection: refuse early.
  const free = path === ':memory:' ? undefined : freeBytes(dirname(path));
  if (free !== undefined && free < FULL_BYTES) {
    throw Object.assign(new Error(`no space left on the device (${Math.floor(free / 1024)} kB free)`), {
      code: 'ENOSPC',
    });
  }
  // no migrations yet: first see which version the file has (a newer file must not be touched)
  const db = openDatabase(path, []);
  try {
    const found = userVersion(db);
    if (found > HISTORY_VERSION) {
      throw Object.assign(
        new Error(
          `this history file was written by a newer kaifareader (schema v${found}; this one knows up to v${HISTORY_VERSION}): upgrade kaifareader or move the file away`,
        ),
        { code: SCHEMA_NEWER },
      );
    }
    // every existing file is copied (a file of rollups only, after retention, is history too); a new one is not
    const backup =
      found > 0 && found < HISTORY_VERSION && path !== ':memory:' ? backupCopy(db, path, found) : undefined;
    migrate(
      db,
      HISTORY_MIGRATIONS.filter((m) => m.version <= ROLLUPS_VERSION),
    );
    if (rollupsMissing(db)) rebuildRollups(db);
    migrate(db, HISTORY_MIGRATIONS);
    if (quarterHoursMissing(db)) inTransaction(db, () => rebuildQuarterHours(db, quarterToleranceMs));
    const upgraded = found > 0 && found < userVersion(db);
    if (found < userVersion(db) && path !== ':memory:') db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    return { db, upgrade: upgraded ? { from: found, to: userVersion(db), backup } : undefined };
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Copies the file (WAL checkpointed into it first, so the copy is complete on its own) to `<path>.v<N>-backup`.
 * Checks the free space first: the copy and the upgrade (which rewrites the tables) each need about the file's
 * size. A failed copy is removed and the upgrade refused (BACKUP_FAILED).
 */
function backupCopy(db: SqliteDatabase, path: string, version: number): string {
  const target = `${path}.v${version}-backup`;
  const refuse = (why: string, cause?: unknown): never => {
    throw Object.assign(
      new Error(
        `the schema upgrade v${version} → v${HISTORY_VERSION} needs a backup copy ${target} first, and ${why}; the file was left as it is (still v${version})`,
      ),
      { code: BACKUP_FAILED, cause },
    );
  };
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const size = statSync(path).size;
  const free = freeBytes(dirname(path));
  if (free !== undefined && free < 2 * size + FULL_BYTES) {
    refuse(
      `the disk holding ${dirname(path)} is too full for it (${Math.floor(free / 1024)} kB free, about ${Math.ceil((2 * size) / 1024)} kB needed) — free some space or move the file to a larger disk`,
    );
  }
  try {
    copyFileSync(path, target);
  } catch (e) {
    try {
      rmSync(target, { force: true }); // a partial copy (disk full) is no backup
    } catch {
      // not a file (a directory in the way): left alone, the message names it
    }
    const code = codeOf(e);
    const why = /^(ENOSPC|EDQUOT)/.test(code)
      ? `the disk holding ${dirname(path)} is full — free some space`
      : `it could not be written (${e instanceof Error ? e.message : String(e)}) — make ${dirname(path)} writable for the service user or move ${target} away`;
    refuse(why, e);
  }
  return target;
}

function userVersion(db: SqliteDatabase): number {
  return (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
}

/**
 * A function that upserts one meter's batch of partial aggregates into the rollup tables (in the caller's
 * transaction); `meter` is meters.id. `keyed: false` writes the v2 layout (a v1 file's rebuild, no meter column).
 */
export function rollupWriter(db: SqliteDatabase, keyed = true): (meter: number, partials: Partials) => void {
  const upserts = LEVELS.map((level) => [level, db.prepare(rollupUpsertSql(level, keyed))] as const);
  return (meter, partials) => {
    for (const [level, upsert] of upserts) {
      for (const [bucket, values] of partials[level]) {
        if (keyed) upsert.run(meter, bucket, ...values);
        else upsert.run(bucket, ...values);
      }
    }
  };
}

function rollupsMissing(db: SqliteDatabase): boolean {
  const raw = db.prepare('SELECT 1 FROM readings LIMIT 1').get();
  return raw !== undefined && db.prepare('SELECT 1 FROM rollup_hour LIMIT 1').get() === undefined;
}

function quarterHoursMissing(db: SqliteDatabase): boolean {
  const raw = db.prepare('SELECT 1 FROM readings WHERE energy_import_wh IS NOT NULL LIMIT 1').get();
  return raw !== undefined && db.prepare('SELECT 1 FROM quarter_hour LIMIT 1').get() === undefined;
}

function inTransaction(db: SqliteDatabase, work: () => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    work();
    db.exec('COMMIT');
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}

/** Builds the rollups from the raw rows, 20 000 rows at a time, in one transaction. */
function rebuildRollups(db: SqliteDatabase): void {
  const builder = new RollupBuilder(undefined);
  const write = rollupWriter(db, false);
  // v1 layout: `meter` is the meter number's dictionary id
  const select = db.prepare('SELECT *, meter AS number FROM readings WHERE ts > ? ORDER BY ts LIMIT 20000');
  db.exec('BEGIN IMMEDIATE');
  try {
    let after = -1;
    for (;;) {
      const rows = select.all(after) as StoredRow[];
      if (rows.length === 0) break;
      write(0, builder.build(rows));
      after = rows[rows.length - 1]!.ts;
    }
    db.exec('COMMIT');
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}

/** Below this much free space at open time, a failure is blamed on the full disk (SQLite needs the WAL and -shm). */
const FULL_BYTES = 1 << 20;

/** Free bytes for unprivileged users on the file system holding `dir` (its nearest existing ancestor). */
function freeBytes(dir: string): number | undefined {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  try {
    const st = statfsSync(d);
    return st.bavail * st.bsize;
  } catch {
    return undefined;
  }
}

/** The nearest existing directory on the way to `dir` that this process may not write, if any. */
function unwritable(dir: string): string | undefined {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  try {
    accessSync(d, constants.W_OK | constants.X_OK);
    return undefined;
  } catch {
    return d;
  }
}

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * Why the history file cannot be opened, for the log and the status page: the path, the cause and what to do.
 * libsql reports an unwritable directory only as `ConnectionFailed("Unable to open connection to local database
 * …: 14")` (14 = SQLITE_CANTOPEN) and a disk that fills up during the schema setup as SQLITE_IOERR_SHMSIZE or
 * SQLITE_FULL, so the file system is asked directly: is the directory writable, how much space is free. `user` is
 * the account the service runs as.
 */
export function describeHistoryOpenError(e: unknown, path: string, user: string): string {
  const dir = dirname(path);
  const code = codeOf(e);
  const detail = e instanceof Error ? e.message : String(e);
  const head = `cannot open the history database ${path}`;
  const tail = 'history is off until then (retried by itself); the other exports keep running';
  // the open's own refusals already say what to do
  if (code === SCHEMA_NEWER) return `${head}: ${detail}; history is off until then (the file is not touched)`;
  if (code === BACKUP_FAILED) return `${head}: ${detail}; ${tail}`;
  const free = freeBytes(dir);
  const denied = unwritable(dir);
  if (
    /^(ENOSPC|EDQUOT|SQLITE_FULL|SQLITE_IOERR_SHMSIZE)/.test(code) ||
    (free !== undefined && free < FULL_BYTES)
  ) {
    const kb = free === undefined ? '' : ` (${Math.floor(free / 1024)} kB free)`;
    return `${head}: the disk holding ${dir} is full${kb} — free some space or set exports.history.path to another disk; ${tail}`;
  }
  if (/^(EROFS|SQLITE_READONLY)/.test(code)) {
    return `${head}: the file system is read-only — set exports.history.path to a writable location (e.g. under /var/lib/kaifareader); ${tail}`;
  }
  if (
    denied !== undefined ||
    /^(EACCES|EPERM|SQLITE_CANTOPEN|SQLITE_PERM)/.test(code) ||
    /: 14"?\)?$/.test(detail)
  ) {
    const where = denied ?? dir;
    return `${head}: permission denied — the user ${user} may not write ${where} (\`sudo chown ${user} ${where}\`), or set exports.history.path to a writable location; ${tail}`;
  }
  if (code === 'ENOTDIR') {
    return `${head}: a part of ${dir} is a file, not a directory — fix exports.history.path; ${tail}`;
  }
  if (/^(SQLITE_CORRUPT|SQLITE_NOTADB)/.test(code)) {
    return `${head}: ${path} is corrupt or not a history database: stop the service, move the file away and restart (a new one is created)`;
  }
  return `${head}: ${detail}${code ? ` (${code})` : ''}; ${tail}`;
}
