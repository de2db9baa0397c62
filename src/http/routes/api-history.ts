/**
 * `GET /api/v1/history?meter=&from=&to=&step=&fields=`: averages per bucket, unix seconds. Defaults: the last hour,
 * about 720 buckets, all fields. The range is clamped to the stored data (query.ts). Answer:
 * `{ from, to, step, requested_step, t: [...], series: { power_import_w: [...], … } }` where `from`/`to` are the
 * clamped range, every `t` lies in [from, to), `step` is the bucket width the store actually used and
 * `requested_step` the one asked for (or the default); `null` marks a gap. Formatted in pieces and kept in the
 * answer cache, identical requests in flight share one store query (cached-series.ts).
 */
import { SERIES_FIELDS, type Series, type SeriesField } from '../../store/history-types.js';
import type { Route } from '../route.js';
import { parseSeriesQuery, type TimeRange } from '../query.js';
import { jsonArrayPieces, sendPieces } from '../respond-stream.js';
import { requireHistory, requireMeter } from './history-required.js';
import { withQuerySlot } from './query-slot.js';
import { answerSeries } from './cached-series.js';

const JSON_TYPE = 'application/json; charset=utf-8';

function* historyJson(
  range: TimeRange,
  requestedStep: number,
  s: Series,
  fields: readonly SeriesField[],
): Generator<string> {
  yield `{"from":${range.from},"to":${range.to},"step":${s.step},"requested_step":${requestedStep},"t":`;
  yield* jsonArrayPieces(s.t);
  yield ',"series":{';
  for (const [k, f] of fields.entries()) {
    yield `${k > 0 ? ',' : ''}${JSON.stringify(f)}:`;
    yield* jsonArrayPieces(s.values[f] ?? []);
  }
  yield '}}\n';
}

const empty = (step: number): Series => ({
  t: [],
  step,
  values: Object.fromEntries(SERIES_FIELDS.map((f) => [f, []])) as unknown as Series['values'],
});

export const apiHistory: Route = {
  path: '/api/v1/history',
  async handle({ res, url, deps }) {
    const history = requireHistory(deps, res);
    if (!history) return;
    const meter = requireMeter(deps, history, url, res);
    if (meter === undefined) return;
    const extent = history.extent(meter);
    const q = parseSeriesQuery(url.searchParams, deps.now() / 1000, extent);
    const { range } = q;
    if (range) {
      const format = (s: Series) => historyJson(range, q.step, s, q.fields);
      const common = { deps, res, history, meter, extent, contentType: JSON_TYPE, body: format };
      return answerSeries({ ...common, q: { ...q, range }, format: 'json' });
    }
    // nothing stored in the asked range: the empty answer, under a slot as before (nothing to keep)
    await withQuerySlot(deps, res, () =>
      sendPieces(res, 200, JSON_TYPE, historyJson(q.asked, q.step, empty(q.step), q.fields)),
    );
  },
};
