/**
 * Finished answers of the history routes, kept by what they depend on, and shared while they are computed.
 * Fifty dashboards showing the same day ask the same question within the same second; without this each ran the
 * same store query (~15–20 ms of SQL for a day) and formatted the same ~10–60 KB of JSON.
 *
 * - `get(key, compute)`: a kept answer is returned at once; an answer being computed for the same key is shared
 *   (ONE store query for any number of identical requests in flight); otherwise `compute` runs. A rejected
 *   computation is never kept (the next request tries again).
 * - Bounded: at most `maxEntries` answers and `maxBytes` bytes kept, the least recently used go first; an answer
 *   larger than `maxEntryBytes` is not kept (the routes stream it instead, as before the cache).
 * - The caller makes the key say everything the answer depends on, including the state of the data
 *   (routes/cached-series.ts: the meter's extent and row count): a new row or a retention pass gives a new key,
 *   so a kept answer is never stale.
 */
import type { HistoryReader, Series } from '../store/history-types.js';

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

/**
 * What `compute` gives: the body to send, or another outcome that is shared with the requests waiting for it but
 * never kept (routes/cached-series.ts: `busy`, or an answer too large to keep as one body).
 */
export type Answer<Other extends object = never> = { body: Buffer } | Other;

export interface Lookup<Other extends object = never> {
  answer: Promise<Answer<Other>>;
  /** `kept`: answered from the cache; `shared`: joined a computation in flight; `computed`: this request's own. */
  how: 'kept' | 'shared' | 'computed';
}

export class AnswerCache<Other extends object = never> {
  private readonly kept = new Map<string, Buffer>();
  private readonly inFlight = new Map<string, Promise<Answer<Other>>>();
  private bytes = 0;

  constructor(private readonly opts: AnswerCacheOptions = DEFAULT_ANSWER_CACHE) {}

  /** Bytes of the largest answer kept (a larger one is better streamed than joined). */
  get maxEntryBytes(): number {
    return this.opts.maxEntryBytes;
  }

  get(key: string, compute: () => Promise<Answer<Other>>): Lookup<Other> {
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
        if ('body' in a && a.body instanceof Buffer) this.keep(key, a.body);
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

/** The history routes' outcomes besides a body: no slot came free, or a Series too large to keep as one body. */
export type SeriesOutcome = { busy: true } | { series: Series };

/** One cache per history reader (a server, a test): answers of different stores never meet. */
const caches = new WeakMap<HistoryReader, AnswerCache<SeriesOutcome>>();

export function answerCacheOf(history: HistoryReader): AnswerCache<SeriesOutcome> {
  let c = caches.get(history);
  if (!c) caches.set(history, (c = new AnswerCache<SeriesOutcome>()));
  return c;
}
