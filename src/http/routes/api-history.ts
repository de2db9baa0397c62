/**
 * `GET /api/v1/history?from=&to=&step=&fields=`: averages per bucket, unix seconds. Defaults: the last hour,
 * about 720 buckets, all fields. Answer: `{ from, to, step, t: [...], series: { power_import_w: [...], … } }`
 * where `step` is the bucket width the store actually used and `null` marks a gap.
 */
import { sendJson } from '../respond.js';
import type { Route } from '../route.js';
import { parseSeriesQuery } from '../query.js';
import { requireHistory } from './history-required.js';

export const apiHistory: Route = {
  path: '/api/v1/history',
  handle({ res, url, deps }) {
    const { range, step, fields } = parseSeriesQuery(url.searchParams, deps.now() / 1000);
    const history = requireHistory(deps, res);
    if (!history) return;
    const s = history.series(range.from, range.to, step);
    const series: Record<string, (number | null)[]> = {};
    for (const f of fields) series[f] = s.values[f] ?? [];
    sendJson(res, 200, { from: range.from, to: range.to, step: s.step, t: s.t, series });
  },
};
