/**
 * The reconnect loop shared by the serial and TCP sources: open, stream bytes, and when the link cannot be
 * opened or goes away, report `error` and try again with backoff (250 ms doubling to `maxBackoffMs`, ≤ 5 s)
 * until it is back — no restart of the daemon needed.
 *
 * Rate of messages: one `error` state and one warning per outage and cause (an unplugged adapter gives
 * "lost" and then "no such port"; a thousand failed retries with the same cause say nothing more), one info
 * line "reopened after N s" when it is back. `stop()` closes the link and cancels the pending retry.
 */
import type { Logger } from '../log/logger.js';
import type { ByteSource, SourceState } from './types.js';

/** What went wrong, for the user: a stable code, a message and what to do. */
export interface SourceFailure {
  code: string;
  message: string;
  hint?: string;
}

/** An open link. `close()` must not call `onLost`. */
export interface Link {
  close(): Promise<void>;
}

export interface LinkHandlers {
  onData(chunk: Uint8Array): void;
  /** The open link broke (unplugged, connection closed). Called at most once per link. */
  onLost(err?: unknown): void;
}

/** Opens a link or rejects with the reason it could not. */
export type Connect = (handlers: LinkHandlers) => Promise<Link>;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ReconnectOptions {
  describe: string;
  connect: Connect;
  /** Maps an open error (`lost` = false) or a loss (`lost` = true) to a message with a hint. */
  explain(err: unknown, lost: boolean): SourceFailure;
  logger: Logger;
  /** Longest wait between attempts, at most (and by default) 5000 ms. */
  maxBackoffMs?: number;
  initialBackoffMs?: number;
  timers?: Timers;
  now?: () => number;
}

export const DEFAULT_INITIAL_BACKOFF_MS = 250;
export const MAX_BACKOFF_MS = 5000;

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Next wait: double the last one, capped. */
export function nextBackoffMs(lastMs: number, initialMs: number, maxMs: number): number {
  return lastMs <= 0 ? initialMs : Math.min(lastMs * 2, maxMs);
}

export function createReconnectingSource(options: ReconnectOptions): ByteSource {
  const timers = options.timers ?? realTimers;
  const now = options.now ?? Date.now;
  const maxMs = Math.min(options.maxBackoffMs ?? MAX_BACKOFF_MS, MAX_BACKOFF_MS);
  const initialMs = Math.min(options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS, maxMs);
  const log = options.logger;

  let running = false;
  let link: Link | undefined;
  let retryTimer: unknown;
  /** The attempt in flight; `stop()` waits for it so a port opened late is closed before stop resolves. */
  let pending: Promise<void> | undefined;
  let backoffMs = 0;
  let outageSince: number | undefined;
  let reportedCode: string | undefined;
  /** Bumped on stop/start so late callbacks of an old attempt are ignored. */
  let generation = 0;
  let onData: (chunk: Uint8Array) => void = () => {};
  let onState: (state: SourceState) => void = () => {};

  const fail = (err: unknown, lost: boolean): void => {
    const failure = options.explain(err, lost);
    backoffMs = nextBackoffMs(backoffMs, initialMs, maxMs);
    outageSince ??= now();
    if (failure.code !== reportedCode) {
      reportedCode = failure.code;
      const fields = {
        source: options.describe,
        code: failure.code,
        hint: failure.hint,
        retry_ms: backoffMs,
      };
      log.warn(failure.message, fields);
      onState({ state: 'error', ...failure, retryInMs: backoffMs });
    }
    const gen = generation;
    retryTimer = timers.setTimeout(() => {
      retryTimer = undefined;
      if (gen === generation) attempt();
    }, backoffMs);
  };

  const attempt = (): void => {
    const gen = generation;
    let lostCalled = false;
    const handlers: LinkHandlers = {
      onData: (chunk) => {
        if (gen === generation) onData(chunk);
      },
      onLost: (err) => {
        if (gen !== generation || lostCalled) return;
        lostCalled = true;
        link = undefined;
        fail(err, true);
      },
    };
    pending = options.connect(handlers).then(
      async (opened) => {
        if (gen !== generation) {
          await opened.close().catch(() => {});
          return;
        }
        if (lostCalled) return;
        link = opened;
        if (outageSince !== undefined) {
          const seconds = Math.round((now() - outageSince) / 100) / 10;
          log.info(`${options.describe} reopened after ${seconds} s`, { source: options.describe });
        }
        outageSince = undefined;
        reportedCode = undefined;
        backoffMs = 0;
        onState({ state: 'open' });
      },
      (err: unknown) => {
        if (gen === generation) fail(err, false);
      },
    );
  };

  return {
    describe: () => options.describe,
    start(dataCallback, stateCallback) {
      if (running) throw new Error(`${options.describe} is already started`);
      running = true;
      generation++;
      onData = dataCallback;
      onState = stateCallback ?? (() => {});
      onState({ state: 'connecting' });
      attempt();
    },
    async stop() {
      if (!running) return;
      running = false;
      generation++;
      if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
      retryTimer = undefined;
      const open = link;
      link = undefined;
      outageSince = undefined;
      reportedCode = undefined;
      backoffMs = 0;
      await pending;
      if (open) await open.close();
    },
  };
}
