/**
 * The durable MQTT outbox: every state message is written here first (one SQLite row, committed before
 * `handle()` returns) and deleted only when the broker acknowledged it. A broker outage of days, a restart or
 * a kill -9 loses nothing; after reconnect the rows are sent in id order with their original payloads.
 *
 * File `<dataDir>/mqtt-outbox.db`, table `outbox(id, topic, payload, qos, retain, created_at)`; `id` is
 * AUTOINCREMENT so it never goes back, even after the table was emptied. Bounded by `maxMessages`: beyond it
 * the oldest rows are dropped and counted.
 *
 * Cheap per telegram (bench/daemon.ts): one transaction per push, nothing read back.
 * - The newest rows are also kept in memory (`recent`, up to RECENT_MAX, exactly the rows of the file with
 *   id ≥ `recentFrom`), so delivering what was just pushed needs no SELECT; only a backlog older than that (after
 *   an outage or a restart) is read from the file.
 * - A delivered row is gone from `size()`/`after()` at once, but its DELETE waits for the next push (same
 *   transaction), for a read of the file, for DELETE_FLUSH_MS, or close(). Bound: a kill -9 in that window
 *   sends those rows (at most DELETE_BATCH) again after the restart: at least once, which QoS 1 is anyway.
 *   A pushed row is in the file when push() returns (never lost by a kill -9).
 */
import { openDatabase, type Migration, type SqliteDatabase } from '../../store/sqlite.js';
import type { OutgoingMessage, QueuedMessage } from './types.js';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    sql: `CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            topic TEXT NOT NULL,
            payload TEXT NOT NULL,
            qos INTEGER NOT NULL,
            retain INTEGER NOT NULL,
            created_at INTEGER NOT NULL
          )`,
  },
];

interface Row {
  id: number;
  topic: string;
  payload: string;
  qos: number;
  retain: number;
  created_at: number;
}

export interface Outbox {
  /** Appends messages in one transaction; returns how many old rows were dropped to stay within the bound. */
  push(messages: OutgoingMessage[], qos: 0 | 1 | 2, createdAt: number): number;
  /** Up to `limit` rows with id > `afterId`, oldest first. */
  after(afterId: number, limit: number): QueuedMessage[];
  /** Deletes an acknowledged row (no-op when it was dropped meanwhile). */
  remove(id: number): void;
  /** Rows waiting for delivery. */
  size(): number;
  /** Writes the pending DELETEs of delivered rows now (normally done by push, a timer or close). */
  flush(): void;
  close(): void;
}

/** Newest rows kept in memory for delivery without a read back. */
const RECENT_MAX = 1000;
/** Delivered rows whose DELETE may wait at most this long, or this many. */
const DELETE_FLUSH_MS = 1000;
const DELETE_BATCH = 500;

function toQueued(r: Row): QueuedMessage {
  return {
    id: r.id,
    topic: r.topic,
    payload: r.payload,
    qos: r.qos === 2 ? 2 : r.qos === 1 ? 1 : 0,
    retain: r.retain === 1,
    createdAt: r.created_at,
  };
}

export function createOutbox(path: string, maxMessages: number): Outbox {
  const db: SqliteDatabase = openDatabase(path, MIGRATIONS);
  const insert = db.prepare(
    'INSERT INTO outbox (topic, payload, qos, retain, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const select = db.prepare('SELECT * FROM outbox WHERE id > ? ORDER BY id LIMIT ?');
  const del = db.prepare('DELETE FROM outbox WHERE id = ?');
  const dropOldest = db.prepare('DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)');
  let count = Number((db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n);
  const maxId = Number((db.prepare('SELECT MAX(id) AS m FROM outbox').get() as { m: number | null }).m ?? 0);
  const bound = Math.max(1, Math.floor(maxMessages));
  /** Every row of the file with id ≥ recentFrom, in id order (see the header). */
  let recent: QueuedMessage[] = [];
  let recentFrom = maxId + 1;
  /** Delivered rows (already out of `count` and `recent`) whose DELETE is still to be written. */
  let deletes: number[] = [];
  let deleteTimer: ReturnType<typeof setTimeout> | undefined;

  function writeDeletes(): void {
    for (const id of deletes) del.run(id);
    deletes = [];
  }

  function flush(): void {
    if (deleteTimer) clearTimeout(deleteTimer);
    deleteTimer = undefined;
    if (deletes.length === 0) return;
    db.exec('BEGIN IMMEDIATE');
    try {
      writeDeletes();
      db.exec('COMMIT');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Index of the first row in `recent` with id > afterId. */
  function firstAfter(afterId: number): number {
    let lo = 0;
    let hi = recent.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (recent[mid]!.id > afterId) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  return {
    push(messages, qos, createdAt) {
      if (messages.length === 0) return 0;
      let dropped = 0;
      const added: QueuedMessage[] = [];
      const pendingDeletes = deletes;
      db.exec('BEGIN IMMEDIATE');
      try {
        writeDeletes();
        for (const m of messages) {
          const id = Number(insert.run(m.topic, m.payload, qos, m.retain ? 1 : 0, createdAt).lastInsertRowid);
          added.push({ id, topic: m.topic, payload: m.payload, qos, retain: m.retain, createdAt });
        }
        const excess = count + messages.length - bound;
        if (excess > 0) dropped = Number(dropOldest.run(excess).changes);
        db.exec('COMMIT');
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        deletes = pendingDeletes; // not written: keep them for the next try
        throw e;
      }
      if (deleteTimer) clearTimeout(deleteTimer);
      deleteTimer = undefined;
      count += messages.length - dropped;
      if (recent.length === 0) recentFrom = Math.min(recentFrom, added[0]!.id);
      recent.push(...added);
      if (dropped > 0) {
        // the dropped rows are the oldest of the file (some may be in `recent`, even just added ones)
        const oldestLeft = (select.get(0, 1) as Row | undefined)?.id ?? Infinity;
        if (recentFrom < oldestLeft) recentFrom = oldestLeft; // `recent` held the whole file
        recent = recent.filter((r) => r.id >= oldestLeft);
      }
      if (recent.length > RECENT_MAX) {
        recent = recent.slice(recent.length - RECENT_MAX);
        recentFrom = recent[0]!.id;
      }
      return dropped;
    },
    after(afterId, limit) {
      if (afterId + 1 >= recentFrom) {
        const at = firstAfter(afterId);
        return recent.slice(at, at + limit);
      }
      flush(); // a delivered row must not be read back from the file
      return (select.all(afterId, limit) as Row[]).map(toQueued);
    },
    remove(id) {
      if (id >= recentFrom) {
        const at = firstAfter(id - 1);
        if (recent[at]?.id !== id) return; // dropped or removed already
        recent.splice(at, 1);
        count -= 1;
        deletes.push(id);
        if (deletes.length >= DELETE_BATCH) flush();
        else if (!deleteTimer) {
          deleteTimer = setTimeout(flush, DELETE_FLUSH_MS);
          deleteTimer.unref();
        }
        return;
      }
      count -= Number(del.run(id).changes);
    },
    size: () => count,
    flush,
    close() {
      flush();
      db.close();
    },
  };
}
