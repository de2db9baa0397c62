/**
 * The durable MQTT outbox: every state message is written here first (one SQLite row, committed before
 * `handle()` returns) and deleted only when the broker acknowledged it. A broker outage of days, a restart or
 * a kill -9 loses nothing; after reconnect the rows are sent in id order with their original payloads.
 *
 * File `<dataDir>/mqtt-outbox.db`, table `outbox(id, topic, payload, qos, retain, created_at)`; `id` is
 * AUTOINCREMENT so it never goes back, even after the table was emptied. Bounded by `maxMessages`: beyond it
 * the oldest rows are dropped and counted.
 *
 * Cheap per telegram (bench/daemon.ts, bench/meters.ts): one transaction per tick, nothing read back.
 * - push() gives the rows their ids at once (AUTOINCREMENT's counter, kept here) and keeps them in memory; they
 *   are delivered from memory right away and written to the file in one transaction per COMMIT_MS tick, with the
 *   DELETEs of what was delivered meanwhile (a row delivered before its tick is never written at all).
 *   Bound: a kill -9 (power loss: plus SQLite's WAL NORMAL window) loses at most the rows of the current tick
 *   (≤ COMMIT_MS) that the broker had not acknowledged; a row is durable from the tick after its push (stop()
 *   commits: close()). A full outbox (`maxMessages`) commits at once, so dropping the oldest stays exact.
 * - The newest rows are also kept in memory (`recent`, up to RECENT_MAX, exactly the outbox's rows with
 *   id ≥ `recentFrom`), so delivering what was just pushed needs no SELECT; only a backlog older than that (after
 *   an outage or a restart) is read from the file (after a commit, so the file is complete).
 * - A delivered row is gone from `size()`/`after()` at once; its DELETE is written with the next tick. A kill -9
 *   before that sends it again after the restart: at least once, which QoS 1 is anyway.
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
  /** Commits now what the tick would (pushed rows, DELETEs of delivered ones); normally the timer or close. */
  flush(): void;
  /**
   * Resolves once every row pushed so far is in the file (or delivered): commits at the next turn of the event
   * loop instead of the tick, so the waiters of one burst share one transaction. For a source that
   * acknowledges its telegrams upstream only when they are kept (MQTT in, Sink.persisted). A commit that
   * fails (disk full) still releases the waiters: the rows stay in memory, push() has reported the disk.
   */
  durable(): Promise<void>;
  close(): void;
}

/** Newest rows kept in memory for delivery without a read back. */
const RECENT_MAX = 1000;
/** The tick: pushed rows and DELETEs of delivered ones are committed together at most this long after. */
export const COMMIT_MS = 1000;
/** …or as soon as this many are waiting (bounded memory whatever the rate). */
const COMMIT_BATCH = 1000;

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
    'INSERT INTO outbox (id, topic, payload, qos, retain, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const select = db.prepare('SELECT * FROM outbox WHERE id > ? ORDER BY id LIMIT ?');
  const del = db.prepare('DELETE FROM outbox WHERE id = ?');
  const dropOldest = db.prepare('DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)');
  let count = Number((db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n);
  const maxId = Number((db.prepare('SELECT MAX(id) AS m FROM outbox').get() as { m: number | null }).m ?? 0);
  const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as
    { seq: number } | undefined;
  /** AUTOINCREMENT's rule kept in memory: never an id used before, even after the table was emptied. */
  let nextId = Math.max(maxId, Number(seq?.seq ?? 0)) + 1;
  const bound = Math.max(1, Math.floor(maxMessages));
  /** Every row of the outbox (written or not) with id ≥ recentFrom, in id order (see the header). */
  let recent: QueuedMessage[] = [];
  let recentFrom = nextId;
  /** Pushed, not yet written (in id order); a delivered one is simply taken out. */
  let inserts = new Map<number, QueuedMessage>();
  /** Delivered rows that are in the file (already out of `count` and `recent`). */
  let deletes: number[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let waiters: (() => void)[] = [];
  let soon: ReturnType<typeof setImmediate> | undefined;

  function release(): void {
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  }

  /** One transaction: the tick's rows and DELETEs, then (a full outbox) the `drop` oldest. Returns rows dropped. */
  function commit(drop = 0): number {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (inserts.size === 0 && deletes.length === 0 && drop <= 0) return 0;
    let dropped = 0;
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const id of deletes) del.run(id);
      for (const m of inserts.values())
        insert.run(m.id, m.topic, m.payload, m.qos, m.retain ? 1 : 0, m.createdAt);
      if (drop > 0) dropped = Number(dropOldest.run(drop).changes);
      db.exec('COMMIT');
    } catch (e) {
      // SQLite may have rolled back already (SQLITE_FULL, I/O); the rows stay in memory for the next tick
      if (db.inTransaction) db.exec('ROLLBACK');
      armTimer();
      throw e;
    }
    deletes = [];
    inserts = new Map();
    return dropped;
  }

  function schedule(): void {
    if (inserts.size + deletes.length >= COMMIT_BATCH) commit();
    else armTimer();
  }

  function armTimer(): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      try {
        commit();
      } catch {
        // a failing disk: push() and close() report it; the rows stay in memory and are tried again
      }
    }, COMMIT_MS);
    timer.unref();
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
      const added = messages.map((m): QueuedMessage => ({
        id: nextId++,
        topic: m.topic,
        payload: m.payload,
        qos,
        retain: m.retain,
        createdAt,
      }));
      for (const m of added) inserts.set(m.id, m);
      recent.push(...added);
      count += added.length;
      const excess = count - bound;
      if (excess > 0) {
        let dropped: number;
        try {
          dropped = commit(excess);
        } catch (e) {
          // not written: the rows are no longer pushed
          for (const m of added) inserts.delete(m.id);
          recent = recent.filter((r) => !added.includes(r));
          count -= added.length;
          throw e;
        }
        count -= dropped;
        // the dropped rows are the oldest of the file (some may be in `recent`, even just added ones)
        const oldestLeft = (select.get(0, 1) as Row | undefined)?.id ?? Infinity;
        if (recentFrom < oldestLeft) recentFrom = oldestLeft; // `recent` held the whole outbox
        recent = recent.filter((r) => r.id >= oldestLeft);
        return dropped;
      }
      schedule();
      if (recent.length > RECENT_MAX) {
        recent = recent.slice(recent.length - RECENT_MAX);
        recentFrom = recent[0]!.id;
      }
      return 0;
    },
    after(afterId, limit) {
      if (afterId + 1 >= recentFrom) {
        const at = firstAfter(afterId);
        return recent.slice(at, at + limit);
      }
      commit(); // the file must hold every row, and no delivered one
      return (select.all(afterId, limit) as Row[]).map(toQueued);
    },
    remove(id) {
      if (id >= recentFrom) {
        const at = firstAfter(id - 1);
        if (recent[at]?.id !== id) return; // dropped or removed already
        recent.splice(at, 1);
        count -= 1;
        if (!inserts.delete(id)) deletes.push(id); // delivered before its tick: never written
        schedule();
        return;
      }
      if (inserts.delete(id)) {
        count -= 1;
        return;
      }
      count -= Number(del.run(id).changes);
    },
    size: () => count,
    flush: () => void commit(),
    durable() {
      if (inserts.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        soon ??= setImmediate(() => {
          soon = undefined;
          try {
            commit();
          } catch {
            // the rows stay in memory for the next tick; push() reports a failing disk
          }
          release();
        });
      });
    },
    close() {
      if (soon) clearImmediate(soon);
      soon = undefined;
      try {
        commit();
      } finally {
        release();
        db.close();
      }
    },
  };
}
