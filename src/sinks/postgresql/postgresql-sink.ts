/**
 * The PostgreSQL sink: every telegram becomes a row in the durable outbox (`<dataDir>/postgresql-outbox.db`,
 * committed before `handle()` returns) and is delivered in order, in batches of `batch_size`, with
 * `INSERT … ON CONFLICT (meter, received_at) DO NOTHING` — nothing is lost while the database is down,
 * restarted or unreachable for hours, or while kaifareader is killed, and a batch retried after a lost
 * acknowledgement never duplicates. The table is created by the sink at each connect. The loop, the backoff
 * and the once-per-outage messages are the shared outbox delivery (../outbox-delivery.ts).
 */
import { join } from 'node:path';
import type { Logger } from '../../log/logger.js';
import type { MeterSnapshot } from '../../model/snapshot.js';
import type { Sink } from '../sink.js';
import { createOutboxDelivery } from '../outbox-delivery.js';
import type { PostgresqlConfig } from './options.js';
import {
  connectPostgres,
  describePostgresUrl,
  explainPostgresError,
  type PgConnection,
} from './pg-client.js';
import {
  createQuarterHourViewSql,
  createTableSql,
  insertSql,
  quarterHourView,
  toPgRow,
  type PgRow,
} from './rows.js';

export const PG_OUTBOX_FILE = 'postgresql-outbox.db';

export interface PostgresqlSinkOptions {
  logger: Logger;
  dataDir: string;
  now?: () => number;
  /** Reconnect backoff, default 1 s doubling to 60 s. */
  backoff?: { minMs: number; maxMs: number };
}

export function createPostgresqlSink(cfg: PostgresqlConfig, opts: PostgresqlSinkOptions): Sink {
  const log = opts.logger.child('postgresql');
  const where = describePostgresUrl(cfg.url);
  let conn: PgConnection | undefined;
  let viewWarned = false;
  const connection = async (): Promise<PgConnection> => {
    if (conn) return conn;
    const c = await connectPostgres(cfg.url, cfg.password);
    c.onError(() => {
      if (conn === c) conn = undefined; // the next batch reconnects; the failed one stays in the outbox
    });
    await c.query(createTableSql(cfg.table));
    const view = quarterHourView(cfg.table);
    try {
      await c.query(createQuarterHourViewSql(cfg.table));
    } catch (e) {
      // the readings matter more than the view: they go on (PostgreSQL before 14 has no date_bin)
      if (!viewWarned)
        log.warn(
          `PostgreSQL at ${where}: the quarter-hour view ${view} was not created (${e instanceof Error ? e.message : String(e)}); it needs PostgreSQL 14 or later — the readings are stored all the same`,
        );
      viewWarned = true;
    }
    log.info(`PostgreSQL at ${where}: connected, table ${cfg.table}, quarter hours in ${view}`);
    return (conn = c);
  };
  const delivery = createOutboxDelivery({
    what: 'PostgreSQL',
    path: join(opts.dataDir, PG_OUTBOX_FILE),
    maxItems: cfg.outbox.maxRows,
    batchSize: cfg.batchSize,
    log,
    now: opts.now ?? Date.now,
    backoff: opts.backoff,
    backMessage: `PostgreSQL at ${where} is back`,
    explain: (e) => explainPostgresError(e, cfg.url),
    connect: async () => void (await connection()),
    async send(batch) {
      const q = insertSql(
        cfg.table,
        batch.map((p) => JSON.parse(p) as PgRow),
      );
      await (await connection()).query(q.text, q.values);
    },
    async reset() {
      const c = conn;
      conn = undefined;
      await c?.end();
    },
  });
  return {
    name: 'postgresql',
    async start() {
      delivery.start();
    },
    handle(snapshot: MeterSnapshot) {
      delivery.enqueue([JSON.stringify(toPgRow(snapshot))]);
    },
    async stop() {
      await delivery.stop();
      const c = conn;
      conn = undefined;
      await Promise.race([c?.end().catch(() => undefined), new Promise((r) => setTimeout(r, 300).unref())]);
    },
    status: () => delivery.status(),
  };
}
