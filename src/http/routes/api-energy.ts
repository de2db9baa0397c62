/**
 * `GET /api/v1/energy?period=day|month[&meter=&from=&to=]`: import/export Wh per local day or month
 * (`period=15min`: quarter hours, api-energy-quarter.ts).
 * Defaults: the last 31 days (day) or 366 days (month); the range is clamped to the stored data and may hold at
 * most MAX_ENERGY_BUCKETS periods (query.ts). Answer: `{ period, from, to, buckets: [{ start, label, import_wh,
 * export_wh }] }` with the clamped `from`/`to`.
 */
import { sendJson } from '../respond.js';
import type { Route } from '../route.js';
import { parseEnergyQuery } from '../query.js';
import { requireHistory, requireMeter } from './history-required.js';
import { withQuerySlot } from './query-slot.js';
import { handleQuarterHours } from './api-energy-quarter.js';

export const apiEnergy: Route = {
  path: '/api/v1/energy',
  async handle(ctx) {
    if (ctx.url.searchParams.get('period') === '15min') return handleQuarterHours(ctx, 'json');
    const { res, url, deps } = ctx;
    const history = requireHistory(deps, res);
    if (!history) return;
    const meter = requireMeter(deps, history, url, res);
    if (meter === undefined) return;
    const q = parseEnergyQuery(url.searchParams, deps.now() / 1000, history.extent(meter));
    await withQuerySlot(deps, res, async () => {
      const buckets = q.range ? await history.energy(meter, q.period, q.range.from, q.range.to) : [];
      const { from, to } = q.range ?? q.asked;
      sendJson(res, 200, { period: q.period, from, to, buckets });
    });
  },
};
