/**
 * The embedded HTTP server: dashboard, JSON API, server-sent events and Prometheus /metrics on `node:http`.
 *
 * Every request: security headers → Host check without auth (DNS rebinding guard, host-check.ts: 421 / 400) →
 * URL parse (400) → authorization (token / basic auth, see auth.ts: 401) → route table lookup → 404 / 405 as
 * JSON → handler. A `BadRequest` becomes 400 with its message; any other error becomes a 500 without details.
 * Refusals before a route runs and 400s are logged rate-limited at warn without a stack (request-errors.ts); a
 * 500 is a bug and logged with its stack. `start()` resolves the real address (port 0 picks a free port);
 * `stop()` ends open event streams and closes idle keep-alive sockets so it finishes promptly.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { HttpConfig } from '../config/types.js';
import type { MeterSnapshot } from '../model/snapshot.js';
import type { StatusProvider } from '../status/status.js';
import type { HistoryReader } from '../store/history-types.js';
import type { Logger } from '../log/logger.js';
import { assertSafeBinding, authorize, TOKEN_COOKIE } from './auth.js';
import { checkHost } from './host-check.js';
import { clientErrorHandler, createRequestErrorLog, type RequestErrorLog } from './request-errors.js';
import { applySecurityHeaders, BadRequest, sendError } from './respond.js';
import type { HttpDeps, Route, SseOptions } from './route.js';
import { createQuerySlots, type QuerySlotOptions } from './query-slots.js';
import { apiLatest } from './routes/api-latest.js';
import { apiMeters } from './routes/api-meters.js';
import { apiStatus } from './routes/api-status.js';
import { apiHistory } from './routes/api-history.js';
import { apiHistoryCsv } from './routes/api-history-csv.js';
import { apiEnergyCsv } from './routes/api-energy-quarter.js';
import { apiEnergy } from './routes/api-energy.js';
import { events } from './routes/events.js';
import { metrics } from './routes/metrics.js';
import { assets, index, vendor } from './routes/static-files.js';

/** All routes; add one import and one entry per route. */
export const ROUTES: readonly Route[] = [
  index,
  apiLatest,
  apiMeters,
  apiStatus,
  apiHistory,
  apiHistoryCsv,
  apiEnergy,
  apiEnergyCsv,
  events,
  metrics,
  assets,
  vendor,
];

export interface HttpServerOptions {
  config: HttpConfig;
  status: StatusProvider;
  history?: HistoryReader;
  /** Latest snapshot of this run per configured meter id (absent = the first meter). */
  latest: (meter?: string) => MeterSnapshot | undefined;
  /** The configured meter ids in config order (`?meter=` is one of them; absent = the first). */
  meters?: () => string[];
  subscribe: (listener: (s: MeterSnapshot) => void) => () => void;
  logger: Logger;
  version: string;
  /** Clock (ms since epoch), default Date.now. */
  now?: () => number;
  /** Dashboard files, default the package's `assets/` directory. */
  assetsDir?: string;
  sse?: Partial<SseOptions>;
  /** Concurrent history queries (default 2 running, 8 waiting up to 3 s). */
  querySlots?: QuerySlotOptions;
}

export interface HttpServer {
  start(): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
}

const DEFAULT_SSE: SseOptions = { statusIntervalMs: 5000, heartbeatMs: 15_000, maxClients: 32 };
const DEFAULT_ASSETS = fileURLToPath(new URL('../../assets/', import.meta.url));

export function findRoute(pathname: string): Route | undefined {
  return ROUTES.find((r) => (r.prefix ? pathname.startsWith(r.path) : pathname === r.path));
}

/** The request target as a URL; undefined when it cannot be parsed (e.g. `http://[`). */
function parseTarget(target: string): URL | undefined {
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
}

