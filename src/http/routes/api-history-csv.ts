/** `GET /api/v1/history.csv?from=&to=&step=&fields=`: the same series as /api/v1/history as a CSV download. */
import { sendBody } from '../respond.js';
import type { Route } from '../route.js';
import { parseSeriesQuery } from '../query.js';
import { CSV_CONTENT_TYPE, formatSeriesCsv } from '../csv-format.js';
import { requireHistory } from './history-required.js';

export const apiHistoryCsv: Route = {
  path: '/api/v1/history.csv',
  handle({ res, url, deps }) {
    const { range, step, fields } = parseSeriesQuery(url.searchParams, deps.now() / 1000);
    const history = requireHistory(deps, res);
    if (!history) return;
    const csv = formatSeriesCsv(history.series(range.from, range.to, step), fields);
    res.setHeader('Content-Disposition', `attachment; filename="kaifareader-${range.from}-${range.to}.csv"`);
    sendBody(res, 200, CSV_CONTENT_TYPE, csv);
  },
};
