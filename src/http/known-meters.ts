/**
 * The configured meters as the HTTP API names them (`?meter=ID`): their ids in config order, taken from the
 * live status (`status.meters`), and the answer for an id that is not among them.
 */
import type { ServerResponse } from 'node:http';
import { sendJson } from './respond.js';
import type { HttpDeps } from './route.js';

/** Configured meter ids in config order; empty when the status lists none. */
export function knownMeterIds(deps: HttpDeps): string[] {
  return deps.status.get().meters.map((m) => m.meter);
}

/** `?meter=` as sent, undefined when absent or empty (= the first meter, so old clients keep working). */
export function meterParam(url: URL): string | undefined {
  const raw = url.searchParams.get('meter');
  return raw === null || raw === '' ? undefined : raw;
}

/**
 * 404 for a meter id the config does not have, listing the ones it has (also as `meters`, for scripts).
 * The echoed id is cut to 64 characters: it is the client's text.
 */
export function sendUnknownMeter(res: ServerResponse, id: string, known: readonly string[]): void {
  const list = known.length ? `known meters: ${known.join(', ')}` : 'no meters are configured';
  sendJson(res, 404, {
    error: 'not_found',
    message: `no meter "${id.slice(0, 64)}" in the config (${list}): send ?meter= with one of these ids`,
    meters: known,
  });
}
