/** `GET /api/v1/status`: the daemon status in snake_case (counters, errors by code, diagnosis, sinks). */
import { sendJson } from '../respond.js';
import type { HttpDeps, Route } from '../route.js';
import { toApiStatus } from '../to-api.js';

export function apiStatusBody(deps: HttpDeps) {
  return toApiStatus(deps.status.get(), {
    version: deps.version,
    now: deps.now(),
    ...(deps.history ? { historyRows: deps.history.count() } : {}),
  });
}

export const apiStatus: Route = {
  path: '/api/v1/status',
  handle({ res, deps }) {
    sendJson(res, 200, apiStatusBody(deps));
  },
};
