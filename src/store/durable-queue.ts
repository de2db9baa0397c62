/**
 * A durable FIFO of text payloads for sinks that deliver to a database (PostgreSQL): every item is committed to
 * SQLite before `push` returns and deleted only after the peer committed it, so an outage of hours, a restart
 * or a kill -9 loses nothing and delivery resumes in order with the original payloads.
 *
 * Table `queue(id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT, created_at INTEGER)`; `id` never goes back.
 * Bounded by `maxItems`: beyond it the oldest rows are dropped and the drop is returned to the caller to count.
 * (The MQTT outbox, src/sinks/mqtt/outbox.ts, keeps topic/QoS/retain per row and predates this.)
 */
import { openDatabase, type Migration, type SqliteDatabase } from './sqlite.js';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    sql: `CREATE TABLE queue (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            payload TEXT NOT NULL,
            created_at INTEGER NOT NULL
          )`,
  },
];

export interface QueuedItem {
  id: number;
  payload: string;
  createdAt: number;
}

export interface DurableQueue {
  /** Appends in one transaction; returns how many of the oldest rows were dropped to stay within the bound. */
  push(payloads: readonly string[], createdAt: number): number;
  /** Up to `limit` of the oldest rows. */
  peek(limit: number): QueuedItem[];
  /** Deletes every row with id ≤ `id` (a delivered batch). */
  ackThrough(id: number): void;
  size(): number;
  close(): void;
}

export function openDurableQueue(path: string, maxItems: number): DurableQueue {
  const db: SqliteDatabase = openDatabase(path, MIGRATIONS);
  const insert = db.prepare('INSERT INTO queue (payload, created_at) VALUES (?, ?)');
  const select = db.prepare('SELECT id, payload, created_at FROM queue ORDER BY id LIMIT ?');
  const ack = db.prepare('DELETE FROM queue WHERE id <= ?');
  const dropOldest = db.prepare('DELETE FROM queue WHERE id IN (SELECT id FROM queue ORDER BY id LIMIT ?)');
  let count = Number((db.prepare('SELECT COUNT(*) AS n FROM queue').get() as { n: number }).n);
  const bound = Math.max(1, Math.floor(maxItems));
  return {
    push(payloads, createdAt) {
      if (payloads.length === 0) return 0;
      let dropped = 0;
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const p of payloads) insert.run(p, createdAt);
        const excess = count + payloads.length - bound;
        if (excess > 0) dropped = Number(dropOldest.run(excess).changes);
        db.exec('COMMIT');
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
      count += payloads.length - dropped;
      return dropped;
    },
    peek(limit) {
      return (select.all(limit) as { id: number; payload: string; created_at: number }[]).map((r) => ({
        id: Number(r.id),
        payload: r.payload,
        createdAt: Number(r.created_at),
      }));
    },
    ackThrough(id) {
      count -= Number(ack.run(id).changes);
    },
    size: () => count,
    close: () => db.close(),
  };
}
