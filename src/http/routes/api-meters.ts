/**
 * `GET /api/v1/meters`: every configured meter in config order with its name, meter number, source, diagnosis
 * and live import/export power: what the dashboard's overview and selector show, in one request.
 */
import { sendJson } from '../respond.js';
import { currentSnapshot, type HttpDeps, type Route } from '../route.js';
import { toApiMeterSummary } from '../to-api.js';

export function apiMetersBody(deps: HttpDeps) {
  return {
    meters: deps.status.get().meters.map((m) => toApiMeterSummary(m, currentSnapshot(deps, m.meter))),
  };
}

export const apiMeters: Route = {
  path: '/api/v1/meters',
  handle({ res, deps }) {
    sendJson(res, 200, apiMetersBody(deps));
  },
};
