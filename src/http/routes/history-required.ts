/**
 * Shared guards of the history routes: 503 with a hint when no history store is configured; the meter a request
 * is for (`?meter=`, absent = the first configured one), 404 listing the known ids for an unknown one.
 */
import type { ServerResponse } from 'node:http';
import type { HistoryReader } from '../../store/history-types.js';
import { sendError, sendJson } from '../respond.js';
import type { HttpDeps } from '../route.js';
import { DEFAULT_METER, parseMeter } from '../query.js';

export function requireHistory(deps: HttpDeps, res: ServerResponse): HistoryReader | undefined {
  if (deps.history) return deps.history;
  const hint = 'the history store is off: add "exports": { "history": {} } to meter.json and restart';
  sendError(res, 503, 'history_disabled', hint);
  return undefined;
}

/** The configured meters (config order), else those with history, else `default`. */
export function knownMeters(deps: HttpDeps, history: HistoryReader): string[] {
  const configured = deps.meters?.() ?? history.meters();
  return configured.length > 0 ? configured : [DEFAULT_METER];
}

/** The meter of this request, or undefined after answering 404 `{ error, message, meters }`. */
export function requireMeter(
  deps: HttpDeps,
  history: HistoryReader,
  url: URL,
  res: ServerResponse,
): string | undefined {
  const known = knownMeters(deps, history);
  const m = parseMeter(url.searchParams, known);
  if ('meter' in m) return m.meter;
  const shown = m.unknown.length > 64 ? `${m.unknown.slice(0, 64)}…` : m.unknown;
  sendJson(res, 404, {
    error: 'not_found',
    message: `no meter ${JSON.stringify(shown)}: use meter=${known.join(' | meter=')} (the ids of meters[] in the config)`,
    meters: known,
  });
  return undefined;
}
