/**
 * History sink: queues each snapshot's row (cheap, synchronous) and writes the queue in one transaction per second.
 * Disk trouble (full, read-only, corrupt, I/O) is logged once per kind and minute with what to do, shown in
 * status(), and the rows stay queued (bounded: the oldest are dropped beyond `maxQueue`) and are retried with
 * backoff — the meter reading never stops. Each row is stored under its snapshot's configured meter
 * (`snapshot.meter`): one file holds every meter. Retention (raw rows older than `retentionDays`, of every meter;
 * rollups stay) runs hourly in chunks so the event loop never blocks for long. stop() flushes once and closes the
 * file. An open that upgrades the schema is logged with where the copy of the old file is.
 */
import type { HistoryConfig } from '../../config/types.js';
import type { Logger } from '../../log/logger.js';
import type { MeterSnapshot } from '../../model/snapshot.js';
import type { Sink, SinkStatus } from '../sink.js';
import type { HistoryReader, Series } from '../../store/history-types.js';
import { SERIES_FIELDS } from '../../store/history-types.js';
import { openHistoryStore, type HistoryStore } from '../../store/history-store.js';
import { toHistoryRow, type HistoryRow } from '../../store/history-row.js';
import { describeHistoryError } from '../../store/history-errors.js';
import { runPieced } from '../../store/pieced.js';
import { describeHistoryOpenError } from '../../store/history-open.js';
import { serviceUser } from '../../log/service-user.js';

export interface HistorySinkOptions {
  logger: Logger;
  /** IANA zone for energy per day/month, default Europe/Vienna. */
  timeZone?: string;
  now?: () => number;
  /** Default 1000 ms. */
  flushIntervalMs?: number;
  /** Rows kept in memory while the disk fails, default 100 000 (~5.8 days at one telegram per 5 s). */
  maxQueue?: number;
  /** Default one hour. */
  retentionIntervalMs?: number;
  /** Cap on the file size (see HistoryStore.setMaxBytes). */
  maxBytes?: number;
}

export type HistorySink = Sink & {
  /** What the dashboard and the JSON API read (Sink.history). */
  history: HistoryReader;
  /** The open store, undefined while it cannot be opened (diagnostics and tests). */
  store(): HistoryStore | undefined;
  /** Writes the queue now (normally done by the timer); resolves false when the write failed. */
  flush(): boolean;
  /** Runs one retention pass now; resolves to the number of raw rows deleted. */
  applyRetention(): Promise<number>;
};

const RETENTION_CHUNK = 5000;
/** Rows per timer flush: a backlog after an outage drains in steps that block the event loop only briefly. */
const MAX_BATCH = 10_000;
const LOG_EVERY_MS = 60_000;
const MAX_BACKOFF_MS = 60_000;

