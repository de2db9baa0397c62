/**
 * `GET /api/v1/energy?period=day|month[&from=&to=]`: import/export Wh per local day or month.
 * Defaults: the last 31 days (day) or 366 days (month). Answer: `{ period, from, to, buckets: [{ start, label,
 * import_wh, export_wh }] }`.
 */
import { sendJson } from '../respond.js';
import type { Route } from '../route.js';
import { defaultEnergySpan, parsePeriod, parseRange } from '../query.js';
import { requireHistory } from './history-required.js';

export const apiEnergy: Route = {
  path: '/api/v1/energy',
  handle({ res, url, deps }) {
    const period = parsePeriod(url.searchParams);
    const range = parseRange(url.searchParams, deps.now() / 1000, defaultEnergySpan(period));
    const history = requireHistory(deps, res);
    if (!history) return;
    const buckets = history.energy(period, range.from, range.to);
    sendJson(res, 200, { period, from: range.from, to: range.to, buckets });
  },
};
