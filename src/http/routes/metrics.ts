/** `GET /metrics`: Prometheus text exposition (see metrics-format.ts and docs/http-api.md). */
import { sendBody } from '../respond.js';
import { currentSnapshot, type Route } from '../route.js';
import { formatMetrics, METRICS_CONTENT_TYPE } from '../metrics-format.js';

export const metrics: Route = {
  path: '/metrics',
  handle({ res, deps }) {
    const snapshot = currentSnapshot(deps);
    const text = formatMetrics({
      status: deps.status.get(),
      version: deps.version,
      ...(snapshot ? { snapshot } : {}),
      ...(deps.history ? { historyRows: deps.history.count() } : {}),
    });
    sendBody(res, 200, METRICS_CONTENT_TYPE, text);
  },
};