export function createHistorySink(cfg: HistoryConfig, opts: HistorySinkOptions): HistorySink {
  const log = opts.logger.child('history');
  const now = opts.now ?? Date.now;
  const maxQueue = opts.maxQueue ?? 100_000;
  let store: HistoryStore | undefined;
  let queue: HistoryRow[] = [];
  /** The newest snapshot per configured meter this run (insertion order = first seen). */
  const latest = new Map<string, MeterSnapshot>();
  let dropped = 0;
  let lastError: string | undefined;
  let backoffMs = 0;
  let retryAt = 0;
  const lastLogged = new Map<string, number>();
  const timers: ReturnType<typeof setInterval>[] = [];
  /** persisted(): one flush at the next turn of the event loop for every waiter of a burst. */
  let soon: Promise<void> | undefined;

  function rateLimited(level: 'warn' | 'error', key: string, message: string): void {
    const t = now();
    if ((lastLogged.get(key) ?? -Infinity) + LOG_EVERY_MS > t) return;
    lastLogged.set(key, t);
    log[level](message);
  }

  function fail(e: unknown, message = describeHistoryError(e, cfg.path)): void {
    lastError = message;
    rateLimited('error', lastError.split(' (')[0]!, `history: ${lastError}`);
    backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(1000, backoffMs * 2));
    retryAt = now() + backoffMs;
  }

  function recovered(): void {
    if (lastError !== undefined) log.info('history: writing again', { backlog: queue.length });
    [lastError, backoffMs, retryAt] = [undefined, 0, 0];
  }

  function open(): HistoryStore | undefined {
    if (store) return store;
    try {
      store = openHistoryStore(cfg.path, { timeZone: opts.timeZone, maxBytes: opts.maxBytes });
      const up = store.upgrade;
      if (up) {
        log.warn(
          `history: upgraded ${cfg.path} from schema v${up.from} to v${up.to}` +
            (up.backup
              ? `; the file as it was is kept in ${up.backup} (to go back: stop the service, move it back to ${cfg.path}, run the older release; delete it once the new release works)`
              : ''),
        );
      }
      log.info('history: opened', { path: cfg.path, rows: store.count(), meters: store.meters().join(',') });
    } catch (e) {
      if (e instanceof RangeError) throw e; // a configuration error (time zone), not a disk problem
      fail(e, describeHistoryOpenError(e, cfg.path, serviceUser()));
    }
    return store;
  }

  function flush(force = false): boolean {
    if (!force && now() < retryAt) return false;
    const s = open();
    if (!s) return false;
    if (queue.length === 0) return true;
    const batch = force ? queue : queue.slice(0, MAX_BATCH);
    try {
      const { skipped } = s.insert(batch, [...latest.values()]);
      if (skipped > 0)
        rateLimited(
          'warn',
          'clock',
          `history: ${skipped} telegram(s) not newer than the last stored one were skipped (did the system clock go backwards?)`,
        );
      queue = queue.slice(batch.length);
      recovered();
      return true;
    } catch (e) {
      fail(e);
      return false;
    }
  }

  async function applyRetention(): Promise<number> {
    const s = store;
    if (!s || !(cfg.retentionDays > 0)) return 0;
    const cutoff = now() - cfg.retentionDays * 86_400_000;
    let total = 0;
    try {
      for (;;) {
        const n = s.deleteRawBefore(cutoff, RETENTION_CHUNK);
        total += n;
        if (n < RETENTION_CHUNK || store !== s) break;
        await new Promise((r) => setImmediate(r));
      }
    } catch (e) {
      rateLimited('warn', 'retention', `history: retention failed: ${describeHistoryError(e, cfg.path)}`);
    }
    if (total > 0) log.debug('history: retention deleted raw rows', { rows: total });
    return total;
  }

  function newest(): MeterSnapshot | undefined {
    let best: MeterSnapshot | undefined;
    for (const s of latest.values()) if (!best || s.receivedAt > best.receivedAt) best = s;
    return best;
  }

  const reader: HistoryReader = {
    meters: () => [...new Set([...(store?.meters() ?? []), ...latest.keys()])],
    latest: (meter) => (meter === undefined ? newest() : latest.get(meter)) ?? store?.latest(meter),
    extent: (meter) => store?.extent(meter),
    // pieced: the HTTP queries yield to the event loop between slices, so telegrams keep being written
    series: async (meter, from, to, step) =>
      store ? runPieced(store.seriesQuery(meter, from, to, step)) : emptySeries(step),
    energy: async (meter, period, from, to) =>
      store ? runPieced(store.energyQuery(meter, period, from, to)) : [],
    quarterHours: async (meter, from, to) =>
      store ? runPieced(store.quarterHourQuery(meter, from, to)) : [],
    count: (meter) => store?.count(meter) ?? 0,
  };

  return {
    name: 'history',
    history: reader,
    store: () => store,
    flush: () => flush(true),
    applyRetention,
    async start() {
      open();
      timers.push(setInterval(() => flush(), opts.flushIntervalMs ?? 1000));
      timers.push(setInterval(() => void applyRetention(), opts.retentionIntervalMs ?? 3_600_000));
      for (const t of timers) t.unref();
      await applyRetention();
    },
    handle(snapshot: MeterSnapshot) {
      latest.set(snapshot.meter, snapshot);
      queue.push(toHistoryRow(snapshot));
      if (queue.length > maxQueue) {
        dropped += queue.length - maxQueue;
        queue = queue.slice(queue.length - maxQueue);
        rateLimited(
          'warn',
          'dropped',
          `history: memory queue full (${maxQueue} rows); dropping the oldest rows (${dropped} so far)`,
        );
      }
    },
    persisted() {
      if (queue.length === 0) return Promise.resolve();
      return (soon ??= new Promise<void>((resolve) =>
        setImmediate(() => {
          soon = undefined;
          if (store) flush(true); // a failing file keeps the rows queued and says so; the waiter goes on
          resolve();
        }),
      ));
    },
    async stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      if (store) flush(true); // never (re)open the file during shutdown
      store?.close();
      store = undefined;
    },
    status(): SinkStatus {
      const ok = store !== undefined && lastError === undefined;
      return {
        ok,
        state: ok ? 'writing' : (lastError ?? 'not open'),
        backlog: queue.length,
        dropped,
        ...(lastError ? { lastError } : {}),
      };
    },
  };
}

function emptySeries(step: number): Series {
  const values = Object.fromEntries(SERIES_FIELDS.map((f) => [f, []])) as unknown as Series['values'];
  return { t: [], values, step };
}
