/**
 * `GET /api/v1/history.csv?meter=&from=&to=&step=&fields=`: the same series as /api/v1/history (same clamping and
 * limits) as a CSV download, formatted in pieces and
 * kept in the answer cache like the JSON (cached-series.ts).
 */
import type { Route } from '../route.js';
import { parseSeriesQuery } from '../query.js';
import { CSV_CONTENT_TYPE, seriesCsvPieces } from '../csv-format.js';
import { sendPieces } from '../respond-stream.js';
import { requireHistory, requireMeter } from './history-required.js';
import { withQuerySlot } from './query-slot.js';
import { answerSeries } from './cached-series.js';
import type { Series } from '../../store/history-types.js';

export const apiHistoryCsv: Route = {
  path: '/api/v1/history.csv',
  async handle({ res, url, deps }) {
    const history = requireHistory(deps, res);
    if (!history) return;
    const meter = requireMeter(deps, history, url, res);
    if (meter === undefined) return;
    const extent = history.extent(meter);
    const q = parseSeriesQuery(url.searchParams, deps.now() / 1000, extent);
    // the file is named after the range asked for: that is what the user picked (only on the 200 answer)
    const headers = {
      'Content-Disposition': `attachment; filename="kaifareader-${q.asked.from}-${q.asked.to}.csv"`,
    };
    const { range } = q;
    if (range) {
      const body = (s: Series) => seriesCsvPieces(s, q.fields);
      const common = { deps, res, history, meter, extent, contentType: CSV_CONTENT_TYPE, body, headers };
      return answerSeries({ ...common, q: { ...q, range }, format: 'csv' });
    }
    await withQuerySlot(deps, res, () => {
      res.setHeader('Content-Disposition', headers['Content-Disposition']);
      const empty = { t: [], values: {} as never, step: q.step };
      return sendPieces(res, 200, CSV_CONTENT_TYPE, seriesCsvPieces(empty, q.fields));
    });
  },
};
