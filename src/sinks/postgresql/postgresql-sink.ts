/**
 * The PostgreSQL sink: every telegram becomes a row in the durable outbox (`<dataDir>/postgresql-outbox.db`,
 * committed before `handle()` returns) and is delivered in order, in batches of `batch_size`, with
 * `INSERT … ON CONFLICT (meter, received_at) DO NOTHING` — nothing is lost while the database is down,
 * restarted or unreachable for hours, or while kaifareader is killed, and a batch retried after a lost
 * acknowledgement never duplicates. The table is created (and later migrated) by the sink at each connect.
 *
 * Connection problems are logged once per outage with what to do; the sink retries with a backoff of 1 s
 * doubling to 60 s. `stop()`: deliver what can be delivered within ~1 s, then close.
 */
import { join } from 'node:path';
import type { Logger } from '../../log/logger.js';
import type { MeterSnapshot } from '../../model/snapshot.js';
import { openDurableQueue, type DurableQueue } from '../../store/durable-queue.js';
import type { Sink, SinkStatus } from '../sink.js';
import type { PostgresqlConfig } from './options.js';
import {
  connectPostgres,
  describePostgresUrl,
  explainPostgresError,
  type PgConnection,
} from './pg-client.js';
import { createTableSql, insertSql, toPgRow, type PgRow } from './rows.js';

export const PG_OUTBOX_FILE = 'postgresql-outbox.db';
/** Kept in memory when the outbox file cannot be opened (data_dir not writable, disk full). */
export const PG_MEMORY_OUTBOX_MAX = 10_000;
const STOP_FLUSH_MS = 1000;
const DROP_WARN_MS = 60_000;

export interface PostgresqlSinkOptions {
  logger: Logger;
  dataDir: string;
  now?: () => number;
  /** Reconnect backoff, default 1 s doubling to 60 s. */
  backoff?: { minMs: number; maxMs: number };
}

function openOutbox(path: string, max: number, log: Logger): DurableQueue {
  try {
    return openDurableQueue(path, max);
  } catch (e) {
    const keep = Math.min(max, PG_MEMORY_OUTBOX_MAX);
    log.error(
      `cannot open the PostgreSQL outbox ${path} (${e instanceof Error ? e.message : String(e)}) — check that data_dir is writable and has free space; keeping at most ${keep} telegrams in memory only`,
    );
    return openDurableQueue(':memory:', keep);
  }
}

export function createPostgresqlSink(cfg: PostgresqlConfig, opts: PostgresqlSinkOptions): Sink {
  const log = opts.logger.child('postgresql');
  const now = opts.now ?? Date.now;
  const minMs = opts.backoff?.minMs ?? 1000;
  const maxMs = opts.backoff?.maxMs ?? 60_000;
  const where = describePostgresUrl(cfg.url);
  const outbox = openOutbox(join(opts.dataDir, PG_OUTBOX_FILE), cfg.outbox.maxRows, log);
  let conn: PgConnection | undefined;
  let state = 'not started';
  let lastError: string | undefined;
  let loggedKind: string | undefined;
  let dropped = 0;
  let lastDropWarn = -Infinity;
  let stopped = false;
  let backoff = minMs;
  let retry: NodeJS.Timeout | undefined;
  /** The delivery loop in progress (one at a time), so stop() can wait for it. */
  let running: Promise<void> | undefined;
  let again = false;

  const fail = (e: unknown) => {
    const x = explainPostgresError(e, cfg.url);
    lastError = x.message;
    state = `database unreachable: ${x.message}`;
    if (loggedKind !== x.kind) {
      loggedKind = x.kind;
      log.error(
        `${x.message}; telegrams wait in the outbox (${outbox.size()}) and are delivered when it is back`,
      );
    }
  };

  async function connect(): Promise<PgConnection> {
    const c = await connectPostgres(cfg.url, cfg.password);
    c.onError((e) => {
      if (conn === c) conn = undefined;
      fail(e);
      schedule();
    });
    await c.query(createTableSql(cfg.table));
    if (loggedKind !== undefined)
      log.info(`PostgreSQL at ${where} is back; delivering ${outbox.size()} telegram(s)`);
    else log.info(`PostgreSQL at ${where}: connected, table ${cfg.table}`);
    loggedKind = undefined;
    lastError = undefined;
    state = 'connected';
    backoff = minMs;
    return c;
  }

  /** Delivers the outbox from its oldest row until it is empty; one batch per statement. */
  async function deliver(deadline = Infinity): Promise<void> {
    conn ??= await connect();
    for (;;) {
      if (now() > deadline) return;
      const batch = outbox.peek(cfg.batchSize);
      if (batch.length === 0) return;
      const rows = batch.map((b) => JSON.parse(b.payload) as PgRow);
      const q = insertSql(cfg.table, rows);
      await conn.query(q.text, q.values);
      outbox.ackThrough(batch[batch.length - 1]!.id);
    }
  }

  function schedule(delay = 0): void {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      kick();
    }, delay);
    retry.unref();
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = deliver()
      .catch(async (e: unknown) => {
        fail(e);
        const c = conn;
        conn = undefined;
        await c?.end().catch(() => undefined);
        const wait = backoff;
        backoff = Math.min(maxMs, backoff * 2);
        schedule(wait);
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    name: 'postgresql',
    async start() {
      state = 'connecting';
      kick();
    },
    handle(snapshot: MeterSnapshot) {
      let n: number;
      try {
        n = outbox.push([JSON.stringify(toPgRow(snapshot))], now());
      } catch (e) {
        // The outbox file failed (disk full): counted as dropped, said once a minute; the other sinks go on.
        dropped++;
        lastError = `cannot keep the telegram in the PostgreSQL outbox: ${e instanceof Error ? e.message : String(e)} — free some space on the disk of data_dir`;
        if (now() - lastDropWarn >= DROP_WARN_MS) {
          lastDropWarn = now();
          log.error(lastError);
        }
        return;
      }
      if (n > 0) {
        dropped += n;
        if (now() - lastDropWarn >= DROP_WARN_MS) {
          lastDropWarn = now();
          log.warn(
            `PostgreSQL outbox full (${cfg.outbox.maxRows} telegrams): dropped the oldest (${dropped} so far) — is ${where} reachable?`,
          );
        }
      }
      if (conn && !running) kick();
      else if (conn) again = true;
    },
    async stop() {
      if (retry) clearTimeout(retry);
      retry = undefined;
      await running?.catch(() => undefined);
      if (conn && outbox.size() > 0) await deliver(now() + STOP_FLUSH_MS).catch(() => undefined);
      stopped = true;
      await Promise.race([
        conn?.end().catch(() => undefined),
        new Promise((r) => setTimeout(r, 300).unref()),
      ]);
      conn = undefined;
      outbox.close();
      state = 'stopped';
    },
    status(): SinkStatus {
      const ok = state === 'connected' && lastError === undefined && dropped === 0;
      return {
        ok,
        state,
        backlog: outbox.size(),
        dropped,
        ...(lastError === undefined ? {} : { lastError }),
      };
    },
  };
}
