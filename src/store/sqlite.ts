/**
 * The one owner of the SQLite library (libsql, same API as better-sqlite3, prebuilt N-API binaries for
 * x64/arm64/armhf). Opens a database file with WAL and applies numbered migrations inside transactions, so a
 * kill -9 at any moment leaves a consistent file. Used by the history store and the MQTT outbox.
 */
import Database from 'libsql';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDatabase = InstanceType<typeof Database>;

export interface Migration {
  /** 1, 2, 3, … applied in order; recorded in PRAGMA user_version. */
  version: number;
  sql: string;
}

/** Opens (creating the directory and file when needed) with WAL, NORMAL sync and a busy timeout. */
export function openDatabase(path: string, migrations: Migration[]): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA busy_timeout = 5000');
    migrate(db, migrations);
    return db;
  } catch (e) {
    db.close(); // a failed open (disk full, read-only) is retried later: never leak the handle
    throw e;
  }
}

/** Applies every migration newer than PRAGMA user_version, each in its own transaction. */
export function migrate(db: SqliteDatabase, migrations: Migration[]): void {
  const current = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
      db.exec('COMMIT');
    } catch (e) {
      // SQLite has already rolled back after some errors (SQLITE_FULL, I/O): a second ROLLBACK would throw "cannot
      // rollback - no transaction is active" and hide the real cause.
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    }
  }
}
