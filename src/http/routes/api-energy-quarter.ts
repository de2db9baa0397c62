/**
 * Quarter-hour energy: `GET /api/v1/energy?period=15min[&meter=&from=&to=]` (JSON, handled for api-energy.ts) and
 * `GET /api/v1/energy.csv?period=15min[&meter=&from=&to=]` (the CSV download that lines up with the operators'
 * portals). Range and limit: quarter-hour-query.ts. JSON: `{ period: "15min", from, to, buckets: [{ start, end,
 * start_time, end_time, import_wh, export_wh, status }] }` with the clamped `from`/`to`.
 */
import type { Route, RouteContext } from '../route.js';
import { sendJson } from '../respond.js';
import { sendPieces } from '../respond-stream.js';
import { BadRequest } from '../respond.js';
import { CSV_CONTENT_TYPE, quarterHourCsvPieces } from '../csv-format.js';
import { parseQuarterHourQuery } from '../quarter-hour-query.js';
import { requireHistory, requireMeter } from './history-required.js';
import { withQuerySlot } from './query-slot.js';

export async function handleQuarterHours(
  { res, url, deps }: RouteContext,
  format: 'json' | 'csv',
): Promise<void> {
  const history = requireHistory(deps, res);
  if (!history) return;
  const meter = requireMeter(deps, history, url, res);
  if (meter === undefined) return;
  const q = parseQuarterHourQuery(url.searchParams, deps.now() / 1000, history.extent(meter));
  const read = history.quarterHours;
  await withQuerySlot(deps, res, async () => {
    const buckets = q.range && read ? await read.call(history, meter, q.range.from, q.range.to) : [];
    const { from, to } = q.range ?? q.asked;
    if (format === 'json') {
      sendJson(res, 200, { period: '15min', from, to, buckets });
      return;
    }
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="kaifareader-${encodeURIComponent(meter)}-15min-${q.asked.from}-${q.asked.to}.csv"`,
    );
    await sendPieces(res, 200, CSV_CONTENT_TYPE, quarterHourCsvPieces(buckets));
  });
}

export const apiEnergyCsv: Route = {
  path: '/api/v1/energy.csv',
  async handle(ctx) {
    const period = ctx.url.searchParams.get('period');
    if (period !== null && period !== '15min') {
      throw new BadRequest(
        `energy.csv is the quarter-hour download: use period=15min (or leave it out), got "${period}"; day and month energy are at /api/v1/energy?period=${period}`,
      );
    }
    await handleQuarterHours(ctx, 'csv');
  },
};
