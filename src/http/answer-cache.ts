/**
 * Finished answers of the history routes, kept by what they depend on, and shared while they are computed.
 * Fifty dashboards showing the same day ask the same question within the same second; without this each ran the
 * same store query (~15–20 ms of SQL for a day) and formatted the same ~10–60 KB of JSON.
 *
 * - `get(key, compute)`: a kept answer is returned at once; an answer being computed for the same key is shared
 *   (ONE store query for any number of identical requests in flight); otherwise `compute` runs. A rejected
 *   computation is never kept (the next request tries again).
 * - Bounded: at most `maxEntries` answers and `maxBytes` bytes kept, the least recently used go first; an answer
 *   larger than `maxEntryBytes` is shared with the requests already waiting for it but not kept.
 * - The caller makes the key say everything the answer depends on, including the state of the data
 *   (routes/cached-series.ts: the meter's extent and row count): a new row or a retention pass gives a new key,
 *   so a kept answer is never stale.
 */
import type { HistoryReader } from '../store/history-types.js';

export interface AnswerCacheOptions {
  maxEntries: number;
  maxBytes: number;
  maxEntryBytes: number;
}

export const DEFAULT_ANSWER_CACHE: AnswerCacheOptions = {
  maxEntries: 48,
  maxBytes: 4 * 1024 * 1024,
  maxEntryBytes: 1024 * 1024,
};

/** What `compute` gives: the body to send, or another outcome (`busy`) that is shared but never kept. */
export type Answer = { body: Buffer } | { busy: true };

export interface Lookup {
  answer: Promise<Answer>;
  /** `kept`: answered from the cache; `shared`: joined a computation in flight; `computed`: this request's own. */
  how: 'kept' | 'shared' | 'computed';
}

export class AnswerCache {
  private readonly kept = new Map<string, Buffer>();
  private readonly inFlight = new Map<string, Promise<Answer>>();
  private bytes = 0;

  constructor(private readonly opts: AnswerCacheOptions = DEFAULT_ANSWER_CACHE) {}

  get(key: string, compute: () => Promise<Answer>): Lookup {
    const body = this.kept.get(key);
    if (body) {
      // most recently used last (Map keeps insertion order)
      this.kept.delete(key);
      this.kept.set(key, body);
      return { answer: Promise.resolve({ body }), how: 'kept' };
    }
    const pending = this.inFlight.get(key);
    if (pending) return { answer: pending, how: 'shared' };
    const answer = compute().then(
      (a) => {
        this.inFlight.delete(key);
        if ('body' in a) this.keep(key, a.body);
        return a;
      },
      (e: unknown) => {
        this.inFlight.delete(key);
        throw e;
      },
    );
    this.inFlight.set(key, answer);
    return { answer, how: 'computed' };
  }

  /** Answers kept and their bytes (tests, diagnostics). */
  size(): { entries: number; bytes: number } {
    return { entries: this.kept.size, bytes: this.bytes };
  }

  private keep(key: string, body: Buffer): void {
    if (body.length > this.opts.maxEntryBytes) return;
    this.kept.set(key, body);
    this.bytes += body.length;
    for (const [k, b] of this.kept) {
      if (this.kept.size <= this.opts.maxEntries && this.bytes <= this.opts.maxBytes) break;
      this.kept.delete(k);
      this.bytes -= b.length;
    }
  }
}

/** One cache per history reader (a server, a test): answers of different stores never meet. */
const caches = new WeakMap<HistoryReader, AnswerCache>();

export function answerCacheOf(history: HistoryReader): AnswerCache {
  let c = caches.get(history);
  if (!c) caches.set(history, (c = new AnswerCache()));
  return c;
}
