/** `GET /metrics`: Prometheus text exposition (see metrics-format.ts and docs/http-api.md). */
import { sendBody } from '../respond.js';
import { currentSnapshot, type Route } from '../route.js';
import { formatMetrics, METRICS_CONTENT_TYPE } from '../metrics-format.js';

export const metrics: Route = {
  path: '/metrics',
  handle({ res, deps }) {
    const status = deps.status.get();
    // Every meter's latest readings, each series labelled with its meter.
    const snapshots = status.meters
      .map((m) => currentSnapshot(deps, m.meter))
      .filter((s): s is NonNullable<typeof s> => s !== undefined);
    const text = formatMetrics({
      status,
      version: deps.version,
      snapshots,
      ...(deps.history ? { historyRows: deps.history.count() } : {}),
    });
    sendBody(res, 200, METRICS_CONTENT_TYPE, text);
  },
};
