/**
 * The series answer of /api/v1/history and /api/v1/history.csv through the answer cache (answer-cache.ts):
 *   - kept: the finished body is sent at once, without a query slot (no store work);
 *   - shared: an identical request is being answered: wait for its body (at most the slots' `waitMs`, then 503
 *     `busy` like a request that found no slot) — N identical requests in flight run ONE store query;
 *   - computed: take a query slot (503 `busy` when none comes free), run the pieced store query, format the body
 *     in pieces (collectPieces) while still holding the slot, keep it, send it. An answer larger than the cache
 *     keeps (the worst queries) is streamed in pieces instead, each request under a slot (the Series is shared).
 * The key names everything the body depends on: route, meter, the meter's data version (extent and row count:
 * any new row or retention pass changes it), the clamped range, the requested step and the fields.
 */
import type { ServerResponse } from 'node:http';
import type { HistoryExtent, HistoryReader, Series } from '../../store/history-types.js';
import type { SeriesQuery, TimeRange } from '../query.js';
import type { HttpDeps } from '../route.js';
import { answerCacheOf, type Answer, type SeriesOutcome } from '../answer-cache.js';
import { collectPieces, sendBody, sendPieces } from '../respond-stream.js';
import { sendBusy, withQuerySlot } from './query-slot.js';

export interface SeriesAnswer {
  deps: HttpDeps;
  res: ServerResponse;
  history: HistoryReader;
  meter: string;
  extent: HistoryExtent | undefined;
  /** The parsed query with a range that holds data. */
  q: SeriesQuery & { range: TimeRange };
  /** `json` / `csv`: part of the key. */
  format: string;
  contentType: string;
  body: (s: Series) => Iterable<string>;
  /** Set on the 200 answer only. */
  headers?: Record<string, string>;
}

export function seriesKey(
  a: Omit<SeriesAnswer, 'res' | 'deps' | 'body' | 'contentType' | 'headers'>,
): string {
  const e = a.extent;
  const version = e ? `${e.firstMs}/${e.lastMs}/${a.history.count(a.meter)}` : 'none';
  const { range, step, fields } = a.q;
  return JSON.stringify([a.format, a.meter, version, range.from, range.to, step, fields.join(',')]);
}

type Outcome = Answer<SeriesOutcome>;
const BUSY: Outcome = { busy: true };

export async function answerSeries(a: SeriesAnswer): Promise<void> {
  const { deps, res, history, meter, q } = a;
  const cache = answerCacheOf(history);
  const lookup = cache.get(seriesKey(a), async () => {
    const release = await deps.querySlots.acquire();
    if (!release) return BUSY;
    try {
      const series = await history.series(meter, q.range.from, q.range.to, q.step);
      const body = await collectPieces(a.body(series), cache.maxEntryBytes);
      return body ? { body } : { series };
    } finally {
      release();
    }
  });
  const answer = lookup.how === 'shared' ? await bounded(lookup.answer, deps) : await lookup.answer;
  if ('busy' in answer) return sendBusy(deps, res);
  const headers = () => {
    for (const [name, value] of Object.entries(a.headers ?? {})) res.setHeader(name, value);
  };
  if ('series' in answer) {
    // too large to keep (the worst queries, ~2 MB): streamed in pieces as before the cache, each request under a
    // slot of its own; the store query itself was still shared
    return withQuerySlot(deps, res, () => {
      headers();
      return sendPieces(res, 200, a.contentType, a.body(answer.series));
    });
  }
  headers();
  sendBody(res, 200, a.contentType, answer.body);
}

/** A shared answer, or `busy` when it takes longer than a request may wait for a slot. */
function bounded(answer: Promise<Outcome>, deps: HttpDeps): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve(BUSY), deps.querySlots.options.waitMs);
  });
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}
