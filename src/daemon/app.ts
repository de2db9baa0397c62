/**
 * The composition root: builds the status hub, the sinks, one reader per meter and the HTTP server from a
 * validated AppConfig. Shared by `kaifareader run` and `kaifareader demo` (which injects simulated meters as
 * sources).
 *
 * The MQTT sink, the history store and the HTTP server are imported only when the config enables them: the mqtt
 * client alone adds ~15 MB of resident memory, libsql ~7 MB — a Solarview-only daemon on a Raspberry Pi should
 * not pay for them (see bench/daemon.ts).
 */
import type { AppConfig, MeterConfig } from '../config/types.js';
import type { ByteSource } from '../transport/types.js';
import type { Sink } from '../sinks/sink.js';
import type { Logger } from '../log/logger.js';
import type { HistoryReader } from '../store/history-types.js';
import { createSource } from '../transport/create-source.js';
import type { HttpServer } from '../http/server.js';
import { SINKS, type SinkContext, type SinkEntry } from '../sinks/registry.js';
import { createDaemon, type Daemon, type ReconfigureResult } from './daemon.js';
import { StatusHub } from './status-hub.js';
import { openReplayGuard, type ReplayGuard } from './invocation-counters.js';
import { createServiceLink } from '../service/service-link.js';
import { meterLogName } from './meter-reader.js';

export interface App {
  daemon: Daemon<MeterConfig>;
  /** Address of the dashboard when HTTP is enabled. */
  http?: { host: string; port: number };
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Applies a re-read config (SIGHUP): meters added, removed or changed take effect at once; changes to the
   * sinks, HTTP or logging need a restart and are named in `needsRestart`.
   */
  reconfigure(config: AppConfig): Promise<ReconfigureResult & { needsRestart: string[] }>;
}

export interface AppOptions {
  config: AppConfig;
  logger: Logger;
  version: string;
  /** Sources that replace a meter's configured one, by meter id (the demo's simulated meters). */
  sources?: ReadonlyMap<string, ByteSource>;
  now?: () => number;
  /**
   * Run from a terminal (default: stdin and stderr are TTYs): says how to stop. Under systemd stdin is /dev/null.
   */
  interactive?: boolean;
}

/** The config sections that are not meters, as text: a reload that changes one needs a restart. */
function restartSections(config: AppConfig): Record<string, string> {
  return {
    exports: JSON.stringify(config.exports),
    http: JSON.stringify(config.http ?? null),
    logging: JSON.stringify(config.logging),
    data_dir: config.dataDir,
  };
}

export async function createApp(opts: AppOptions): Promise<App> {
  const { config, logger } = opts;
  const now = opts.now ?? Date.now;
  const status = new StatusHub(now());
  const ctx: SinkContext = {
    logger,
    dataDir: config.dataDir,
    status,
    now,
    meters: config.meters,
    ...(config.exports.history?.timeZone ? { timeZone: config.exports.history.timeZone } : {}),
  };
  const sinks: Sink[] = [];
  // Every enabled sink, in registry order; each is imported only when its section is configured.
  for (const entry of SINKS as readonly SinkEntry<string, unknown>[]) {
    const section = (config.exports as Record<string, unknown>)[entry.name];
    if (section === undefined) continue;
    const create = await entry.load();
    sinks.push(await create(section, ctx));
  }
  const history: HistoryReader | undefined = sinks.find((s) => s.history)?.history;
  // systemd (Type=notify): readiness, watchdog and status; a no-op without $NOTIFY_SOCKET.
  const service = createServiceLink({ env: process.env, logger, now: opts.now });
  const sourceFor = (m: MeterConfig): ByteSource =>
    service.watch(
      opts.sources?.get(m.id) ??
        createSource(m.source, {
          logger: logger.child(meterLogName(m.id, 'source')),
          meter: m.id,
        }),
    );
  // Telegrams that cross a network (MQTT) may be replayed or duplicated: refused by their invocation counter.
  let guard: ReplayGuard | undefined;
  const replayGuard = () => (guard ??= openReplayGuard(config.dataDir, logger.child('replay')));
  const daemon = createDaemon({
    meters: config.meters,
    sourceFor,
    replayGuardFor: (m) => (m.source.type === 'mqtt' ? replayGuard() : undefined),
    sinks,
    status,
    logger,
    now: opts.now,
  });
  const running = restartSections(config);
  let server: HttpServer | undefined;
  if (config.http) {
    const { createHttpServer } = await import('../http/server.js');
    server = createHttpServer({
      config: config.http,
      status,
      history,
      latest: (meter) => daemon.latest(meter),
      meters: () => daemon.meters(),
      subscribe: (l) => daemon.subscribe(l),
      logger,
      version: opts.version,
    });
  }
  const app: App = {
    daemon,
    async start() {
      const interactive = opts.interactive ?? (process.stdin.isTTY === true && process.stderr.isTTY === true);
      const stopHint = interactive ? ' — press Ctrl-C to stop' : '';
      if (server) {
        app.http = await server.start();
        // The one line with the URL (the HTTP server logs its listening address at debug only).
        logger.info(
          `dashboard on http://${app.http.host.includes(':') ? `[${app.http.host}]` : app.http.host}:${app.http.port}/${stopHint}`,
        );
      }
      await daemon.start();
      if (interactive && !server) logger.info('reading; press Ctrl-C to stop');
      await service.ready(() => status.get());
    },
    async stop() {
      void service.stopping(); // not awaited: systemd-notify's barrier must not eat the stop budget
      await Promise.all([daemon.stop(), server?.stop()]);
      guard?.close();
    },
    async reconfigure(next) {
      const result = await daemon.reconfigure(next.meters);
      for (const id of result.removed) for (const s of sinks) s.forgetMeter?.(id);
      const wanted = restartSections(next);
      const needsRestart = Object.keys(wanted).filter((k) => wanted[k] !== running[k]);
      return { ...result, needsRestart };
    },
  };
  return app;
}
