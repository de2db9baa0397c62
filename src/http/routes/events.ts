/**
 * `GET /events`: server-sent events for the dashboard.
 *
 *   retry: 3000
 *   event: snapshot            on connect one per meter that has one (config order), then on every decoded
 *                              telegram of any meter; data = /api/v1/latest?meter=ID, `meter` names the meter
 *   event: status              on connect and every `statusIntervalMs`; data = /api/v1/status (with `meters`)
 *   : ping                     heartbeat comment every `heartbeatMs` so proxies keep the stream open
 *
 * The listener and timers are removed when the client goes away or the server stops.
 */
import type { ServerResponse } from 'node:http';
import { sendError } from '../respond.js';
import { knownMeterIds } from '../known-meters.js';
import { currentSnapshot, type HttpDeps, type Route } from '../route.js';
import { toApiSnapshot } from '../to-api.js';
import { apiStatusBody } from './api-status.js';

function writeEvent(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The snapshots a new client starts from: each configured meter's latest (a status without meters: the one). */
function firstSnapshots(deps: HttpDeps) {
  const ids = knownMeterIds(deps);
  const all = ids.length ? ids.map((id) => currentSnapshot(deps, id)) : [currentSnapshot(deps)];
  return all.filter((s) => s !== undefined);
}

export const events: Route = {
  path: '/events',
  handle({ req, res, deps }) {
    if (deps.sseClients.size >= deps.sse.maxClients) {
      sendError(
        res,
        503,
        'too_many_clients',
        `at most ${deps.sse.maxClients} live streams: close other dashboards`,
      );
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    deps.sseClients.add(res);

    // Timers and the snapshot listener must never throw into the daemon: failures are logged, not raised.
    const guarded = (what: string, fn: () => void) => () => {
      if (res.writableEnded || res.destroyed) return;
      try {
        fn();
      } catch (e) {
        deps.logger.warn(`event stream: could not send ${what}`, { error: String(e) });
      }
    };
    const sendStatus = guarded('status', () => writeEvent(res, 'status', apiStatusBody(deps)));
    res.write('retry: 3000\n\n');
    sendStatus();
    for (const s of firstSnapshots(deps)) writeEvent(res, 'snapshot', toApiSnapshot(s));

    const unsubscribe = deps.subscribe((s) =>
      guarded('snapshot', () => writeEvent(res, 'snapshot', toApiSnapshot(s)))(),
    );
    const statusTimer = setInterval(sendStatus, deps.sse.statusIntervalMs);
    const heartbeat = setInterval(
      guarded('heartbeat', () => res.write(': ping\n\n')),
      deps.sse.heartbeatMs,
    );
    statusTimer.unref();
    heartbeat.unref();

    const cleanup = () => {
      unsubscribe();
      clearInterval(statusTimer);
      clearInterval(heartbeat);
      deps.sseClients.delete(res);
    };
    res.once('close', cleanup);
  },
};
