/**
 * The delivery loop shared by the sinks that write to a database through a durable outbox (PostgreSQL, line
 * protocol): `enqueue` commits the item to the outbox file before it returns; the loop sends the oldest
 * `batchSize` items, deletes them only when the peer confirmed, and goes on until the outbox is empty. A failure
 * is logged once per kind of outage with what to do, retried with a backoff of 1 s doubling to 60 s; a batch the
 * peer rejects for its content (`permanent`: it would fail again for ever) is dropped, counted and logged, so one
 * bad batch never blocks the rest. `stop()` delivers what it can within ~1 s and closes the outbox.
 */
import type { Logger } from '../log/logger.js';
import { openDurableQueue, type DurableQueue } from '../store/durable-queue.js';
import type { SinkStatus } from './sink.js';

/** Kept in memory when the outbox file cannot be opened (data_dir not writable, disk full). */
export const MEMORY_OUTBOX_MAX = 10_000;
const STOP_FLUSH_MS = 1000;
const WARN_EVERY_MS = 60_000;

export interface PeerError {
  /** Stable kind, so an outage is logged once however often it repeats (`refused`, `auth`, `no-database` …). */
  kind: string;
  /** What happened and what to do; never a password. */
  message: string;
  /** The peer rejected the data itself (HTTP 400): retrying cannot help, the batch is dropped. */
  permanent?: boolean;
}

export interface OutboxDeliveryOptions {
  /** `postgresql`, `line protocol`: for messages. */
  what: string;
  /** Outbox file path. */
  path: string;
  maxItems: number;
  batchSize: number;
  log: Logger;
  now: () => number;
  /** Sends one batch (oldest first); resolves when the peer has it. Connect lazily inside. */
  send(batch: string[]): Promise<void>;
  /** Turns a thrown error into what to log. */
  explain(e: unknown): PeerError;
  /** Opens the connection ahead of the first batch (PostgreSQL), so the status says at once whether it works. */
  connect?(): Promise<void>;
  /** Called after a failure, before the retry (close a broken connection). */
  reset?(): Promise<void>;
  /** Said once when the peer answers again after an outage. */
  backMessage: string;
  backoff?: { minMs: number; maxMs: number };
}

export interface OutboxDelivery {
  start(): void;
  /** Commits the payloads to the outbox and starts a delivery; never throws (a failed commit is counted). */
  enqueue(payloads: string[]): void;
  stop(): Promise<void>;
  status(): SinkStatus;
}

function openOutbox(o: OutboxDeliveryOptions): DurableQueue {
  try {
    return openDurableQueue(o.path, o.maxItems);
  } catch (e) {
    const keep = Math.min(o.maxItems, MEMORY_OUTBOX_MAX);
    o.log.error(
      `cannot open the ${o.what} outbox ${o.path} (${e instanceof Error ? e.message : String(e)}) — check that data_dir is writable and has free space; keeping at most ${keep} telegrams in memory only`,
    );
    return openDurableQueue(':memory:', keep);
  }
}

export function createOutboxDelivery(o: OutboxDeliveryOptions): OutboxDelivery {
  const minMs = o.backoff?.minMs ?? 1000;
  const maxMs = o.backoff?.maxMs ?? 60_000;
  const outbox = openOutbox(o);
  let state = 'not started';
  let lastError: string | undefined;
  /** Whether `lastError` is an outage (cleared by the next delivered batch) or a loss (kept: it is history). */
  let lastErrorIsOutage = false;
  let loggedKind: string | undefined;
  let dropped = 0;
  let lastDropWarn = -Infinity;
  let stopped = false;
  let backoff = minMs;
  let retry: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const warnDrop = (message: string) => {
    if (o.now() - lastDropWarn < WARN_EVERY_MS) return;
    lastDropWarn = o.now();
    o.log.warn(message);
  };

  async function deliver(deadline = Infinity): Promise<void> {
    for (;;) {
      if (o.now() > deadline) return;
      const batch = outbox.peek(o.batchSize);
      if (batch.length === 0) {
        if (state !== 'connected' && o.connect) {
          await o.connect();
          state = 'connected';
        }
        return;
      }
      try {
        await o.send(batch.map((b) => b.payload));
      } catch (e) {
        const x = o.explain(e);
        if (!x.permanent) throw e;
        dropped += batch.length;
        lastError = x.message;
        lastErrorIsOutage = false;
        o.log.error(
          `${x.message}; dropped ${batch.length} telegram(s) the server refuses (${dropped} so far)`,
        );
      }
      outbox.ackThrough(batch[batch.length - 1]!.id);
      if (loggedKind !== undefined)
        o.log.info(`${o.backMessage}; delivering ${outbox.size()} more telegram(s)`);
      loggedKind = undefined;
      if (lastErrorIsOutage) [lastError, lastErrorIsOutage] = [undefined, false];
      state = 'connected';
      backoff = minMs;
    }
  }

  function schedule(delay: number): void {
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
        const x = o.explain(e);
        lastError = x.message;
        lastErrorIsOutage = true;
        state = `unreachable: ${x.message}`;
        if (loggedKind !== x.kind) {
          loggedKind = x.kind;
          o.log.error(
            `${x.message}; telegrams wait in the outbox (${outbox.size()}) and are delivered when it is back`,
          );
        }
        await o.reset?.().catch(() => undefined);
        const wait = backoff;
        backoff = Math.min(maxMs, backoff * 2);
        schedule(wait);
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          if (!retry) kick();
        }
      });
  }

  return {
    start() {
      state = 'connecting';
      kick();
    },
    enqueue(payloads) {
      if (payloads.length === 0) return;
      try {
        const n = outbox.push(payloads, o.now());
        if (n > 0) {
          dropped += n;
          warnDrop(
            `${o.what} outbox full (${o.maxItems} telegrams): dropped the oldest (${dropped} so far) — is the server reachable?`,
          );
        }
      } catch (e) {
        dropped += payloads.length;
        lastErrorIsOutage = false;
        lastError = `cannot keep the telegram in the ${o.what} outbox: ${e instanceof Error ? e.message : String(e)} — free some space on the disk of data_dir`;
        warnDrop(lastError);
        return;
      }
      if (!retry) kick(); // during a backoff the retry timer delivers it
    },
    async stop() {
      if (retry) clearTimeout(retry);
      retry = undefined;
      await running?.catch(() => undefined);
      if (loggedKind === undefined && outbox.size() > 0)
        await deliver(o.now() + STOP_FLUSH_MS).catch(() => undefined);
      stopped = true;
      outbox.close();
      state = 'stopped';
    },
    status(): SinkStatus {
      return {
        ok: state === 'connected' && lastError === undefined && dropped === 0,
        state,
        backlog: stopped ? 0 : outbox.size(),
        dropped,
        ...(lastError === undefined ? {} : { lastError }),
      };
    },
  };
}
