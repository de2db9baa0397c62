/**
 * The durable MQTT outbox: every state message is written here first (one SQLite row, committed before
 * `handle()` returns) and deleted only when the broker acknowledged it. A broker outage of days, a restart or
 * a kill -9 loses nothing; after reconnect the rows are sent in id order with their original payloads.
 *
 * File `<dataDir>/mqtt-outbox.db`, table `outbox(id, topic, payload, qos, retain, created_at)`; `id` is
 * AUTOINCREMENT so it never goes back, even after the table was emptied. Bounded by `maxMessages`: beyond it
 * the oldest rows are dropped and counted.
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
  close(): void;
}

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
  const bound = Math.max(1, Math.floor(maxMessages));

  return {
    push(messages, qos, createdAt) {
      if (messages.length === 0) return 0;
      let dropped = 0;
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const m of messages) insert.run(m.topic, m.payload, qos, m.retain ? 1 : 0, createdAt);
        const excess = count + messages.length - bound;
        if (excess > 0) dropped = Number(dropOldest.run(excess).changes);
        db.exec('COMMIT');
      } catch (e) {
        db.exec('ROLLBACK');
        throw e;
      }
      count += messages.length - dropped;
      return dropped;
    },
    after(afterId, limit) {
      return (select.all(afterId, limit) as Row[]).map(toQueued);
    },
    remove(id) {
      count -= Number(del.run(id).changes);
    },
    size: () => count,
    close: () => db.close(),
  };
}
