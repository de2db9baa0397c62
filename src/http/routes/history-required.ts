/** Shared guard of the history routes: 503 with a hint when no history store is configured. */
import type { ServerResponse } from 'node:http';
import type { HistoryReader } from '../../store/history-types.js';
import { sendError } from '../respond.js';
import type { HttpDeps } from '../route.js';

export function requireHistory(deps: HttpDeps, res: ServerResponse): HistoryReader | undefined {
  if (deps.history) return deps.history;
  const hint = 'the history store is off: add "exports": { "history": {} } to meter.json and restart';
  sendError(res, 503, 'history_disabled', hint);
  return undefined;
}
