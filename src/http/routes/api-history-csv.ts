/**
 * `GET /api/v1/history.csv?meter=&from=&to=&step=&fields=`: the same series as /api/v1/history (same clamping and
 * limits) as a CSV download, written in pieces.
 */
import type { Route } from '../route.js';
import { parseSeriesQuery } from '../query.js';
import { CSV_CONTENT_TYPE, seriesCsvPieces } from '../csv-format.js';
import { sendPieces } from '../respond-stream.js';
import { requireHistory, requireMeter } from './history-required.js';
import { withQuerySlot } from './query-slot.js';

export const apiHistoryCsv: Route = {
  path: '/api/v1/history.csv',
  async handle({ res, url, deps }) {
    const history = requireHistory(deps, res);
    if (!history) return;
    const meter = requireMeter(deps, history, url, res);
    if (meter === undefined) return;
    const q = parseSeriesQuery(url.searchParams, deps.now() / 1000, history.extent(meter));
    await withQuerySlot(deps, res, async () => {
      const s = q.range
        ? await history.series(meter, q.range.from, q.range.to, q.step)
        : { t: [], values: {} as never, step: q.step };
      // the file is named after the range asked for: that is what the user picked
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="kaifareader-${q.asked.from}-${q.asked.to}.csv"`,
      );
      await sendPieces(res, 200, CSV_CONTENT_TYPE, seriesCsvPieces(s, q.fields));
    });
  },
};
