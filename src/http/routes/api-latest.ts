/** `GET /api/v1/latest`: the last decoded telegram, readings keyed by their stable snake_case key. */
import { sendError, sendJson } from '../respond.js';
import { currentSnapshot, type Route } from '../route.js';
import { toApiSnapshot } from '../to-api.js';

export const apiLatest: Route = {
  path: '/api/v1/latest',
  handle({ res, deps }) {
    const snapshot = currentSnapshot(deps);
    if (!snapshot) {
      sendError(res, 404, 'no_data', 'no telegram decoded yet: see /api/v1/status for the diagnosis');
      return;
    }
    sendJson(res, 200, toApiSnapshot(snapshot));
  },
};
