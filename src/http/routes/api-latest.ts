/**
 * `GET /api/v1/latest[?meter=ID]`: the last decoded telegram of one meter (absent: the first configured one),
 * readings keyed by their stable snake_case key. An id the config does not have is 404 with the known ids.
 */
import { knownMeterIds, meterParam, sendUnknownMeter } from '../known-meters.js';
import { sendError, sendJson } from '../respond.js';
import { currentSnapshot, type Route } from '../route.js';
import { toApiSnapshot } from '../to-api.js';

export const apiLatest: Route = {
  path: '/api/v1/latest',
  handle({ res, url, deps }) {
    const meter = meterParam(url);
    if (meter !== undefined) {
      const known = knownMeterIds(deps);
      if (!known.includes(meter)) return sendUnknownMeter(res, meter, known);
    }
    const snapshot = currentSnapshot(deps, meter);
    if (!snapshot) {
      const which = meter === undefined ? '' : ` for meter "${meter}"`;
      sendError(res, 404, 'no_data', `no telegram decoded yet${which}: see /api/v1/status for the diagnosis`);
      return;
    }
    sendJson(res, 200, toApiSnapshot(snapshot));
  },
};