async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  deps: HttpDeps,
  config: HttpConfig,
  refusals: RequestErrorLog,
) {
  applySecurityHeaders(res);
  const remote = req.socket.remoteAddress;
  const host = checkHost(req.headers.host, config);
  if (!host.ok) {
    if (host.status === 421) {
      refusals.refused('http.misdirected', `unknown Host name (answered 421)`, { host: host.host, remote });
      return sendError(res, 421, 'misdirected_request', host.message);
    }
    refusals.refused('http.no-host', 'no Host header (answered 400)', { remote });
    return sendError(res, 400, 'bad_request', host.message);
  }
  const url = parseTarget(req.url ?? '/');
  if (!url) {
    refusals.refused('http.bad-url', 'unparsable request URL (answered 400)', { remote });
    return sendError(
      res,
      400,
      'bad_request',
      'the request URL cannot be parsed: send a path such as /api/v1/status',
    );
  }
  const auth = authorize(req, url, config);
  if (!auth.ok) {
    if (auth.malformedCookie)
      refusals.refused('http.bad-cookie', `malformed ${TOKEN_COOKIE} cookie (answered 401)`, { remote });
    else deps.logger.debug('unauthorized request', { path: url.pathname, remote });
    res.setHeader('WWW-Authenticate', auth.challenge);
    sendError(
      res,
      401,
      'unauthorized',
      'authentication required: send the configured token or user/password',
    );
    return;
  }
  if (auth.setCookie) res.setHeader('Set-Cookie', auth.setCookie);
  const route = findRoute(url.pathname);
  if (!route) return sendError(res, 404, 'not_found', `no such path: ${url.pathname} (see docs/http-api.md)`);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendError(res, 405, 'method_not_allowed', `${req.method} is not supported here: use GET`);
  }
  await route.handle({ req, res, url, deps });
}

function handleFailure(res: ServerResponse, e: unknown, refusals: RequestErrorLog, logger: Logger): void {
  const path = (res.req.url ?? '').split('?')[0]!.slice(0, 200);
  if (e instanceof BadRequest || e instanceof URIError) {
    // URIError: a route decoded percent-encoding that is not valid UTF-8 (a client's fault, not a bug).
    const message = e instanceof BadRequest ? e.message : 'malformed percent-encoding in the request';
    refusals.refused('http.bad-request', `bad query (answered 400): ${message}`, { path });
    if (!res.headersSent) sendError(res, 400, 'bad_request', message);
    return;
  }
  logger.error('request failed', { path, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  if (!res.headersSent) sendError(res, 500, 'internal', 'internal error: see the kaifareader log');
  else res.destroy();
}

export function createHttpServer(opts: HttpServerOptions): HttpServer {
  const logger = opts.logger.child('http');
  const deps: HttpDeps = {
    status: opts.status,
    ...(opts.history ? { history: opts.history } : {}),
    latest: opts.latest,
    meters: opts.meters,
    subscribe: opts.subscribe,
    logger,
    version: opts.version,
    now: opts.now ?? Date.now,
    assetsDir: opts.assetsDir ?? DEFAULT_ASSETS,
    sse: { ...DEFAULT_SSE, ...opts.sse },
    sseClients: new Set(),
    querySlots: createQuerySlots(opts.querySlots),
  };
  let server: Server | undefined;
  const refusals = createRequestErrorLog(logger);

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    dispatch(req, res, deps, opts.config, refusals).catch((e: unknown) =>
      handleFailure(res, e, refusals, logger),
    );
  };

  return {
    async start() {
      assertSafeBinding(opts.config);
      const srv = createServer({ keepAliveTimeout: 5000 }, onRequest);
      srv.on('clientError', clientErrorHandler(refusals));
      server = srv;
      return new Promise<{ host: string; port: number }>((resolve, reject) => {
        const onError = (e: NodeJS.ErrnoException) => {
          server = undefined;
          reject(new Error(listenHint(opts.config, e)));
        };
        srv.once('error', onError);
        srv.listen(opts.config.port, opts.config.host, () => {
          srv.off('error', onError);
          srv.on('error', (e) => logger.error('http server error', { error: String(e) }));
          const addr = srv.address() as AddressInfo;
          logger.debug('dashboard listening', { url: `http://${formatHost(addr.address)}:${addr.port}/` });
          resolve({ host: addr.address, port: addr.port });
        });
      });
    },
    stop() {
      const srv = server;
      server = undefined;
      if (!srv) return Promise.resolve();
      refusals.flush();
      for (const res of deps.sseClients) res.end();
      deps.sseClients.clear();
      return new Promise((resolve) => {
        // Requests still running get one second to finish, then their sockets are closed.
        const force = setTimeout(() => srv.closeAllConnections(), 1000);
        force.unref();
        srv.close(() => {
          clearTimeout(force);
          resolve();
        });
        srv.closeIdleConnections();
      });
    },
  };
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** Turns a listen error into a sentence that says what to change. */
function listenHint(config: HttpConfig, e: NodeJS.ErrnoException): string {
  const where = `${config.host}:${config.port}`;
  if (e.code === 'EADDRINUSE')
    return `http: ${where} is already in use: stop the other program or change http.port`;
  if (e.code === 'EACCES') return `http: no permission to listen on ${where}: use a port above 1023`;
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') {
    return `http: ${config.host} is not an address of this machine: fix http.host (e.g. 127.0.0.1 or 0.0.0.0)`;
  }
  return `http: cannot listen on ${where}: ${e.message}`;
}
