/**
 * The route seam: every route module exports one `Route` (path + GET handler). Handlers receive the request,
 * the response, the parsed URL and the injected dependencies; they throw `BadRequest` for a bad query and
 * anything else for a bug (answered as a 500 without details).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MeterSnapshot } from '../model/snapshot.js';
import type { StatusProvider } from '../status/status.js';
import type { HistoryReader } from '../store/history-types.js';
import type { Logger } from '../log/logger.js';
import type { QuerySlots } from './query-slots.js';

export interface HttpDeps {
  status: StatusProvider;
  history?: HistoryReader;
  /**
   * The configured meter ids in config order: `?meter=` must be one of them, absent = the first. When absent,
   * the history's `meters()` (those with data; `default` when there are none).
   */
  meters?: () => string[];
  /**
   * Latest snapshot of this run for a configured meter id (absent = the first meter); `currentSnapshot` falls
   * back to `history.latest()` after a restart.
   */
  latest: (meter?: string) => MeterSnapshot | undefined;
  subscribe: (listener: (s: MeterSnapshot) => void) => () => void;
  logger: Logger;
  version: string;
  /** Clock, ms since the epoch. */
  now: () => number;
  /** Directory holding index.html, dashboard.css and js/. */
  assetsDir: string;
  sse: SseOptions;
  /** Open server-sent-event responses, ended by `stop()`. */
  sseClients: Set<ServerResponse>;
  /** Bounds the history queries running at once (query-slots.ts). */
  querySlots: QuerySlots;
}

export interface SseOptions {
  /** Interval of `status` events. */
  statusIntervalMs: number;
  /** Interval of heartbeat comments that keep proxies from closing an idle stream. */
  heartbeatMs: number;
  /** Bound on concurrent event streams. */
  maxClients: number;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  deps: HttpDeps;
}

export interface Route {
  /** Exact path, or a prefix ending in `/` when `prefix` is set. */
  path: string;
  prefix?: boolean;
  handle(ctx: RouteContext): void | Promise<void>;
}

/**
 * The snapshot to show for a meter id (absent = the first meter): this run's latest, else the one the store kept
 * for that meter (its `latest` table has a row per meter; a v3 file's one row was migrated to `default`).
 */
export function currentSnapshot(deps: HttpDeps, meter?: string): MeterSnapshot | undefined {
  const live = deps.latest(meter);
  if (live) return live;
  // After a restart: the store keeps each meter's last snapshot (schema v4).
  const wanted = meter ?? deps.status.get().meters[0]?.meter ?? 'default';
  const stored = deps.history?.latest(wanted);
  return stored ? { ...stored, meter: wanted } : undefined;
}
